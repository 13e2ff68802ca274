#include "bench/openssl_rows.h"

#include <openssl/rsa.h>

#include "bench/key_specs.h"
#include "bench/must.h"
#include "crypto/keys.h"
#include "crypto/signature.h"

namespace samp11::bench {
namespace {

// OpenSSL's own signature, as the mechanism makes it: ECDSA and PKCS#1 v1.5 over the prepared
// hash (EVP_PKEY_sign), Ed25519 over the message (EVP_DigestSign).
Bytes OpensslSign(EVP_PKEY* key, KeyType t, const Doc& d) {
  Bytes sig(1024);
  size_t len = sig.size();
  if (FamilyOf(t) == KeyFamily::kEdwards) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, d.message.data(), d.message.size()) != 1) {
      throw BenchError("EVP_DigestSign failed");
    }
  } else {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    bool ok = ctx && EVP_PKEY_sign_init(ctx.get()) == 1;
    if (ok && FamilyOf(t) == KeyFamily::kRsa) {
      ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1;
    }
    if (!ok || EVP_PKEY_sign(ctx.get(), sig.data(), &len, d.hash.data(), d.hash.size()) != 1) {
      throw BenchError("EVP_PKEY_sign failed");
    }
  }
  sig.resize(len);
  if (FamilyOf(t) == KeyFamily::kEc) {  // r||s, as PKCS#11 gives it, for one verifier
    sig = Must(EcdsaDerToRaw(sig, t == KeyType::kEcP256 ? 32 : 48), "ECDSA DER");
  }
  return sig;
}

struct OpensslWorkload : Workload {
  KeyType type;
  EVP_PKEY* key;
  Docs d;
  OpensslWorkload(KeyType t, EVP_PKEY* k) : type(t), key(k) {}
  void Prepare(int threads, int n) override { d.Make(type, threads, n); }
  Bytes Sign(int t, int i) override { return OpensslSign(key, type, d.docs[t][i]); }
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

}  // namespace

void AddOpensslRawRows(const RunSettings& settings, std::vector<RowResult>& rows) {
  for (const KeySpec& k : kKeys) {
    EvpPkeyPtr key = Must(GenerateKey(k.type), "GenerateKey");
    Bytes der = Must(PublicKeyToSpki(key.get()), "spki");
    EvpPkeyPtr pub = Must(PublicKeyFromSpki(der), "spki");
    for (int threads : {1, 2}) {
      OpensslWorkload w(k.type, key.get());
      rows.push_back(RunRow("openssl", "raw", k.type, threads, w, pub.get(), settings));
    }
  }
}

}  // namespace samp11::bench
