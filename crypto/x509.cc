#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/pem.h>

#include <climits>
#include <ctime>
#include <vector>

#include "crypto/digest.h"
#include "crypto/ossl.h"
#include "crypto/signature.h"

namespace samp11 {

namespace {

using X509NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME, X509_NAME_free>>;

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return std::string_view();
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

// "/CN=Alice/O=Example" (OpenSSL command-line form) or "CN=Alice,O=Example" (RFC 4514 order is
// ignored: entries are added as written, most significant first).
Result<X509NamePtr> ParseSubject(std::string_view subject) {
  subject = Trim(subject);
  char separator = ',';
  if (!subject.empty() && subject.front() == '/') {
    separator = '/';
    subject.remove_prefix(1);
  }
  X509NamePtr name(X509_NAME_new());
  if (!name) return OpenSslError("X509_NAME_new");
  std::vector<std::string_view> parts;
  while (true) {
    size_t end = subject.find(separator);
    parts.push_back(Trim(subject.substr(0, end)));
    if (end == std::string_view::npos) break;
    subject.remove_prefix(end + 1);
  }
  for (std::string_view part : parts) {
    size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == part.size()) {
      return Status(Code::kArgumentsBad, "subject: each entry must be TYPE=value");
    }
    std::string type(Trim(part.substr(0, eq)));
    std::string_view value = Trim(part.substr(eq + 1));
    if (value.empty() || value.size() > 256) {
      return Status(Code::kArgumentsBad, "subject: value of " + type + " empty or too long");
    }
    if (X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return OpenSslError("subject: attribute type '" + type.substr(0, 32) + "' not accepted",
                          Code::kArgumentsBad);
    }
  }
  return name;
}

template <typename T, int (*I2d)(const T*, unsigned char**)>
Result<Bytes> ToDer(const T* object, const char* what) {
  int len = I2d(object, nullptr);
  if (len <= 0) return OpenSslError(what);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (I2d(object, &p) != len) return OpenSslError(what);
  return out;
}

Result<int64_t> ToEpoch(const ASN1_TIME* time) {
  std::tm tm = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return OpenSslError("certificate time", Code::kArgumentsBad);
  }
  return static_cast<int64_t>(timegm(&tm));
}

Result<X509Ptr> ReadCertificate(const Bytes& pem_or_der) {
  std::string_view text(reinterpret_cast<const char*>(pem_or_der.data()), pem_or_der.size());
  if (pem_or_der.empty() || pem_or_der.size() > size_t(INT_MAX)) {
    return Status(Code::kArgumentsBad, "certificate size out of range");
  }
  if (Trim(text).substr(0, 11) == "-----BEGIN ") {
    BioPtr bio(BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size())));
    if (!bio) return OpenSslError("BIO_new_mem_buf");
    // Into an object of samp11's library context; a failed read frees it and sets it NULL, or
    // leaves it to us.
    X509* into = X509_new_ex(LibCtx(), nullptr);
    if (into == nullptr) return OpenSslError("X509_new_ex");
    X509Ptr cert(PEM_read_bio_X509(bio.get(), &into, nullptr, nullptr));
    if (!cert) {
      X509_free(into);
      return OpenSslError("PEM certificate does not parse", Code::kArgumentsBad);
    }
    return cert;
  }
  const unsigned char* p = pem_or_der.data();
  X509* into = X509_new_ex(LibCtx(), nullptr);
  if (into == nullptr) return OpenSslError("X509_new_ex");
  X509Ptr cert(d2i_X509(&into, &p, static_cast<long>(pem_or_der.size())));
  if (!cert) {
    X509_free(into);
    return OpenSslError("DER certificate does not parse", Code::kArgumentsBad);
  }
  if (p != pem_or_der.data() + pem_or_der.size()) {
    return Status(Code::kArgumentsBad, "DER certificate has trailing bytes");
  }
  return cert;
}

}  // namespace

