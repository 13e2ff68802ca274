// Attribute values of the three kinds of objects, from the keystore rows.
#include "pkcs11/attributes.h"

#include <cstring>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/samp11_vendor.h"

namespace samp11::p11 {
namespace {

using Availability = Object::Availability;

Bytes Bool(bool b) { return Bytes{static_cast<uint8_t>(b ? CK_TRUE : CK_FALSE)}; }

Bytes Ulong(CK_ULONG v) {
  Bytes out(sizeof(v));
  std::memcpy(out.data(), &v, sizeof(v));
  return out;
}

Bytes UlongArray(const std::vector<CK_ULONG>& values) {
  Bytes out(values.size() * sizeof(CK_ULONG));
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

RvOr<Availability> Set(Bytes* out, Bytes value) {
  *out = std::move(value);
  return Availability::kOk;
}

CK_KEY_TYPE CkKeyType(KeyType type) {
  switch (FamilyOf(type)) {
    case KeyFamily::kRsa:
      return CKK_RSA;
    case KeyFamily::kEc:
      return CKK_EC;
    case KeyFamily::kEdwards:
      return CKK_EC_EDWARDS;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

RvOr<Bytes> CheckValue(const Bytes& der) {
  Bytes sha1 = Sha1ForCheckValue(der);
  if (sha1.size() < 3) return Rv(CKR_GENERAL_ERROR, "SHA-1 of the certificate failed");
  return Bytes(sha1.begin(), sha1.begin() + 3);
}

}  // namespace

bool PrivateKeyVisible(const KeyInfo& key, const UserLogin& login) {
  const std::string* signer = login.signer();
  return signer == nullptr || key.owner == *signer;
}

Object Object::ForKey(Token& token, KeyInfo key, ObjectKind kind) {
  Object object(token, kind);
  object.key_ = std::move(key);
  return object;
}

Object Object::ForCertificate(Token& token, CertRow cert) {
  Object object(token, ObjectKind::kCertificate);
  object.cert_ = std::move(cert);
  return object;
}

RvOr<Object> Object::Load(Token& token, CK_OBJECT_HANDLE handle, const UserLogin& login) {
  std::optional<ObjectId> id = ParseObjectHandle(handle);
  const Rv invalid(CKR_OBJECT_HANDLE_INVALID, "no object " + std::to_string(handle));
  // Deposit objects are not keystore rows: deposit_objects.cc answers for them.
  if (!id || id->kind == ObjectKind::kSadDeposit) return invalid;
  if (id->kind == ObjectKind::kCertificate) {
    P11_ASSIGN_OR_RETURN(std::optional<CertRow> cert,
                         FromResult(token.objects().CertByHandle(id->row)));
    if (!cert) return invalid;
    return ForCertificate(token, std::move(*cert));
  }
  P11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key,
                       FromResult(token.objects().KeyByHandle(id->row)));
  if (!key) return invalid;
  if (id->kind == ObjectKind::kPrivateKey && !PrivateKeyVisible(*key, login)) return invalid;
  return ForKey(token, std::move(*key), id->kind);
}

CK_OBJECT_HANDLE Object::handle() const {
  return MakeObjectHandle(kind_ == ObjectKind::kCertificate ? cert_.handle : key_.handle, kind_);
}

Rv Object::LoadPublicKey() {
  if (public_key_ != nullptr) return CKR_OK;
  P11_ASSIGN_OR_RETURN(public_key_, FromResult(PublicKeyFromSpki(key_.public_spki)));
  return CKR_OK;
}

Rv Object::LoadKeySubject() {
  if (key_subject_) return CKR_OK;
  P11_ASSIGN_OR_RETURN(std::vector<CertRow> certs,
                       FromResult(token_->objects().CertsOfKey(key_.id)));
  key_subject_ = certs.empty() ? Bytes() : certs.front().subject_der;
  return CKR_OK;
}

RvOr<Availability> Object::Get(CK_ATTRIBUTE_TYPE type, Bytes* value) {
  // Common to every object.
  switch (type) {
    case CKA_CLASS:
      return Set(value, Ulong(kind_ == ObjectKind::kPrivateKey  ? CKO_PRIVATE_KEY
                              : kind_ == ObjectKind::kPublicKey ? CKO_PUBLIC_KEY
                                                                : CKO_CERTIFICATE));
    case CKA_TOKEN:
      return Set(value, Bool(true));
    // CKA_PRIVATE is FALSE for every object, private keys included. A SCAL2 key's handle is not
    // a secret: each use is gated, per signature, by a SAD. CKA_PRIVATE=TRUE would force a user
    // login before an application can even find the key, and the consumers that authorize with
    // a context login per signature (NSS, libp11, pkcs11-provider, GnuTLS) do not log in first.
    case CKA_PRIVATE:
      return Set(value, Bool(false));
    case CKA_MODIFIABLE:
    case CKA_COPYABLE:
    case CKA_DESTROYABLE:
      return Set(value, Bool(false));
    case CKA_LABEL:
      return Set(value, ToBytes(kind_ == ObjectKind::kCertificate ? cert_.label : key_.label));
    case CKA_START_DATE:
    case CKA_END_DATE:
      return Set(value, Bytes());
    default:
      break;
  }
  switch (kind_) {
    case ObjectKind::kPrivateKey:
      return GetPrivate(type, value);
    case ObjectKind::kPublicKey:
      return GetPublic(type, value);
    case ObjectKind::kCertificate:
      return GetCertificate(type, value);
    case ObjectKind::kSadDeposit:  // never loaded as an Object (see Load)
      break;
  }
  return Availability::kTypeInvalid;
}

RvOr<Availability> Object::GetCommonKey(CK_ATTRIBUTE_TYPE type, Bytes* value) {
  const KeyFamily family = FamilyOf(key_.type);
  switch (type) {
    case CKA_KEY_TYPE:
      return Set(value, Ulong(CkKeyType(key_.type)));
    case CKA_ID:
      return Set(value, key_.id);
    case CKA_DERIVE:
      return Set(value, Bool(false));
    case CKA_LOCAL:  // false for a key adopted from an inner token (`samp11 key import`)
      return Set(value, Bool(key_.origin == key_origin::kGenerated));
    case CKA_KEY_GEN_MECHANISM:
      if (key_.origin != key_origin::kGenerated)
        return Set(value, Ulong(CK_UNAVAILABLE_INFORMATION));
      return Set(value, Ulong(KeyGenMechanism(family)));
    case CKA_ALLOWED_MECHANISMS:
      return Set(value, UlongArray(MechanismsForFamily(family)));
    case CKA_PUBLIC_KEY_INFO:
      return Set(value, key_.public_spki);
    case CKA_SUBJECT:
      P11_RETURN_IF_ERROR(LoadKeySubject());
      return Set(value, *key_subject_);
    default:
      return GetKeyMaterial(type, value);
  }
}

RvOr<Availability> Object::GetKeyMaterial(CK_ATTRIBUTE_TYPE type, Bytes* value) {
  const KeyFamily family = FamilyOf(key_.type);
  if (family == KeyFamily::kRsa) {
    if (type == CKA_MODULUS || type == CKA_PUBLIC_EXPONENT) {
      P11_RETURN_IF_ERROR(LoadPublicKey());
      P11_ASSIGN_OR_RETURN(RsaPublicParts parts, FromResult(RsaPublic(public_key_.get())));
      return Set(value, type == CKA_MODULUS ? parts.modulus : parts.public_exponent);
    }
    return Availability::kTypeInvalid;
  }
  if (type == CKA_EC_PARAMS) {
    P11_RETURN_IF_ERROR(LoadPublicKey());
    P11_ASSIGN_OR_RETURN(Bytes params, FromResult(EcParamsDer(public_key_.get())));
    return Set(value, std::move(params));
  }
  if (type == CKA_EC_POINT) {
    P11_RETURN_IF_ERROR(LoadPublicKey());
    P11_ASSIGN_OR_RETURN(Bytes point, FromResult(EcPointDer(public_key_.get())));
    return Set(value, std::move(point));
  }
  return Availability::kTypeInvalid;
}

Rv Object::LoadKeyState() {
  if (key_state_) return CKR_OK;
  P11_ASSIGN_OR_RETURN(key_state_, FromResult(token_->objects().KeyStateOf(key_.id)));
  return CKR_OK;
}

RvOr<Availability> Object::GetPrivate(CK_ATTRIBUTE_TYPE type, Bytes* value) {
  switch (type) {
    case CKA_SIGN:
      // Whether it may sign now: false for a disabled key or signer, or without a valid
      // certificate (C_SignInit then answers CKR_KEY_FUNCTION_NOT_PERMITTED).
      P11_RETURN_IF_ERROR(LoadKeyState());
      return Set(value, Bool(*key_state_ == KeyState::kUsable));
    case CKA_SAMP11_KEY_STATE:
      P11_RETURN_IF_ERROR(LoadKeyState());
      return Set(value, Ulong(static_cast<CK_ULONG>(*key_state_)));
    case CKA_SIGN_RECOVER:
    case CKA_DECRYPT:
    case CKA_UNWRAP:
    case CKA_EXTRACTABLE:
    case CKA_WRAP_WITH_TRUSTED:
      return Set(value, Bool(false));
    case CKA_SENSITIVE:
      return Set(value, Bool(true));
    case CKA_ALWAYS_SENSITIVE:
    case CKA_NEVER_EXTRACTABLE:
      // What the inner token said of an imported key's past; a key made here was never exposed.
      return Set(value, Bool(key_.origin != key_origin::kImportedExposed));
    case CKA_ALWAYS_AUTHENTICATE:
      return Set(value, Bool(key_.scal >= 2));
    case CKA_PRIVATE_EXPONENT:
    case CKA_PRIME_1:
    case CKA_PRIME_2:
    case CKA_EXPONENT_1:
    case CKA_EXPONENT_2:
    case CKA_COEFFICIENT:
    case CKA_VALUE:
      return Availability::kSensitive;
    default:
      return GetCommonKey(type, value);
  }
}

RvOr<Availability> Object::GetPublic(CK_ATTRIBUTE_TYPE type, Bytes* value) {
  switch (type) {
    case CKA_VERIFY:
      return Set(value, Bool(true));
    case CKA_VERIFY_RECOVER:
    case CKA_ENCRYPT:
    case CKA_WRAP:
    case CKA_TRUSTED:
      return Set(value, Bool(false));
    case CKA_MODULUS_BITS:
      if (FamilyOf(key_.type) != KeyFamily::kRsa) return Availability::kTypeInvalid;
      return Set(value, Ulong(KeyBits(key_.type)));
    default:
      return GetCommonKey(type, value);
  }
}

RvOr<Availability> Object::GetCertificate(CK_ATTRIBUTE_TYPE type, Bytes* value) {
  switch (type) {
    case CKA_CERTIFICATE_TYPE:
      return Set(value, Ulong(CKC_X_509));
    case CKA_VALUE:
      return Set(value, cert_.der);
    case CKA_SUBJECT:
      return Set(value, cert_.subject_der);
    case CKA_ISSUER:
      return Set(value, cert_.issuer_der);
    case CKA_SERIAL_NUMBER:
      return Set(value, cert_.serial_der);
    case CKA_ID:
      return Set(value, cert_.key_id);
    case CKA_TRUSTED:
      return Set(value, Bool(false));
    case CKA_CERTIFICATE_CATEGORY:
      return Set(value, Ulong(0));  // unspecified
    case CKA_CHECK_VALUE: {
      P11_ASSIGN_OR_RETURN(Bytes check, CheckValue(cert_.der));
      return Set(value, std::move(check));
    }
    default:
      return Availability::kTypeInvalid;
  }
}

}  // namespace samp11::p11
