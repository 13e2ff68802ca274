// Certificates of the signing keys. Every row carries an HMAC over its key id, DER and validity
// (aad.h): what is read from here has been checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/audit_log.h"
#include "keystore/keystore_context.h"
#include "keystore/signing_keys.h"

namespace samp11 {

// kTampered unless the row's MAC verifies under the context's keys.
Status CheckCertRow(const KeystoreContext& context, const CertRow& row);

class Certificates {
 public:
  Certificates(KeystoreContext& context, AuditLog& audit, SigningKeys& keys)
      : context_(context), audit_(audit), keys_(keys) {}
  Certificates(const Certificates&) = delete;
  Certificates& operator=(const Certificates&) = delete;

  // Stores a certificate for an existing key (its public key must match the key's). Audited.
  Result<CertRow> ImportCertificate(const Bytes& key_id, const Bytes& pem_or_der,
                                    const std::string& label);

  // Checked lookups (kTampered for a row whose MAC fails); the listings page as the keys' do.
  Result<std::optional<CertRow>> FindCertByHandle(int64_t handle);
  Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id);
  Result<std::vector<CertRow>> FindCertsByLabel(const std::string& label, int64_t after,
                                                size_t limit);
  Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit);

 private:
  Result<std::vector<CertRow>> Checked(Result<std::vector<CertRow>> rows);

  KeystoreContext& context_;
  AuditLog& audit_;
  SigningKeys& keys_;
};

}  // namespace samp11
