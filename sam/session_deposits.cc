#include "sam/session_deposits.h"

namespace samp11 {

uint64_t SessionDeposits::Add(uint64_t session, std::shared_ptr<const VerifiedSad> sad) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_id_++;
  entries_.emplace(id, Entry{session, std::move(sad)});
  return id;
}

std::shared_ptr<const VerifiedSad> SessionDeposits::Get(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.sad;
}

bool SessionDeposits::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.erase(id) > 0;
}

void SessionDeposits::RemoveSession(uint64_t session) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.session == session ? entries_.erase(it) : std::next(it);
  }
}

std::vector<std::shared_ptr<const VerifiedSad>> SessionDeposits::ForKey(
    const std::string& credential_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const VerifiedSad>> out;
  for (const auto& [id, entry] : entries_) {
    if (entry.sad->sad.claims.credential_id == credential_id) out.push_back(entry.sad);
  }
  return out;
}

}  // namespace samp11
