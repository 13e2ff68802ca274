// Certificates and certificate requests for keys held in the module.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl.h"
#include "crypto/signing_key.h"

namespace samp11 {

// A PKCS#10 request signed by key, subject given as "/CN=Alice/O=Example" or "CN=Alice,O=Example".
// Used once at key generation (proof of possession for the CA), before the key is bound.
Result<std::string> MakeCsrPem(EVP_PKEY* key, std::string_view subject);
// The same for a key that may live elsewhere (an inner PKCS#11 token, or behind the SAM's gate):
// signed through signer, naming public_key; checked to verify under public_key before it is
// returned.
Result<std::string> MakeCsrPem(const SigningKey& signer, EVP_PKEY* public_key,
                               std::string_view subject);
// kArgumentsBad, saying why, unless subject is a subject MakeCsrPem takes.
Status CheckSubject(std::string_view subject);
// What that request's signature is over (its CertificationRequestInfo, DER): the same for the
// same key and subject, so a signer can approve its SHA-256 before the request is made.
Result<Bytes> CsrToBeSigned(EVP_PKEY* public_key, std::string_view subject);

// A certificate (DER, as stored) in PEM, as CAs, browsers and `openssl x509` read it.
Result<std::string> CertificatePem(const Bytes& der);

struct CertificateInfo {
  Bytes der;
  Bytes subject_der;         // CKA_SUBJECT
  Bytes issuer_der;          // CKA_ISSUER
  Bytes serial_der;          // CKA_SERIAL_NUMBER (DER INTEGER)
  Bytes public_spki;         // to match the certificate with its key
  std::string subject_text;  // RFC 2253, for listings
  int64_t not_before = 0;    // seconds since the epoch
  int64_t not_after = 0;
};
// PEM or DER.
Result<CertificateInfo> ParseCertificate(const Bytes& pem_or_der);

}  // namespace samp11
