// What the rows sign: distinct random documents, the bytes each mechanism takes for them, and the
// OpenSSL check of a signature against the document.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <vector>

#include "common/bytes.h"
#include "crypto/key_type.h"

namespace samp11::bench {

Bytes Random(size_t n);  // throws BenchError if the random source fails

// One document: the message, the SHA-256 hash the SAD binds, the bytes given to C_Sign (the
// hash for ECDSA, its DigestInfo for RSA PKCS#1 v1.5, the message for EdDSA).
struct Doc {
  Bytes message;
  Bytes hash;
  Bytes data;
};
Doc MakeDoc(KeyType t);

// Documents per thread, made before the timed loop and reused by every workload.
struct Docs {
  std::vector<std::vector<Doc>> docs;
  void Make(KeyType t, int threads, int per_thread);
};

// Throws BenchError naming the row if sig is not a valid signature of d by pub.
void VerifyOrThrow(EVP_PKEY* pub, KeyType t, const Doc& d, const Bytes& sig,
                   const std::string& row);

}  // namespace samp11::bench
