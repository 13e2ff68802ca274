#include <openssl/pem.h>
#include <openssl/x509.h>

#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::NewToken;
using testing::TempDir;
using testing::TestToken;

// A self-signed certificate for key, built with OpenSSL directly so the test does not depend on
// the code under test to make its input.
Bytes SelfSignedDer(EVP_PKEY* key, const char* common_name) {
  X509Ptr cert(X509_new());
  REQUIRE(cert);
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365) != nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                     0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  // Ed25519 signs without a separate digest.
  const EVP_MD* md = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  REQUIRE(X509_sign(cert.get(), key, md) > 0);
  int size = i2d_X509(cert.get(), nullptr);
  REQUIRE(size > 0);
  Bytes der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == size);
  return der;
}

Bytes ToPem(const Bytes& der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(cert);
  BioPtr bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509(bio.get(), cert.get()) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return Bytes(data, data + len);
}

TEST_CASE("certificates: imported for their key, refused for another") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.signers().AddSigner("alice").ok());
  auto key = ks.keys().GenerateKey("alice", KeyType::kEcP256, "alice signing", 2);
  auto other = ks.keys().GenerateKey("alice", KeyType::kEd25519, "other", 2);
  REQUIRE(key.ok());
  REQUIRE(other.ok());

  Bytes der = SelfSignedDer(key->private_key.get(), "Alice");
  auto row = ks.certs().ImportCertificate(key->info.id, der, "");
  REQUIRE_MESSAGE(row.ok(), row.status().ToString());
  CHECK(row->handle > 0);
  CHECK(row->key_id == key->info.id);
  CHECK(row->label == "alice signing");  // defaults to the key's label
  CHECK(row->der == der);
  CHECK(row->subject_text.find("Alice") != std::string::npos);
  CHECK(row->not_after > row->not_before);
  CHECK_FALSE(row->serial_der.empty());

  auto pem_row = ks.certs().ImportCertificate(key->info.id, ToPem(der), "as pem");
  REQUIRE(pem_row.ok());
  CHECK(pem_row->label == "as pem");
  CHECK(pem_row->der == der);

  auto stored = ks.certs().FindCertsByKeyId(key->info.id);
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 2);
  CHECK((*stored)[0].handle == row->handle);
  CHECK((*stored)[1].label == "as pem");

  Bytes ed_der = SelfSignedDer(other->private_key.get(), "Other");
  CHECK(ks.certs().ImportCertificate(other->info.id, ed_der, "ed").ok());

  auto wrong = ks.certs().ImportCertificate(other->info.id, der, "");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kArgumentsBad);
  CHECK(wrong.status().message() == "certificate is not for key " + HexEncode(other->info.id));

  auto stranger = GenerateKey(KeyType::kEcP256);
  REQUIRE(stranger.ok());
  CHECK(ks.certs()
            .ImportCertificate(key->info.id, SelfSignedDer(stranger->get(), "Eve"), "")
            .status()
            .code() == Code::kArgumentsBad);
  CHECK(ks.certs().ImportCertificate(ToBytes("no such key"), der, "").status().code() ==
        Code::kNotFound);
  CHECK_FALSE(ks.certs().ImportCertificate(key->info.id, ToBytes("not a certificate"), "").ok());
}

TEST_CASE("certificates: a tampered key row takes no certificate" * testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  REQUIRE(token.keystore->signers().AddSigner("alice").ok());
  auto key = token.keystore->keys().GenerateKey("alice", KeyType::kEcP256, "k", 2);
  REQUIRE(key.ok());
  KeyInfo info = key->info;
  Bytes der = SelfSignedDer(key->private_key.get(), "Alice");
  token.keystore.reset();
  testing::RawDb(token.path)
      .Exec("UPDATE keys SET scal = 1 WHERE id = " + testing::HexLiteral(info.id));
  auto ks = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  CHECK((*ks)->certs().ImportCertificate(info.id, der, "").status().code() == Code::kTampered);
}

}  // namespace
}  // namespace samp11
