// The inner token's public face: the configuration's form, and the lookup and destruction of
// keys by CKA_ID. Key generation is in inner_keygen.cc, signing in inner_sign.cc, the connection
// and its sessions in session_pool.cc and connect.cc.
#include "hsm/inner_token.h"

#include <utility>

#include "common/log.h"
#include "hsm/inner_objects.h"
#include "hsm/inner_token_impl.h"

namespace samp11 {

using inner::Attr;
using inner::Lease;

Result<std::shared_ptr<InnerToken>> InnerToken::Create(const InnerTokenConfig& config) {
  if (config.module.empty() || config.module[0] != '/') {
    return Status(Code::kConfig, "inner token: the PKCS#11 module must be an absolute path, not '" +
                                     config.module + "'");
  }
  if (config.token_label.empty() == config.token_serial.empty()) {
    return Status(Code::kConfig, "inner token: name exactly one of the token label and serial");
  }
  // Longer names never match the fixed-size CK_TOKEN_INFO fields.
  if (config.token_label.size() > 32 || config.token_serial.size() > 16) {
    return Status(Code::kConfig, "inner token: label over 32 or serial over 16 characters");
  }
  if (config.pin_file.empty()) {
    return Status(Code::kConfig, "inner token: no PIN file named");
  }
  if (config.max_sessions == 0) {
    return Status(Code::kConfig, "inner token: max_sessions must be at least 1");
  }
  return std::shared_ptr<InnerToken>(new InnerToken(std::make_unique<Impl>(config)));
}

InnerToken::InnerToken(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InnerToken::~InnerToken() = default;

std::string InnerToken::Describe() const { return impl_->pool.Describe(); }

Result<std::vector<InnerKey>> InnerToken::FindPrivateKeys(const Bytes& id) {
  if (id.empty()) return Status(Code::kArgumentsBad, "inner key search needs a CKA_ID");
  return impl_->pool.Run<std::vector<InnerKey>>([&](Lease& lease) -> Result<std::vector<InnerKey>> {
    SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> keys, inner::FindKeysIn(lease, id));
    for (InnerKey& key : keys) impl_->handles.Register(key, lease);
    return keys;
  });
}

Result<int> InnerToken::DestroyObjects(const Bytes& id) {
  // An empty CKA_ID matches every object without one: never a deliberate target.
  if (id.empty()) return Status(Code::kArgumentsBad, "inner object destruction needs a CKA_ID");
  Result<int> destroyed = impl_->pool.Run<int>([&](Lease& lease) -> Result<int> {
    SAMP11_RETURN_IF_ERROR(lease.CheckLoggedIn());  // else the private key would be missed
    SAMP11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> objects,
                            inner::FindObjects(lease, {Attr(CKA_ID, id.data(), id.size())}));
    int count = 0;
    for (CK_OBJECT_HANDLE object : objects) {
      CK_RV rv = lease.fl()->C_DestroyObject(lease.session(), object);
      if (rv == CKR_OBJECT_HANDLE_INVALID) continue;  // gone already
      if (rv != CKR_OK) return lease.Failure("C_DestroyObject", rv);
      ++count;
    }
    return count;
  });
  // Even after a partial failure: a handle must not outlive the key it named.
  impl_->handles.Forget(id);
  if (destroyed.ok()) {
    SAMP11_LOG(kInfo, impl_->pool.Describe()
                          << ": destroyed " << *destroyed << " object(s) of id " << HexEncode(id));
  }
  return destroyed;
}

}  // namespace samp11
