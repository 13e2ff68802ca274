#include "tests/support/softhsm_session.h"

#include <stdexcept>

#include "cryptoki/rv_names.h"
#include "hsm/inner_module.h"
#include "tests/support/softhsm.h"

namespace samp11::testing {
namespace {

void CheckRv(CK_RV rv, const std::string& what) {
  if (rv != CKR_OK) throw std::runtime_error("SoftHSM: " + what + " failed (" + CkrName(rv) + ")");
}

}  // namespace

InnerSession::InnerSession() : p11_(SoftHsmSandbox::Get().module().functions()) {
  const SoftHsmSandbox& sandbox = SoftHsmSandbox::Get();
  CheckRv(p11_->C_OpenSession(sandbox.slot(), CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                              &session_),
          "C_OpenSession");
  std::string pin = sandbox.pin();
  CK_RV rv = p11_->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()),
                           static_cast<CK_ULONG>(pin.size()));
  // The login is the process's, not the session's: samp11's inner token may hold it already.
  if (rv != CKR_USER_ALREADY_LOGGED_IN) CheckRv(rv, "C_Login");
}

InnerSession::~InnerSession() { p11_->C_CloseSession(session_); }

std::vector<CK_OBJECT_HANDLE> InnerSession::Find(CK_OBJECT_CLASS klass, const Bytes& id) const {
  Bytes id_copy = id;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &klass, sizeof klass},
                         {CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())}};
  CheckRv(p11_->C_FindObjectsInit(session_, tmpl, 2), "C_FindObjectsInit");
  std::vector<CK_OBJECT_HANDLE> found(64);
  CK_ULONG count = 0;
  CK_RV rv = p11_->C_FindObjects(session_, found.data(), found.size(), &count);
  p11_->C_FindObjectsFinal(session_);
  CheckRv(rv, "C_FindObjects");
  found.resize(count);
  return found;
}

bool InnerSession::Bool(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const {
  CK_BBOOL value = CK_FALSE;
  CK_ATTRIBUTE attribute{type, &value, sizeof value};
  CheckRv(p11_->C_GetAttributeValue(session_, object, &attribute, 1), "C_GetAttributeValue");
  return value == CK_TRUE;
}

Bytes InnerSession::Id(CK_OBJECT_HANDLE object) const {
  CK_ATTRIBUTE attribute{CKA_ID, nullptr, 0};
  CheckRv(p11_->C_GetAttributeValue(session_, object, &attribute, 1), "C_GetAttributeValue");
  Bytes id(attribute.ulValueLen);
  attribute.pValue = id.data();
  CheckRv(p11_->C_GetAttributeValue(session_, object, &attribute, 1), "C_GetAttributeValue");
  return id;
}

void InnerSession::SetId(CK_OBJECT_HANDLE object, const Bytes& id) const {
  Bytes id_copy = id;
  CK_ATTRIBUTE attribute{CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())};
  CheckRv(p11_->C_SetAttributeValue(session_, object, &attribute, 1), "C_SetAttributeValue");
}

void InnerSession::Destroy(CK_OBJECT_HANDLE object) const {
  CheckRv(p11_->C_DestroyObject(session_, object), "C_DestroyObject");
}

CK_OBJECT_HANDLE InnerSession::GenerateEcP256(const Bytes& id, const std::string& label,
                                              bool extractable) const {
  CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  Bytes id_copy = id;
  std::string label_copy = label;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL sensitive = extractable ? CK_FALSE : CK_TRUE;
  CK_BBOOL can_extract = extractable ? CK_TRUE : CK_FALSE;
  CK_ATTRIBUTE pub[] = {
      {CKA_EC_PARAMS, p256, sizeof p256},
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_VERIFY, &yes, sizeof yes},
      {CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())},
      {CKA_LABEL, label_copy.data(), static_cast<CK_ULONG>(label_copy.size())},
  };
  CK_ATTRIBUTE priv[] = {
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_PRIVATE, &yes, sizeof yes},
      {CKA_SIGN, &yes, sizeof yes},
      {CKA_SENSITIVE, &sensitive, sizeof sensitive},
      {CKA_EXTRACTABLE, &can_extract, sizeof can_extract},
      {CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())},
      {CKA_LABEL, label_copy.data(), static_cast<CK_ULONG>(label_copy.size())},
  };
  CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE, private_key = CK_INVALID_HANDLE;
  CheckRv(p11_->C_GenerateKeyPair(session_, &mechanism, pub, sizeof pub / sizeof pub[0], priv,
                                  sizeof priv / sizeof priv[0], &public_key, &private_key),
          "C_GenerateKeyPair");
  return private_key;
}

}  // namespace samp11::testing
