// Key generation, key type detection, and the DER/PEM encodings (PKCS#8, SPKI).
#include "crypto/keys.h"
#include "crypto/ossl.h"

#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>

namespace samp11 {

namespace {

using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO,
                                 OsslDeleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;

// PEM readers prompt on the terminal for a passphrase when given no callback; a module loaded
// into a server must never do that, so encrypted PEM simply fails.
int NoPassphrase(char*, int, int, void*) { return -1; }

Result<BioPtr> ReadBio(std::string_view text) {
  if (text.size() > size_t(INT_MAX)) return Status(Code::kArgumentsBad, "input too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  return bio;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

Result<KeyType> RsaKeyType(EVP_PKEY* key) {
  std::optional<KeyType> type = RsaKeyTypeFromBits(static_cast<size_t>(EVP_PKEY_get_bits(key)));
  if (!type) {
    return Status(Code::kUnsupported, "RSA modulus of " + std::to_string(EVP_PKEY_get_bits(key)) +
                                          " bits is not supported");
  }
  return *type;
}

Result<KeyType> EcKeyType(EVP_PKEY* key) {
  char name[80];
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1) {
    // Explicit curve parameters have no name; samp11 only speaks named curves.
    return OpenSslError("EC key without a named curve", Code::kUnsupported);
  }
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  if (nid == NID_X9_62_prime256v1) return KeyType::kEcP256;
  if (nid == NID_secp384r1) return KeyType::kEcP384;
  return Status(Code::kUnsupported, std::string("EC curve ") + name + " is not supported");
}

}  // namespace

Result<EvpPkeyPtr> GenerateKey(KeyType type) {
  EVP_PKEY* raw = nullptr;
  switch (FamilyOf(type)) {
    case KeyFamily::kRsa:
      raw = EVP_PKEY_Q_keygen(LibCtx(), nullptr, "RSA", KeyBits(type));
      break;
    case KeyFamily::kEc:
      raw =
          EVP_PKEY_Q_keygen(LibCtx(), nullptr, "EC", type == KeyType::kEcP256 ? "P-256" : "P-384");
      break;
    case KeyFamily::kEdwards:
      raw = EVP_PKEY_Q_keygen(LibCtx(), nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return OpenSslError(std::string("generate ") + KeyTypeName(type));
  return EvpPkeyPtr(raw);
}

Result<KeyType> KeyTypeOf(EVP_PKEY* key) {
  if (key == nullptr) return Status(Code::kArgumentsBad, "no key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return RsaKeyType(key);
    case EVP_PKEY_EC:
      return EcKeyType(key);
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    default:
      return Status(Code::kUnsupported, "key algorithm is not supported");
  }
}

Result<SecureBytes> PrivateKeyToPkcs8(EVP_PKEY* key) {
  Pkcs8Ptr p8(EVP_PKEY2PKCS8(key));
  if (!p8) return OpenSslError("EVP_PKEY2PKCS8");
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (len <= 0) return OpenSslError("i2d_PKCS8_PRIV_KEY_INFO");
  // Encode straight into wiped-on-destruction memory: no intermediate copy of the key.
  SecureBytes out(static_cast<size_t>(len));
  uint8_t* p = out.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p) != len) return OpenSslError("i2d_PKCS8_PRIV_KEY_INFO");
  return out;
}

Result<EvpPkeyPtr> PrivateKeyFromPkcs8(const uint8_t* der, size_t size) {
  if (size == 0 || size > size_t(LONG_MAX)) {
    return Status(Code::kArgumentsBad, "PKCS#8 size out of range");
  }
  const uint8_t* p = der;
  Pkcs8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(size)));
  if (!p8) return OpenSslError("PKCS#8 does not parse", Code::kArgumentsBad);
  if (p != der + size) return Status(Code::kArgumentsBad, "PKCS#8 has trailing bytes");
  EvpPkeyPtr key(EVP_PKCS82PKEY_ex(p8.get(), LibCtx(), nullptr));
  if (!key) return OpenSslError("PKCS#8 key does not decode", Code::kArgumentsBad);
  return key;
}

Result<EvpPkeyPtr> PrivateKeyFromPem(std::string_view pem) {
  SAMP11_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  EvpPkeyPtr key(
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, NoPassphrase, nullptr, LibCtx(), nullptr));
  if (!key) return OpenSslError("PEM private key does not parse", Code::kArgumentsBad);
  return key;
}

Result<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  // Secure-heap memory BIO, so the buffer holding the PEM is wiped when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return OpenSslError("BIO_new");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PKCS8PrivateKey");
  }
  return BioText(bio.get());
}

Result<Bytes> PublicKeyToSpki(EVP_PKEY* key) {
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return OpenSslError("i2d_PUBKEY");
  Bytes out(static_cast<size_t>(len));
  uint8_t* p = out.data();
  if (i2d_PUBKEY(key, &p) != len) return OpenSslError("i2d_PUBKEY");
  return out;
}

Result<EvpPkeyPtr> PublicKeyFromSpki(const Bytes& der) {
  if (der.empty() || der.size() > size_t(LONG_MAX)) {
    return Status(Code::kArgumentsBad, "SPKI size out of range");
  }
  const uint8_t* p = der.data();
  EvpPkeyPtr key(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(der.size()), LibCtx(), nullptr));
  if (!key) return OpenSslError("SPKI does not parse", Code::kArgumentsBad);
  if (p != der.data() + der.size()) return Status(Code::kArgumentsBad, "SPKI has trailing bytes");
  return key;
}

Result<std::string> PublicKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("BIO_new");
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) return OpenSslError("PEM_write_bio_PUBKEY");
  return BioText(bio.get());
}

}  // namespace samp11
