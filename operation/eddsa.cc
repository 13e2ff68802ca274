#include "operation/eddsa.h"

#include "operation/message_input.h"

namespace samp11 {
namespace {

class Eddsa : public SignMechanism {
 public:
  explicit Eddsa(KeyType key) : SignMechanism(key), input_(kMaxBufferedMessage) {}
  Status Update(const uint8_t* data, size_t size) override { return input_.Update(data, size); }
  Status Finish() override { return Status::Ok(); }
  std::optional<HashAlg> FixedHashAlg() const override { return std::nullopt; }
  Result<Bytes> BoundHash(HashAlg alg) const override { return Digest(alg, input_.data()); }
  Result<Bytes> Sign(const SigningKey& key) const override {
    return key.Ed25519Sign(input_.data());
  }
  Status Verify(EVP_PKEY* key, const Bytes& signature) const override {
    return Ed25519Verify(key, input_.data(), signature);
  }

 private:
  BufferedInput input_;
};

}  // namespace

Result<std::unique_ptr<SignMechanism>> MakeEddsa(const MechanismSpec&, KeyType key) {
  if (FamilyOf(key) != KeyFamily::kEdwards) {
    return Status(Code::kKeyTypeInconsistent,
                  std::string("EdDSA needs an Ed25519 key, not ") + KeyTypeName(key));
  }
  return std::unique_ptr<SignMechanism>(new Eddsa(key));
}

}  // namespace samp11
