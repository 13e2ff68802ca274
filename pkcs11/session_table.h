// Open sessions by handle. The table's lock is held only to look a session up, add or remove it:
// never while a session works, so sessions sign concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cryptoki/pkcs11_v3.h"
#include "pkcs11/locking.h"

namespace samp11::p11 {

class Session;
class Slot;

class SessionTable {
 public:
  SessionTable(const LockFactory& locks, size_t slot_count);

  // Handles count up from 1 and are never reused in the life of the process.
  CK_SESSION_HANDLE Open(Slot* slot, bool read_write, const LockFactory& locks);
  std::shared_ptr<Session> Find(CK_SESSION_HANDLE handle);
  // False if there is no such session. Closing a token's last session logs the token out.
  bool Close(CK_SESSION_HANDLE handle);
  void CloseAll(Slot* slot);
  void CloseEverything();

  struct Counts {
    CK_ULONG total = 0;
    CK_ULONG read_write = 0;
  };
  Counts CountsFor(const Slot* slot);

 private:
  void Forget(const Session& session);  // with mu_ held

  std::unique_ptr<Lock> mu_;
  std::unordered_map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;
  std::vector<Counts> counts_;  // by slot id
};

}  // namespace samp11::p11
