// SADs deposited through PKCS#11 as session objects (C_CreateObject of class CKO_SAMP11_SAD).
// They live in this process only, belong to the session that made them, and go when it closes:
// the PKCS#11 meaning of a session object. They also travel through p11-kit remoting, which a
// keystore deposit made by another program does not need.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "sam/activation.h"

namespace samp11 {

class SessionDeposits {
 public:
  // Returns the deposit's id (> 0, never reused in the process).
  uint64_t Add(uint64_t session, std::shared_ptr<const VerifiedSad> sad);
  std::shared_ptr<const VerifiedSad> Get(uint64_t id) const;
  bool Remove(uint64_t id);
  void RemoveSession(uint64_t session);
  std::vector<std::shared_ptr<const VerifiedSad>> ForKey(const std::string& credential_id) const;

 private:
  struct Entry {
    uint64_t session;
    std::shared_ptr<const VerifiedSad> sad;
  };
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Entry> entries_;
};

}  // namespace samp11
