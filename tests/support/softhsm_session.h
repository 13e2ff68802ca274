// SoftHSM's own functions on the sandbox's inner token (softhsm.h), for tests that look at keys
// the way the inner token holds them, or change them behind samp11's back.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"
#include "cryptoki/pkcs11_v3.h"

namespace samp11::testing {

// A logged-in R/W session on the sandbox's token, straight through SoftHSM, closed when it goes.
// Closing SoftHSM's last session in the process logs every session out, so a test that must see
// samp11 log in by itself (a wrong PIN) lets every InnerSession go first.
class InnerSession {
 public:
  InnerSession();
  ~InnerSession();
  InnerSession(const InnerSession&) = delete;
  InnerSession& operator=(const InnerSession&) = delete;

  CK_FUNCTION_LIST* p11() const { return p11_; }
  CK_SESSION_HANDLE handle() const { return session_; }

  // Every object of class klass with this CKA_ID.
  std::vector<CK_OBJECT_HANDLE> Find(CK_OBJECT_CLASS klass, const Bytes& id) const;
  // One boolean attribute of an object (throws if SoftHSM will not tell).
  bool Bool(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const;
  Bytes Id(CK_OBJECT_HANDLE object) const;
  void SetId(CK_OBJECT_HANDLE object, const Bytes& id) const;
  void Destroy(CK_OBJECT_HANDLE object) const;
  // A P-256 key pair on the token under id, sensitive and not extractable unless told otherwise,
  // as another tool (or an attacker with the inner PIN) would make it. Returns the private key.
  CK_OBJECT_HANDLE GenerateEcP256(const Bytes& id, const std::string& label,
                                  bool extractable = false) const;

 private:
  CK_FUNCTION_LIST* p11_;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

}  // namespace samp11::testing
