// A PKCS#11 module as an application sees it: dlopen, C_GetFunctionList, C_Initialize. Every
// CK_RV that is not CKR_OK throws BenchError: a benchmark that signs nothing must fail loudly.
#pragma once

#include <p11-kit/pkcs11.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "crypto/ossl.h"

namespace samp11::bench {

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string RvHex(CK_RV rv);
void Check(CK_RV rv, const std::string& what);

class Module {
 public:
  explicit Module(const std::string& path);  // dlopen + C_GetFunctionList + C_Initialize
  ~Module();                                 // C_Finalize (dlclose is left out on purpose)
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST_PTR f() const { return f_; }
  const std::string& path() const { return path_; }
  CK_SLOT_ID SlotOfToken(const std::string& label);  // throws if no such token
  CK_SESSION_HANDLE Open(CK_SLOT_ID slot);           // R/W serial session
  CK_OBJECT_HANDLE FindKey(CK_SESSION_HANDLE s, CK_OBJECT_CLASS klass, const Bytes& id);
  // The public key of the key pair with CKA_ID id, from its CKO_PUBLIC_KEY object.
  EvpPkeyPtr PublicKey(CK_SESSION_HANDLE s, const Bytes& id);
  Bytes Attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);

 private:
  std::string path_;
  void* lib_ = nullptr;
  CK_FUNCTION_LIST_PTR f_ = nullptr;
};

}  // namespace samp11::bench
