// Certificates for keys held in the module (certificates.h).
#include <openssl/evp.h>

#include <utility>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "keystore/aad.h"
#include "keystore/certificates.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr size_t kMaxLabel = 255;

}  // namespace

Result<CertRow> Certificates::ImportCertificate(const Bytes& key_id, const Bytes& pem_or_der,
                                                const std::string& label) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  std::string owner;  // for the audit record, once the key row is authenticated
  auto run = [&]() -> Result<CertRow> {
    if (label.size() > kMaxLabel) {
      return Status(Code::kArgumentsBad, "a certificate label must be at most 255 bytes");
    }
    SAMP11_ASSIGN_OR_RETURN(CertificateInfo cert, ParseCertificate(pem_or_der));
    SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> info, keys_.FindKeyById(key_id));
    if (!info) return Status(Code::kNotFound, "no key " + HexEncode(key_id));
    // Unwrapping authenticates the key row, so the certificate is matched against the key's real
    // public key and not against an edited public_spki column.
    SAMP11_ASSIGN_OR_RETURN(UnwrappedKey key, keys_.Unwrap(info->handle));
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
    row.created = context_.clock.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, CertMacInput(row)));
    SAMP11_RETURN_IF_ERROR(context_.state.certs().InsertCert(row));
    // From now on the key signs only under a valid certificate, and deleting the certificate
    // rows does not lift that (lifecycle.h). Written after the certificate: an interruption in
    // between leaves a certificate that is checked all the same.
    SAMP11_RETURN_IF_ERROR(keys_.MarkCertified(key_id));
    return row;
  };
  Result<CertRow> imported = run();
  AuditEvent audit;
  audit.event = audit_event::kCertImport;
  audit.signer = owner;
  audit.key_id = key_id;
  if (imported.ok()) audit.detail = imported->subject_text;
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), imported.status()));
  return imported;
}

Status CheckCertRow(const KeystoreContext& context, const CertRow& row) {
  return VerifyRowMac(context.keys.mac, CertMacInput(row), row.mac,
                      "a certificate of key " + HexEncode(row.key_id));
}

Result<std::vector<CertRow>> Certificates::Checked(Result<std::vector<CertRow>> rows) {
  if (!rows.ok()) return rows.status();
  for (const CertRow& row : *rows) {
    SAMP11_RETURN_IF_ERROR(context_.ExplainStaleKey(CheckCertRow(context_, row)));
  }
  return rows;
}

Result<std::optional<CertRow>> Certificates::FindCertByHandle(int64_t handle) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<CertRow> row,
                          context_.state.certs().FindCertByHandle(handle));
  if (row) SAMP11_RETURN_IF_ERROR(context_.ExplainStaleKey(CheckCertRow(context_, *row)));
  return row;
}

Result<std::vector<CertRow>> Certificates::FindCertsByKeyId(const Bytes& key_id) {
  return Checked(context_.state.certs().FindCertsByKeyId(key_id));
}

Result<std::vector<CertRow>> Certificates::FindCertsByLabel(const std::string& label, int64_t after,
                                                            size_t limit) {
  return Checked(context_.state.certs().FindCertsByLabel(label, after, limit));
}

Result<std::vector<CertRow>> Certificates::ListCerts(int64_t after, size_t limit) {
  return Checked(context_.state.certs().ListCerts(after, limit));
}

}  // namespace samp11
