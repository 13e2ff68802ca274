// Keys for unit tests, generated once per process: RSA-4096 generation is slow enough that every
// test making its own would dominate the run.
#pragma once

#include <doctest/doctest.h>

#include <map>

#include "crypto/keys.h"

namespace samp11 {

inline EVP_PKEY* TestKey(KeyType type) {
  static std::map<KeyType, SharedPkey> cache;
  auto it = cache.find(type);
  if (it == cache.end()) {
    Result<EvpPkeyPtr> key = GenerateKey(type);
    REQUIRE(key.ok());
    it = cache.emplace(type, Share(std::move(key).value())).first;
  }
  return it->second.get();
}

}  // namespace samp11
