// Certificates for keys held in the module.
#include <openssl/evp.h>

#include <utility>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr size_t kMaxLabel = 255;

}  // namespace

Result<CertRow> Keystore::ImportCertificate(const Bytes& key_id, const Bytes& pem_or_der,
                                            const std::string& label) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  std::string owner;  // for the audit record, once the key row is authenticated
  auto run = [&]() -> Result<CertRow> {
    if (label.size() > kMaxLabel) {
      return Status(Code::kArgumentsBad, "a certificate label must be at most 255 bytes");
    }
    SAMP11_ASSIGN_OR_RETURN(CertificateInfo cert, ParseCertificate(pem_or_der));
    SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> info, FindKeyById(key_id));
    if (!info) return Status(Code::kNotFound, "no key " + HexEncode(key_id));
    // Unwrapping authenticates the key row, so the certificate is matched against the key's real
    // public key and not against an edited public_spki column.
    SAMP11_ASSIGN_OR_RETURN(UnwrappedKey key, Unwrap(info->handle));
    owner = key.info.owner;
    // Compared as keys, not as encodings: an EC point may be encoded compressed in a certificate.
    // The row's public key is authenticated by the unwrap (file keys: it matches the private key;
    // keys in an inner token: the token proved it holds its private half).
    Result<EvpPkeyPtr> cert_key = PublicKeyFromSpki(cert.public_spki);
    Result<EvpPkeyPtr> key_public = PublicKeyFromSpki(key.info.public_spki);
    if (!cert_key.ok() || !key_public.ok() ||
        EVP_PKEY_eq(cert_key->get(), key_public->get()) != 1) {
      return Status(Code::kArgumentsBad, "certificate is not for key " + HexEncode(key_id));
    }

    CertRow row;
    row.key_id = key_id;
    row.label = label.empty() ? key.info.label : label;
    row.der = std::move(cert.der);
    row.subject_der = std::move(cert.subject_der);
    row.issuer_der = std::move(cert.issuer_der);
    row.serial_der = std::move(cert.serial_der);
    row.subject_text = std::move(cert.subject_text);
    row.not_before = cert.not_before;
    row.not_after = cert.not_after;
    row.created = clock_.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(keys_.mac, CertMacInput(row)));
    SAMP11_RETURN_IF_ERROR(state_->certs().InsertCert(row));
    // From now on the key signs only under a valid certificate, and deleting the certificate
    // rows does not lift that (lifecycle.h). Written after the certificate: an interruption in
    // between leaves a certificate that is checked all the same.
    SAMP11_ASSIGN_OR_RETURN(KeyRow status, LiveKeyRow(key_id));
    if (!status.certified) {
      status.certified = true;
      SAMP11_ASSIGN_OR_RETURN(status.status_mac, RowMac(keys_.mac, KeyStatusMacInput(status)));
      SAMP11_RETURN_IF_ERROR(state_->keys().UpdateKeyStatus(status));
    }
    return row;
  };
  Result<CertRow> imported = run();
  AuditEvent audit;
  audit.event = audit_event::kCertImport;
  audit.signer = owner;
  audit.key_id = key_id;
  if (imported.ok()) audit.detail = imported->subject_text;
  SAMP11_RETURN_IF_ERROR(AuditResult(std::move(audit), imported.status()));
  return imported;
}

}  // namespace samp11
