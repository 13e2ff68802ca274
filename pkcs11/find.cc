// C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal.
#include "pkcs11/find.h"

#include <cstring>

#include "pkcs11/core.h"
#include "pkcs11/session.h"

namespace samp11::p11 {
namespace {

constexpr size_t kPageSize = 64;

}  // namespace

RvOr<std::unique_ptr<FindCursor>> FindCursor::Create(const CK_ATTRIBUTE* templ, CK_ULONG count) {
  if (templ == nullptr && count > 0) return Rv(CKR_ARGUMENTS_BAD, "pTemplate is NULL");
  std::unique_ptr<FindCursor> cursor(new FindCursor());
  bool has_id = false;
  bool has_label = false;
  for (CK_ULONG i = 0; i < count; ++i) {
    const CK_ATTRIBUTE& a = templ[i];
    if (a.pValue == nullptr && a.ulValueLen > 0) {
      return Rv(CKR_ARGUMENTS_BAD, "template attribute with NULL pValue and a length");
    }
    const auto* p = static_cast<const uint8_t*>(a.pValue);
    Bytes value = p == nullptr ? Bytes() : Bytes(p, p + a.ulValueLen);
    if (a.type == CKA_CLASS) {
      CK_OBJECT_CLASS cls = CK_UNAVAILABLE_INFORMATION;
      if (value.size() == sizeof(cls)) std::memcpy(&cls, value.data(), sizeof(cls));
      cursor->want_private_ &= cls == CKO_PRIVATE_KEY;
      cursor->want_public_ &= cls == CKO_PUBLIC_KEY;
      cursor->want_certificates_ &= cls == CKO_CERTIFICATE;
    } else if (a.type == CKA_ID && !has_id) {
      has_id = true;
      cursor->id_ = value;
    } else if (a.type == CKA_LABEL && !has_label) {
      has_label = true;
      cursor->label_ = ToString(value);
    }
    cursor->wanted_.push_back({a.type, std::move(value)});
  }
  cursor->source_ = has_id ? Source::kById : has_label ? Source::kByLabel : Source::kAll;
  if (!cursor->want_private_ && !cursor->want_public_) cursor->NextPhase();
  return cursor;
}

void FindCursor::NextPhase() {
  after_ = 0;
  if (phase_ == Phase::kKeys && want_certificates_) {
    phase_ = Phase::kCerts;
  } else {
    phase_ = Phase::kDone;
  }
}

Rv FindCursor::FetchPage(Token& token) {
  TokenObjects& objects = token.objects();
  if (phase_ == Phase::kKeys) {
    std::vector<KeyInfo> keys;
    if (source_ == Source::kById) {
      P11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key, FromResult(objects.KeyById(id_)));
      if (key) keys.push_back(std::move(*key));
    } else if (source_ == Source::kByLabel) {
      P11_ASSIGN_OR_RETURN(keys, FromResult(objects.KeysByLabel(label_, after_, kPageSize)));
    } else {
      P11_ASSIGN_OR_RETURN(keys, FromResult(objects.Keys(after_, kPageSize)));
    }
    const bool exhausted = source_ == Source::kById || keys.size() < kPageSize;
    for (KeyInfo& key : keys) {
      after_ = key.handle;
      if (want_private_) pending_.push_back(Object::ForKey(token, key, ObjectKind::kPrivateKey));
      if (want_public_) {
        pending_.push_back(Object::ForKey(token, std::move(key), ObjectKind::kPublicKey));
      }
    }
    if (exhausted) NextPhase();
    return CKR_OK;
  }
  std::vector<CertRow> certs;
  if (source_ == Source::kById) {
    P11_ASSIGN_OR_RETURN(certs, FromResult(objects.CertsOfKey(id_)));
  } else if (source_ == Source::kByLabel) {
    P11_ASSIGN_OR_RETURN(certs, FromResult(objects.CertsByLabel(label_, after_, kPageSize)));
  } else {
    P11_ASSIGN_OR_RETURN(certs, FromResult(objects.Certs(after_, kPageSize)));
  }
  const bool exhausted = source_ == Source::kById || certs.size() < kPageSize;
  for (CertRow& cert : certs) {
    after_ = cert.handle;
    pending_.push_back(Object::ForCertificate(token, std::move(cert)));
  }
  if (exhausted) NextPhase();
  return CKR_OK;
}

Rv FindCursor::Matches(Object& object, bool* matches) {
  *matches = false;
  Bytes value;
  for (const Wanted& wanted : wanted_) {
    P11_ASSIGN_OR_RETURN(Object::Availability availability, object.Get(wanted.type, &value));
    if (availability != Object::Availability::kOk || value != wanted.value) return CKR_OK;
  }
  *matches = true;
  return CKR_OK;
}

RvOr<std::vector<CK_OBJECT_HANDLE>> FindCursor::Next(Token& token, const UserLogin& login,
                                                     size_t max) {
  std::vector<CK_OBJECT_HANDLE> found;
  while (found.size() < max) {
    if (pending_.empty()) {
      if (phase_ == Phase::kDone) break;
      P11_RETURN_IF_ERROR(FetchPage(token));
      continue;
    }
    Object object = std::move(pending_.front());
    pending_.pop_front();
    if (object.kind() == ObjectKind::kPrivateKey && !PrivateKeyVisible(object.key(), login)) {
      continue;
    }
    bool matches = false;
    P11_RETURN_IF_ERROR(Matches(object, &matches));
    if (matches) found.push_back(object.handle());
  }
  return found;
}

Rv FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->find != nullptr) return Rv(CKR_OPERATION_ACTIVE, "a search is already active");
  P11_ASSIGN_OR_RETURN(s->find, FindCursor::Create(pTemplate, ulCount));
  return CKR_OK;
}

Rv FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
               CK_ULONG_PTR pulObjectCount) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (pulObjectCount == nullptr || (phObject == nullptr && ulMaxObjectCount > 0)) {
    return Rv(CKR_ARGUMENTS_BAD, "phObject or pulObjectCount is NULL");
  }
  if (s->find == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no active search");
  const UserLogin login = s.slot().user_login();
  P11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> found,
                       s->find->Next(s.token(), login, ulMaxObjectCount));
  for (size_t i = 0; i < found.size(); ++i) phObject[i] = found[i];
  *pulObjectCount = found.size();
  return CKR_OK;
}

Rv FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->find == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no active search");
  s->find.reset();
  return CKR_OK;
}

}  // namespace samp11::p11
