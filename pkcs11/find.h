// C_FindObjects* state: a lazy cursor over the keystore. A CKA_ID in the template is looked up
// by index, a CKA_LABEL likewise; anything else pages through the rows in handle order, a page at
// a time, so a token with a million keys is never loaded whole. CKA_CLASS skips whole kinds.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "pkcs11/attributes.h"
#include "pkcs11/rv_map.h"

namespace samp11::p11 {

class FindCursor {
 public:
  // Copies the template (the application's buffers need not outlive C_FindObjectsInit).
  static RvOr<std::unique_ptr<FindCursor>> Create(const CK_ATTRIBUTE* templ, CK_ULONG count);

  // Up to max more matching handles visible to login (the token's user SAD, or null); fewer
  // only when the search is exhausted.
  RvOr<std::vector<CK_OBJECT_HANDLE>> Next(Token& token, const UserLogin& login, size_t max);

 private:
  struct Wanted {
    CK_ATTRIBUTE_TYPE type;
    Bytes value;
  };
  enum class Source { kById, kByLabel, kAll };
  enum class Phase { kKeys, kCerts, kDone };

  FindCursor() = default;
  Rv Matches(Object& object, bool* matches);
  Rv FetchPage(Token& token);
  void NextPhase();

  std::vector<Wanted> wanted_;
  bool want_private_ = true;
  bool want_public_ = true;
  bool want_certificates_ = true;
  Source source_ = Source::kAll;
  Bytes id_;
  std::string label_;

  Phase phase_ = Phase::kKeys;
  int64_t after_ = 0;  // last row handle fetched in this phase
  std::deque<Object> pending_;
};

}  // namespace samp11::p11
