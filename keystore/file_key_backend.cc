// The "file" backend: the private key is generated in this process and kept, AES-GCM wrapped, in
// the keystore row itself.
#include "crypto/keys.h"
#include "keystore/key_backend.h"

namespace samp11 {
namespace {

class FileKeyBackend : public KeyBackend {
 public:
  const char* name() const override { return key_backend::kFile; }

  Result<BackendKey> Generate(KeyType type, const Bytes& /*id*/,
                              const std::string& /*label*/) override {
    SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey(type));
    BackendKey out;
    SAMP11_ASSIGN_OR_RETURN(out.public_spki, PublicKeyToSpki(key.get()));
    SAMP11_ASSIGN_OR_RETURN(out.material, PrivateKeyToPkcs8(key.get()));
    out.private_key = Share(std::move(key));
    out.signer = std::make_shared<OpensslSigningKey>(out.private_key);
    return out;
  }

  Result<BackendKey> Load(KeyType type, const Bytes& public_spki,
                          const SecureBytes& material) override {
    Result<EvpPkeyPtr> key = PrivateKeyFromPkcs8(material.data(), material.size());
    if (!key.ok()) return Status(Code::kTampered, "unreadable private key");
    // Belt and braces: the public key the row shows (and that certificates are matched against)
    // must be the one the private key really has.
    Result<Bytes> spki = PublicKeyToSpki(key->get());
    if (!spki.ok() || *spki != public_spki) {
      return Status(Code::kTampered, "private key does not match the public key");
    }
    Result<KeyType> actual = KeyTypeOf(key->get());
    if (!actual.ok() || *actual != type) return Status(Code::kTampered, "key type mismatch");
    BackendKey out;
    out.public_spki = public_spki;
    out.private_key = Share(std::move(*key));
    out.signer = std::make_shared<OpensslSigningKey>(out.private_key);
    return out;
  }

  Status Discard(const BackendKey& /*key*/) override { return Status::Ok(); }

  Result<BackendKey> Adopt(const Bytes& /*inner_id*/, AdoptedKeyFacts* /*facts*/) override {
    return Status(Code::kUnsupported,
                  "the file keystore only holds keys it generated; import is for the pkcs11 "
                  "backend");
  }
};

}  // namespace

std::unique_ptr<KeyBackend> MakeFileKeyBackend() { return std::make_unique<FileKeyBackend>(); }

}  // namespace samp11
