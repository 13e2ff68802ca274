// What an InnerToken is made of, shared by the files its member functions live in
// (inner_token.cc, inner_keygen.cc, inner_sign.cc). Not for use outside hsm/.
#pragma once

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
};

}  // namespace samp11
