// A key on a PKCS#11 module as the rows use it: a session per thread with the private key found
// in it, and the calls of one signature (C_SignInit, C_Login, C_Sign).
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>
#include <vector>

#include "bench/documents.h"
#include "bench/p11.h"
#include "common/bytes.h"
#include "crypto/key_type.h"

namespace samp11::bench {

struct P11Target {
  Module* module;
  CK_SLOT_ID slot;
  Bytes key_id;
  KeyType type;
  std::vector<CK_SESSION_HANDLE> sessions;
  std::vector<CK_OBJECT_HANDLE> keys;

  // Opens sessions (and finds the key in each) until there is one per thread.
  void Sessions(int threads);
  CK_FUNCTION_LIST_PTR f() const { return module->f(); }
  void SignInit(int t);                  // with the key type's mechanism (MechanismOf)
  Bytes SignFinal(int t, const Doc& d);  // C_Sign of d.data
  void Login(int t, CK_USER_TYPE user, const std::string& value, const char* what);
};

// A target with no session open yet.
P11Target TargetOf(Module& module, CK_SLOT_ID slot, const Bytes& key_id, KeyType type);

}  // namespace samp11::bench
