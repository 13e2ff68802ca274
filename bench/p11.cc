#include "bench/p11.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>

#include "crypto/keys.h"

namespace samp11::bench {

std::string RvHex(CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(rv));
  return buf;
}

void Check(CK_RV rv, const std::string& what) {
  if (rv != CKR_OK) throw BenchError(what + " failed: CK_RV " + RvHex(rv));
}

Module::Module(const std::string& path) : path_(path) {
  lib_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib_ == nullptr) throw BenchError("dlopen " + path + ": " + dlerror());
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib_, "C_GetFunctionList"));
  if (get == nullptr) throw BenchError(path + " has no C_GetFunctionList");
  Check(get(&f_), "C_GetFunctionList of " + path);
  CK_C_INITIALIZE_ARGS args;
  std::memset(&args, 0, sizeof args);
  args.flags = CKF_OS_LOCKING_OK;
  Check(f_->C_Initialize(&args), "C_Initialize of " + path);
}

Module::~Module() {
  if (f_ != nullptr) f_->C_Finalize(nullptr);
}

CK_SLOT_ID Module::SlotOfToken(const std::string& label) {
  CK_ULONG n = 0;
  Check(f_->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(n);
  Check(f_->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_TOKEN_INFO info;
    Check(f_->C_GetTokenInfo(slots[i], &info), "C_GetTokenInfo");
    std::string have(reinterpret_cast<const char*>(info.label), sizeof info.label);
    have.erase(have.find_last_not_of(' ') + 1);
    if (have == label) return slots[i];
  }
  throw BenchError("no token '" + label + "' in " + path_);
}

CK_SESSION_HANDLE Module::Open(CK_SLOT_ID slot) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  Check(f_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s),
        "C_OpenSession");
  return s;
}

CK_OBJECT_HANDLE Module::FindKey(CK_SESSION_HANDLE s, CK_OBJECT_CLASS klass, const Bytes& id) {
  Bytes id_copy = id;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof klass},
                      {CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())}};
  Check(f_->C_FindObjectsInit(s, t, 2), "C_FindObjectsInit");
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  CK_ULONG found = 0;
  CK_RV rv = f_->C_FindObjects(s, &o, 1, &found);
  Check(f_->C_FindObjectsFinal(s), "C_FindObjectsFinal");
  Check(rv, "C_FindObjects");
  if (found == 0) throw BenchError("no object with CKA_ID " + HexEncode(id) + " in " + path_);
  return o;
}

Bytes Module::Attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a = {type, nullptr, 0};
  Check(f_->C_GetAttributeValue(s, o, &a, 1), "C_GetAttributeValue size");
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  Check(f_->C_GetAttributeValue(s, o, &a, 1), "C_GetAttributeValue");
  value.resize(a.ulValueLen);
  return value;
}

EvpPkeyPtr Module::PublicKey(CK_SESSION_HANDLE s, const Bytes& id) {
  CK_OBJECT_HANDLE pub = FindKey(s, CKO_PUBLIC_KEY, id);
  Bytes type_bytes = Attribute(s, pub, CKA_KEY_TYPE);
  CK_KEY_TYPE type = 0;
  std::memcpy(&type, type_bytes.data(), std::min(type_bytes.size(), sizeof type));
  Result<EvpPkeyPtr> key = Status(Code::kInternal, "unknown key type");
  if (type == CKK_RSA) {
    key = PublicKeyFromRsaParts(Attribute(s, pub, CKA_MODULUS),
                                Attribute(s, pub, CKA_PUBLIC_EXPONENT));
  } else {
    key = PublicKeyFromEcAttributes(Attribute(s, pub, CKA_EC_PARAMS),
                                    Attribute(s, pub, CKA_EC_POINT));
  }
  if (!key.ok()) throw BenchError("public key " + HexEncode(id) + ": " + key.status().message());
  return std::move(*key);
}

}  // namespace samp11::bench
