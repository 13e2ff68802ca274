#include "bench/p11_target.h"

#include "bench/key_specs.h"

namespace samp11::bench {

void P11Target::Sessions(int threads) {
  while (static_cast<int>(sessions.size()) < threads) {
    CK_SESSION_HANDLE s = module->Open(slot);
    sessions.push_back(s);
    keys.push_back(module->FindKey(s, CKO_PRIVATE_KEY, key_id));
  }
}

void P11Target::SignInit(int t) {
  CK_MECHANISM mech = {MechanismOf(type), nullptr, 0};
  Check(f()->C_SignInit(sessions[t], &mech, keys[t]), "C_SignInit");
}

Bytes P11Target::SignFinal(int t, const Doc& d) {
  Bytes sig(1024);
  CK_ULONG len = sig.size();
  Bytes data = d.data;
  Check(f()->C_Sign(sessions[t], data.data(), data.size(), sig.data(), &len), "C_Sign");
  sig.resize(len);
  return sig;
}

void P11Target::Login(int t, CK_USER_TYPE user, const std::string& value, const char* what) {
  std::string v = value;
  Check(f()->C_Login(sessions[t], user, reinterpret_cast<CK_UTF8CHAR_PTR>(v.data()), v.size()),
        what);
}

P11Target TargetOf(Module& module, CK_SLOT_ID slot, const Bytes& key_id, KeyType type) {
  return P11Target{&module, slot, key_id, type, {}, {}};
}

}  // namespace samp11::bench
