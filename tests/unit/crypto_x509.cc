#include <doctest/doctest.h>

#include <openssl/pem.h>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "test_keys.h"

namespace samp11 {
namespace {

X509ReqPtr ReadCsr(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509ReqPtr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

constexpr int64_t kNotBefore = 1700000000;  // 2023-11-14T22:13:20Z
constexpr int64_t kNotAfter = 1800000000;   // 2027-01-15T08:00:00Z

X509Ptr SelfSigned(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  REQUIRE(X509_set_version(cert.get(), X509_VERSION_3) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x1234) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const unsigned char kOrg[] = "Example";
  const unsigned char kCn[] = "Alice";
  REQUIRE(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, kOrg, -1, -1, 0) == 1);
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, kCn, -1, -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(kNotBefore)));
  REQUIRE(ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(kNotAfter)));
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  REQUIRE(X509_sign(cert.get(), key, EVP_sha256()) > 0);
  return cert;
}

TEST_CASE("CSR for every key family, both subject spellings") {
  for (KeyType type : {KeyType::kRsa2048, KeyType::kEcP256, KeyType::kEcP384, KeyType::kEd25519}) {
    for (const char* subject : {"/CN=Alice/O=Example", "CN=Alice, O=Example"}) {
      CAPTURE(KeyTypeName(type));
      CAPTURE(subject);
      EVP_PKEY* key = TestKey(type);
      Result<std::string> pem = MakeCsrPem(key, subject);
      REQUIRE(pem.ok());
      CHECK(pem->rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) == 0);
      X509ReqPtr req = ReadCsr(*pem);
      REQUIRE(req);
      CHECK(X509_REQ_verify(req.get(), key) == 1);  // proof of possession
      CHECK(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key) == 1);
      // Entries in the order written: CN first, so RFC 2253 (last first) shows O first.
      CHECK(NameText(X509_REQ_get_subject_name(req.get())) == "O=Example,CN=Alice");
      if (type != KeyType::kEd25519) {
        CHECK(X509_REQ_get_signature_nid(req.get()) == (FamilyOf(type) == KeyFamily::kRsa
                                                            ? NID_sha256WithRSAEncryption
                                                            : NID_ecdsa_with_SHA256));
      }
    }
  }
}

TEST_CASE("CSR subject refusals") {
  EVP_PKEY* key = TestKey(KeyType::kEcP256);
  for (const char* bad :
       {"", "/", "CN", "=Alice", "CN=", "CN=Alice,", "/CN=Alice/", "XYZ=1", "CN=Alice,,O=x"}) {
    CAPTURE(bad);
    CHECK(MakeCsrPem(key, bad).status().code() == Code::kArgumentsBad);
  }
  CHECK(MakeCsrPem(key, "C=DE/O=x").status().code() == Code::kArgumentsBad);  // C is 2 letters
}

TEST_CASE("parse a certificate from DER and from PEM") {
  EVP_PKEY* key = TestKey(KeyType::kEcP256);
  X509Ptr cert = SelfSigned(key);
  int len = i2d_X509(cert.get(), nullptr);
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == len);
  BioPtr bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509(bio.get(), cert.get()) == 1);
  char* data = nullptr;
  long pem_len = BIO_get_mem_data(bio.get(), &data);
  Bytes pem(data, data + pem_len);

  for (const Bytes& input : {der, pem}) {
    Result<CertificateInfo> info = ParseCertificate(input);
    REQUIRE(info.ok());
    CHECK(info->der == der);
    CHECK(info->subject_text == "CN=Alice,O=Example");
    CHECK(info->subject_der == info->issuer_der);
    CHECK(HexEncode(info->serial_der) == "02021234");
    CHECK(info->public_spki == *PublicKeyToSpki(key));
    CHECK(info->not_before == kNotBefore);
    CHECK(info->not_after == kNotAfter);
    // subject_der is the DER Name: SEQUENCE of the two RDNs.
    REQUIRE_FALSE(info->subject_der.empty());
    CHECK(info->subject_der[0] == 0x30);
  }
}

TEST_CASE("a stored certificate back to PEM, the same certificate; anything else refused") {
  X509Ptr cert = SelfSigned(TestKey(KeyType::kEcP256));
  int len = i2d_X509(cert.get(), nullptr);
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == len);
  Result<std::string> pem = CertificatePem(der);
  REQUIRE(pem.ok());
  CHECK(pem->rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
  Result<CertificateInfo> back = ParseCertificate(Bytes(pem->begin(), pem->end()));
  REQUIRE(back.ok());
  CHECK(back->der == der);
  Bytes trailing = der;
  trailing.push_back(0);
  CHECK(CertificatePem(trailing).status().code() == Code::kArgumentsBad);
  CHECK(CertificatePem(Bytes(der.begin(), der.end() - 1)).status().code() == Code::kArgumentsBad);
  CHECK(CertificatePem(Bytes()).status().code() == Code::kArgumentsBad);
}

TEST_CASE("certificate refusals") {
  X509Ptr cert = SelfSigned(TestKey(KeyType::kEcP384));
  int len = i2d_X509(cert.get(), nullptr);
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == len);
  CHECK(ParseCertificate(der).ok());
  Bytes trailing = der;
  trailing.push_back(0);
  CHECK(ParseCertificate(trailing).status().code() == Code::kArgumentsBad);
  Bytes truncated(der.begin(), der.end() - 1);
  CHECK(ParseCertificate(truncated).status().code() == Code::kArgumentsBad);
  CHECK(ParseCertificate(Bytes()).status().code() == Code::kArgumentsBad);
  CHECK(ParseCertificate(ToBytes("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
            .status()
            .code() == Code::kArgumentsBad);
}

}  // namespace
}  // namespace samp11
