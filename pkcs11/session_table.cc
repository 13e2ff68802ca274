#include "pkcs11/session_table.h"

#include <atomic>
#include <mutex>

#include "pkcs11/module.h"
#include "pkcs11/session.h"

namespace samp11::p11 {

SessionTable::SessionTable(const LockFactory& locks, size_t slot_count)
    : mu_(locks.Make()), counts_(slot_count) {}

CK_SESSION_HANDLE SessionTable::Open(Slot* slot, bool read_write, const LockFactory& locks) {
  // One counter for the life of the process, so a handle is never reused, not even after
  // C_Finalize and a new C_Initialize.
  static std::atomic<CK_SESSION_HANDLE>* next = new std::atomic<CK_SESSION_HANDLE>(1);
  CK_SESSION_HANDLE handle = next->fetch_add(1);
  auto session = std::make_shared<Session>(handle, slot, read_write, locks.Make());
  std::lock_guard<Lock> lock(*mu_);
  sessions_.emplace(handle, std::move(session));
  Counts& counts = counts_[slot->id()];
  ++counts.total;
  if (read_write) ++counts.read_write;
  return handle;
}

std::shared_ptr<Session> SessionTable::Find(CK_SESSION_HANDLE handle) {
  std::lock_guard<Lock> lock(*mu_);
  auto it = sessions_.find(handle);
  return it == sessions_.end() ? nullptr : it->second;
}

namespace {

// A C_Sign of the session may be waiting for the signer's device: it returns CKR_SESSION_CLOSED.
void EndWaits(Session& session, const char* why) {
  session.CancelSign(Status(Code::kSessionClosed, why));
}

}  // namespace

void SessionTable::Forget(const Session& session) {
  Counts& counts = counts_[session.slot().id()];
  --counts.total;
  if (session.read_write()) --counts.read_write;
  // PKCS#11: when the application's last session with a token closes, it is logged out.
  if (counts.total == 0) session.slot().Logout();
}

bool SessionTable::Close(CK_SESSION_HANDLE handle) {
  std::shared_ptr<Session> closed;  // released after the table lock
  std::lock_guard<Lock> lock(*mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return false;
  closed = std::move(it->second);
  sessions_.erase(it);
  Forget(*closed);
  EndWaits(*closed, "the session was closed (C_CloseSession)");
  return true;
}

void SessionTable::CloseAll(Slot* slot) {
  std::vector<std::shared_ptr<Session>> closed;  // released after the table lock
  std::lock_guard<Lock> lock(*mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (&it->second->slot() == slot) {
      Forget(*it->second);
      EndWaits(*it->second, "the session was closed (C_CloseAllSessions)");
      closed.push_back(std::move(it->second));
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  slot->Logout();  // also when there was no session
}

void SessionTable::CloseEverything() {
  std::unordered_map<CK_SESSION_HANDLE, std::shared_ptr<Session>> closed;
  std::lock_guard<Lock> lock(*mu_);
  closed.swap(sessions_);
  for (Counts& counts : counts_) counts = Counts();
  for (auto& entry : closed) EndWaits(*entry.second, "the module was finalized (C_Finalize)");
}

SessionTable::Counts SessionTable::CountsFor(const Slot* slot) {
  std::lock_guard<Lock> lock(*mu_);
  return counts_[slot->id()];
}

}  // namespace samp11::p11