namespace {

// The request before its signature: subject, public key, and the signature algorithm samp11 uses
// for the key's type (RFC 5758, RFC 4055, RFC 8410), with the DER it will sign. The same inputs
// give the same DER, so a SAD can be issued for its hash beforehand (CsrToBeSigned).
struct UnsignedCsr {
  X509ReqPtr req;
  Bytes tbs;
  int base = EVP_PKEY_NONE;
};

Result<UnsignedCsr> BuildUnsignedCsr(EVP_PKEY* public_key, std::string_view subject) {
  SAMP11_ASSIGN_OR_RETURN(X509NamePtr name, ParseSubject(subject));
  UnsignedCsr csr;
  csr.req.reset(X509_REQ_new_ex(LibCtx(), nullptr));
  X509_REQ* req = csr.req.get();
  if (req == nullptr) return OpenSslError("X509_REQ_new");
  if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req, name.get()) != 1 ||
      X509_REQ_set_pubkey(req, public_key) != 1) {
    return OpenSslError("CSR fields");
  }
  // The request is signed through the SigningKey primitives, not X509_REQ_sign, so that a key in
  // an inner PKCS#11 token (or behind the SAM's gate) signs its own request. Ed25519 signs the
  // encoding itself; every other key signs its SHA-256 hash.
  csr.base = EVP_PKEY_get_base_id(public_key);
  int nid = NID_undef;
  int param_type = V_ASN1_UNDEF;  // RFC 5758 and RFC 8410: no parameters for ECDSA and Ed25519
  if (csr.base == EVP_PKEY_RSA) {
    nid = NID_sha256WithRSAEncryption;
    param_type = V_ASN1_NULL;  // RFC 4055: NULL parameters for PKCS#1 v1.5
  } else if (csr.base == EVP_PKEY_EC) {
    nid = NID_ecdsa_with_SHA256;
  } else if (csr.base == EVP_PKEY_ED25519) {
    nid = NID_ED25519;
  } else {
    return Status(Code::kKeyTypeInconsistent, "no CSR signature algorithm for this key type");
  }
  X509_ALGOR* algorithm = X509_ALGOR_new();
  if (algorithm == nullptr) return OpenSslError("X509_ALGOR_new");
  X509_ALGOR_set0(algorithm, OBJ_nid2obj(nid), param_type, nullptr);
  const int set_algorithm = X509_REQ_set1_signature_algo(req, algorithm);
  X509_ALGOR_free(algorithm);
  if (set_algorithm != 1) return OpenSslError("CSR signature algorithm");

  unsigned char* tbs_data = nullptr;
  int tbs_len = i2d_re_X509_REQ_tbs(req, &tbs_data);
  if (tbs_len <= 0) return OpenSslError("CSR to be signed");
  csr.tbs.assign(tbs_data, tbs_data + tbs_len);
  OPENSSL_free(tbs_data);
  return csr;
}

}  // namespace

Status CheckSubject(std::string_view subject) { return ParseSubject(subject).status(); }

Result<Bytes> CsrToBeSigned(EVP_PKEY* public_key, std::string_view subject) {
  SAMP11_ASSIGN_OR_RETURN(UnsignedCsr csr, BuildUnsignedCsr(public_key, subject));
  return std::move(csr.tbs);
}

