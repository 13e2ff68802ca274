#include "token/objects.h"

namespace samp11 {

Result<std::optional<KeyInfo>> TokenObjects::KeyByHandle(int64_t handle) {
  return keystore_.keys().FindKeyByHandle(handle);
}

Result<std::optional<KeyInfo>> TokenObjects::KeyById(const Bytes& id) {
  return keystore_.keys().FindKeyById(id);
}

Result<std::vector<KeyInfo>> TokenObjects::KeysByLabel(const std::string& label, int64_t after,
                                                       size_t limit) {
  return keystore_.keys().FindKeysByLabel(label, after, limit);
}

Result<std::vector<KeyInfo>> TokenObjects::Keys(int64_t after, size_t limit) {
  return keystore_.keys().ListKeys(after, limit);
}

Result<std::optional<CertRow>> TokenObjects::CertByHandle(int64_t handle) {
  return keystore_.certs().FindCertByHandle(handle);
}

Result<std::vector<CertRow>> TokenObjects::CertsOfKey(const Bytes& key_id) {
  return keystore_.certs().FindCertsByKeyId(key_id);
}

Result<std::vector<CertRow>> TokenObjects::CertsByLabel(const std::string& label, int64_t after,
                                                        size_t limit) {
  return keystore_.certs().FindCertsByLabel(label, after, limit);
}

Result<std::vector<CertRow>> TokenObjects::Certs(int64_t after, size_t limit) {
  return keystore_.certs().ListCerts(after, limit);
}

Result<KeyState> TokenObjects::KeyStateOf(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(
      KeyUsability usability,
      keystore_.keys().KeyUsabilityAt(id, sam_.Now(), sam_.policy().require_certificate));
  return usability.state;
}

}  // namespace samp11
