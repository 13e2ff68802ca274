// What an InnerToken is made of, shared by the files its member functions live in
// (inner_token.cc, inner_keygen.cc, inner_sign.cc). Not for use outside hsm/.
#pragma once

#include <atomic>
#include <utility>

#include "hsm/inner_token.h"
#include "hsm/key_handles.h"
#include "hsm/session_pool.h"

namespace samp11 {

class InnerToken::Impl {
 public:
  explicit Impl(InnerTokenConfig config) : pool(std::move(config)) {}

  // Declared first, so destroyed last: its module reference goes after every other member.
  inner::SessionPool pool;
  inner::KeyHandles handles;
  // The token refused to change a data object's CKA_VALUE (inner_data.cc): replace them instead.
  std::atomic<bool> data_value_read_only{false};
};

}  // namespace samp11