Result<std::string> MakeCsrPem(const SigningKey& signer, EVP_PKEY* public_key,
                               std::string_view subject) {
  SAMP11_ASSIGN_OR_RETURN(UnsignedCsr csr, BuildUnsignedCsr(public_key, subject));
  X509ReqPtr req = std::move(csr.req);
  const Bytes& tbs = csr.tbs;
  const int base = csr.base;

  Bytes signature;
  if (base == EVP_PKEY_ED25519) {
    SAMP11_ASSIGN_OR_RETURN(signature, signer.Ed25519Sign(tbs));
  } else if (base == EVP_PKEY_RSA) {
    SAMP11_ASSIGN_OR_RETURN(signature, signer.RsaPkcs1SignDigestInfo(MakeDigestInfo(
                                           HashAlg::kSha256, Digest(HashAlg::kSha256, tbs))));
  } else {
    SAMP11_ASSIGN_OR_RETURN(Bytes raw, signer.EcdsaSignHash(Digest(HashAlg::kSha256, tbs)));
    SAMP11_ASSIGN_OR_RETURN(signature, EcdsaRawToDer(raw));
  }
  ASN1_BIT_STRING* bits = ASN1_BIT_STRING_new();
  if (bits == nullptr ||
      ASN1_BIT_STRING_set(bits, signature.data(), static_cast<int>(signature.size())) != 1) {
    ASN1_BIT_STRING_free(bits);
    return OpenSslError("CSR signature");
  }
  // A signature is whole bytes: no unused bits (what X509_REQ_sign sets too).
  bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
  X509_REQ_set0_signature(req.get(), bits);
  // The request must verify under the key it names: a signer that is not that key is told here,
  // not by the CA.
  if (X509_REQ_verify_ex(req.get(), public_key, LibCtx(), nullptr) != 1) {
    return OpenSslError("the request does not verify under its own public key",
                        Code::kKeyTypeInconsistent);
  }

  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("BIO_new");
  if (PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return OpenSslError("CSR PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0) return OpenSslError("CSR PEM");
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> MakeCsrPem(EVP_PKEY* key, std::string_view subject) {
  if (EVP_PKEY_up_ref(key) != 1) return OpenSslError("EVP_PKEY_up_ref");
  OpensslSigningKey signer(Share(EvpPkeyPtr(key)));
  return MakeCsrPem(signer, key, subject);
}

Result<std::string> CertificatePem(const Bytes& der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) {
    return Status(Code::kArgumentsBad, "not a DER certificate");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("BIO_new");
  if (PEM_write_bio_X509(bio.get(), cert.get()) != 1) return OpenSslError("certificate PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0) return OpenSslError("certificate PEM");
  return std::string(data, static_cast<size_t>(len));
}

Result<CertificateInfo> ParseCertificate(const Bytes& pem_or_der) {
  SAMP11_ASSIGN_OR_RETURN(X509Ptr cert, ReadCertificate(pem_or_der));
  CertificateInfo info;
  SAMP11_ASSIGN_OR_RETURN(info.der, (ToDer<X509, i2d_X509>(cert.get(), "certificate DER")));
  SAMP11_ASSIGN_OR_RETURN(info.subject_der, (ToDer<X509_NAME, i2d_X509_NAME>(
                                                X509_get_subject_name(cert.get()), "subject DER")));
  SAMP11_ASSIGN_OR_RETURN(info.issuer_der, (ToDer<X509_NAME, i2d_X509_NAME>(
                                               X509_get_issuer_name(cert.get()), "issuer DER")));
  SAMP11_ASSIGN_OR_RETURN(info.serial_der, (ToDer<ASN1_INTEGER, i2d_ASN1_INTEGER>(
                                               X509_get0_serialNumber(cert.get()), "serial DER")));
  SAMP11_ASSIGN_OR_RETURN(info.public_spki, (ToDer<X509_PUBKEY, i2d_X509_PUBKEY>(
                                                X509_get_X509_PUBKEY(cert.get()), "SPKI DER")));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("BIO_new");
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253) < 0) {
    return OpenSslError("subject text");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len > 0) info.subject_text.assign(data, static_cast<size_t>(len));
  SAMP11_ASSIGN_OR_RETURN(info.not_before, ToEpoch(X509_get0_notBefore(cert.get())));
  SAMP11_ASSIGN_OR_RETURN(info.not_after, ToEpoch(X509_get0_notAfter(cert.get())));
  return info;
}

}  // namespace samp11
