#include "bench/documents.h"

#include "bench/must.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "crypto/signature.h"

namespace samp11::bench {

Bytes Random(size_t n) { return Must(RandomBytes(n), "random"); }

Doc MakeDoc(KeyType t) {
  Doc d;
  d.message = Random(32);
  d.hash = Digest(HashAlg::kSha256, d.message);
  switch (FamilyOf(t)) {
    case KeyFamily::kRsa:
      d.data = MakeDigestInfo(HashAlg::kSha256, d.hash);
      break;
    case KeyFamily::kEc:
      d.data = d.hash;
      break;
    case KeyFamily::kEdwards:
      d.data = d.message;
      break;
  }
  return d;
}

void Docs::Make(KeyType t, int threads, int per_thread) {
  docs.assign(threads, {});
  for (auto& v : docs) {
    v.reserve(per_thread);
    for (int i = 0; i < per_thread; ++i) v.push_back(MakeDoc(t));
  }
}

void VerifyOrThrow(EVP_PKEY* pub, KeyType t, const Doc& d, const Bytes& sig,
                   const std::string& row) {
  Status s;
  switch (FamilyOf(t)) {
    case KeyFamily::kRsa:
      s = RsaPkcs1VerifyDigestInfo(pub, d.data, sig);
      break;
    case KeyFamily::kEc:
      s = EcdsaVerifyHash(pub, d.hash, sig);
      break;
    case KeyFamily::kEdwards:
      s = Ed25519Verify(pub, d.message, sig);
      break;
  }
  if (!s.ok()) throw BenchError(row + ": a signature does not verify: " + s.message());
}

}  // namespace samp11::bench
