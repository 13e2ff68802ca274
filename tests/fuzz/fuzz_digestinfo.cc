// ParseDigestInfo, and the raw mechanisms (data is a hash or a DigestInfo the caller built) that
// decide which hash the SAM compares with a SAD: the bytes come straight from C_Sign's caller.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "crypto/digest.h"
#include "operation/mechanism.h"

namespace {

using samp11::HashAlg;
using samp11::KeyType;
using samp11::MechanismKind;

constexpr HashAlg kHashes[] = {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512};
constexpr KeyType kKeyTypes[] = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096,
                                 KeyType::kEcP256,  KeyType::kEcP384,  KeyType::kEd25519};
constexpr MechanismKind kKinds[] = {MechanismKind::kEcdsa, MechanismKind::kRsaPkcs,
                                    MechanismKind::kRsaPss};

// Consumes fuzzer bytes from the front; zero once they run out.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void Skip(size_t n) {
    n = n < size_ ? n : size_;
    data_ += n;
    size_ -= n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)samp11::ParseDigestInfo(data, size);

  Input in(data, size);
  samp11::MechanismSpec spec;
  spec.kind = kKinds[in.Byte() % 3];
  spec.hash = kHashes[in.Byte() % 3];
  const uint8_t pss = in.Byte();
  if (pss & 1) {
    // Salt lengths past any key size too: Create must refuse them, not overflow.
    spec.pss = samp11::PssParams{kHashes[(pss >> 1) % 3], kHashes[(pss >> 3) % 3],
                                 static_cast<size_t>(in.Byte()) << (in.Byte() % 24)};
  }
  const KeyType key = kKeyTypes[in.Byte() % 6];
  samp11::Result<std::unique_ptr<samp11::SignMechanism>> mech =
      samp11::SignMechanism::Create(spec, key);
  if (!mech.ok()) return 0;
  // The rest of the input in up to four parts, as C_SignUpdate would feed it.
  const uint8_t parts = in.Byte() % 4 + 1;
  for (uint8_t i = 0; i < parts; ++i) {
    const size_t n = i + 1 == parts ? in.size() : in.Byte() % (in.size() + 1);
    (void)(*mech)->Update(in.data(), n);
    in.Skip(n);
  }
  if (!(*mech)->Finish().ok()) return 0;
  (void)(*mech)->Finish();  // idempotent by contract
  (void)(*mech)->FixedHashAlg();
  for (HashAlg alg : kHashes) (void)(*mech)->BoundHash(alg);
  return 0;
}
