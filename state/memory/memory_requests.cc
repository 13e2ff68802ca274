// Activation requests.
#include <algorithm>
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {
Status MemoryRequestStore::InsertSadRequest(const SadRequestRow& row) {
  auto lock = c_.Lock();
  auto& requests = c_.tables().requests;
  // The purge comes first, as in one SQL transaction: an old request purged now frees its id.
  // Checked before anything is removed, so a refused insert changes nothing.
  const int64_t purge_before = row.created - kRequestKeepSeconds;
  auto same_id = requests.find(row.id);
  if (same_id != requests.end() && same_id->second.expires >= purge_before) {
    return Status(Code::kAlreadyExists, "activation request " + row.id + " exists");
  }
  for (auto it = requests.begin(); it != requests.end();) {
    it = it->second.expires < purge_before ? requests.erase(it) : std::next(it);
  }
  requests.emplace(row.id, row);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<SadRequestRow>> MemoryRequestStore::FindSadRequest(std::string_view id) {
  auto lock = c_.Lock();
  auto found = c_.tables().requests.find(std::string(id));
  if (found == c_.tables().requests.end()) return std::optional<SadRequestRow>();
  return std::optional<SadRequestRow>(found->second);
}

Result<std::vector<SadRequestRow>> MemoryRequestStore::ListPendingSadRequests(int64_t now,
                                                                              size_t limit) {
  auto lock = c_.Lock();
  std::vector<SadRequestRow> pending;
  for (const auto& [id, row] : c_.tables().requests) {
    if (row.state == "pending" && row.expires >= now) pending.push_back(row);
  }
  // Oldest first; requests are kept by id, so ties of created stay in id order.
  std::stable_sort(
      pending.begin(), pending.end(),
      [](const SadRequestRow& a, const SadRequestRow& b) { return a.created < b.created; });
  if (pending.size() > limit) pending.resize(limit);
  return pending;
}

Result<bool> MemoryRequestStore::EndSadRequest(std::string_view id, std::string_view state,
                                               std::string_view detail, int64_t now) {
  auto lock = c_.Lock();
  auto found = c_.tables().requests.find(std::string(id));
  // Only a pending request ends, and only once: a late refusal cannot overwrite an answer.
  if (found == c_.tables().requests.end() || found->second.state != "pending") return false;
  found->second.state = std::string(state);
  found->second.detail = std::string(detail);
  found->second.updated = now;
  c_.Wrote(/*signing_path=*/false);
  return true;
}

}  // namespace samp11
