// How a mechanism takes its data: hashed as it arrives (the *WithHash mechanisms, so a multi-part
// document is never held in memory) or kept whole (raw mechanisms, whose data is the hash or a
// DigestInfo, and EdDSA, which signs the message itself).
#pragma once

#include <optional>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/digest.h"

namespace samp11 {

class HashingInput {
 public:
  explicit HashingInput(HashAlg alg) : digester_(alg) {}
  void Update(const uint8_t* data, size_t size) { digester_.Update(data, size); }
  // The digest of everything fed; computed once.
  const Bytes& Digest();
  HashAlg alg() const { return digester_.alg(); }

 private:
  Digester digester_;
  std::optional<Bytes> digest_;
};

class BufferedInput {
 public:
  explicit BufferedInput(size_t max_size) : max_size_(max_size) {}
  // kDataLenRange past max_size (the data is then dropped: the operation cannot succeed).
  Status Update(const uint8_t* data, size_t size);
  const Bytes& data() const { return data_; }

 private:
  size_t max_size_;
  Bytes data_;
  bool overflowed_ = false;
};

}  // namespace samp11
