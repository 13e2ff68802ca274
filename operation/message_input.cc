#include "operation/message_input.h"

namespace samp11 {

const Bytes& HashingInput::Digest() {
  if (!digest_) digest_ = digester_.Final();
  return *digest_;
}

Status BufferedInput::Update(const uint8_t* data, size_t size) {
  if (overflowed_ || size > max_size_ - data_.size()) {
    overflowed_ = true;
    data_.clear();
    return Status(Code::kDataLenRange,
                  "data longer than " + std::to_string(max_size_) + " bytes for this mechanism");
  }
  data_.insert(data_.end(), data, data + size);
  return Status::Ok();
}

}  // namespace samp11
