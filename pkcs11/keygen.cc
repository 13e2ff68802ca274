// C_GenerateKeyPair: the templates read here; whether this login may make a key, and for whom,
// is the SAM's decision (sam/keygen.cc: allow_pkcs11_keygen, a SAD user login, the key bound for
// life to its signer). Every key samp11 makes is sensitive, unextractable and SCAL2.
#include <cstring>
#include <optional>

#include "common/log.h"
#include "pkcs11/core.h"
#include "pkcs11/object_handles.h"
#include "pkcs11/session.h"

namespace samp11::p11 {
namespace {

const Bytes kOidP256 = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const Bytes kOidP384 = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
const Bytes kOidEd25519 = {0x06, 0x03, 0x2B, 0x65, 0x70};
const Bytes kNameEd25519 = {0x13, 0x0C, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

struct KeyGenRequest {
  KeyFamily family = KeyFamily::kRsa;
  std::optional<KeyType> type;
  std::optional<Bytes> id;
  std::optional<std::string> label;
};

Bytes ValueOf(const CK_ATTRIBUTE& a) {
  const auto* p = static_cast<const uint8_t*>(a.pValue);
  return p == nullptr ? Bytes() : Bytes(p, p + a.ulValueLen);
}

RvOr<CK_BBOOL*> BoolOf(const CK_ATTRIBUTE& a) {
  if (a.pValue == nullptr || a.ulValueLen != sizeof(CK_BBOOL)) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "a CK_BBOOL attribute has the wrong size");
  }
  return static_cast<CK_BBOOL*>(a.pValue);
}

RvOr<CK_ULONG*> UlongOf(const CK_ATTRIBUTE& a) {
  if (a.pValue == nullptr || a.ulValueLen != sizeof(CK_ULONG)) {
    return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "a CK_ULONG attribute has the wrong size");
  }
  return static_cast<CK_ULONG*>(a.pValue);
}

// A bool the template may state but only with the one value samp11 gives every key.
Rv RequireBool(const CK_ATTRIBUTE& a, bool required, const char* what) {
  P11_ASSIGN_OR_RETURN(CK_BBOOL * value, BoolOf(a));
  if ((*value != CK_FALSE) != required) {
    return Rv(CKR_TEMPLATE_INCONSISTENT,
              std::string(what) + " must be " + (required ? "TRUE" : "FALSE") + " in samp11");
  }
  return CKR_OK;
}

Rv SetOnce(std::optional<Bytes>& slot, Bytes value, const char* what) {
  if (slot && *slot != value) {
    return Rv(CKR_TEMPLATE_INCONSISTENT, std::string(what) + " differs between the templates");
  }
  slot = std::move(value);
  return CKR_OK;
}

RvOr<KeyType> CurveFromParams(KeyFamily family, const Bytes& params) {
  if (family == KeyFamily::kEc && params == kOidP256) return KeyType::kEcP256;
  if (family == KeyFamily::kEc && params == kOidP384) return KeyType::kEcP384;
  if (family == KeyFamily::kEdwards && (params == kOidEd25519 || params == kNameEd25519)) {
    return KeyType::kEd25519;
  }
  return Rv(CKR_CURVE_NOT_SUPPORTED, "only P-256, P-384 and Ed25519 are offered");
}

RvOr<KeyType> RsaFromBits(CK_ULONG bits) {
  std::optional<KeyType> type = RsaKeyTypeFromBits(bits);
  if (!type) return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "RSA keys are 2048, 3072 or 4096 bits");
  return *type;
}

// Reads one template. Usage attributes (CKA_SIGN, CKA_DECRYPT, ...) are ignored rather than
// refused: the key's usage is fixed by samp11 and its attributes say so (pkcs11-tool asks for
// CKA_DECRYPT on RSA keys by default). CKA_PRIVATE is ignored too (see attributes.cc).
Rv ReadTemplate(const CK_ATTRIBUTE* templ, CK_ULONG count, CK_OBJECT_CLASS object_class,
                KeyGenRequest& request) {
  if (templ == nullptr && count > 0) return Rv(CKR_ARGUMENTS_BAD, "a template is NULL");
  std::optional<Bytes> label;
  for (CK_ULONG i = 0; i < count; ++i) {
    const CK_ATTRIBUTE& a = templ[i];
    if (a.pValue == nullptr && a.ulValueLen > 0) {
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "template attribute with NULL pValue");
    }
    switch (a.type) {
      case CKA_CLASS: {
        P11_ASSIGN_OR_RETURN(CK_ULONG * value, UlongOf(a));
        if (*value != object_class) return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_CLASS");
        break;
      }
      case CKA_KEY_TYPE: {
        P11_ASSIGN_OR_RETURN(CK_ULONG * value, UlongOf(a));
        const CK_KEY_TYPE expected = request.family == KeyFamily::kRsa  ? CKK_RSA
                                     : request.family == KeyFamily::kEc ? CKK_EC
                                                                        : CKK_EC_EDWARDS;
        if (*value != expected) return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_KEY_TYPE");
        break;
      }
      case CKA_TOKEN:
        P11_RETURN_IF_ERROR(RequireBool(a, true, "CKA_TOKEN"));
        break;
      case CKA_EXTRACTABLE:
        P11_RETURN_IF_ERROR(RequireBool(a, false, "CKA_EXTRACTABLE"));
        break;
      case CKA_SENSITIVE:
        P11_RETURN_IF_ERROR(RequireBool(a, true, "CKA_SENSITIVE"));
        break;
      case CKA_ALWAYS_AUTHENTICATE:
        P11_RETURN_IF_ERROR(RequireBool(a, true, "CKA_ALWAYS_AUTHENTICATE"));
        break;
      case CKA_ID:
        P11_RETURN_IF_ERROR(SetOnce(request.id, ValueOf(a), "CKA_ID"));
        break;
      case CKA_LABEL:
        P11_RETURN_IF_ERROR(SetOnce(label, ValueOf(a), "CKA_LABEL"));
        break;
      case CKA_MODULUS_BITS: {
        if (request.family != KeyFamily::kRsa) return Rv(CKR_TEMPLATE_INCONSISTENT, "bits");
        P11_ASSIGN_OR_RETURN(CK_ULONG * bits, UlongOf(a));
        P11_ASSIGN_OR_RETURN(request.type, RsaFromBits(*bits));
        break;
      }
      case CKA_PUBLIC_EXPONENT: {
        if (request.family != KeyFamily::kRsa) return Rv(CKR_TEMPLATE_INCONSISTENT, "exponent");
        Bytes e = ValueOf(a);
        size_t zeros = 0;
        while (zeros < e.size() && e[zeros] == 0) ++zeros;
        if (Bytes(e.begin() + zeros, e.end()) != Bytes{0x01, 0x00, 0x01}) {
          return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "the public exponent is 65537");
        }
        break;
      }
      case CKA_EC_PARAMS: {
        if (request.family == KeyFamily::kRsa) return Rv(CKR_TEMPLATE_INCONSISTENT, "params");
        P11_ASSIGN_OR_RETURN(request.type, CurveFromParams(request.family, ValueOf(a)));
        break;
      }
      default:
        break;
    }
  }
  if (label) {
    std::string text = ToString(*label);
    if (request.label && *request.label != text) {
      return Rv(CKR_TEMPLATE_INCONSISTENT, "CKA_LABEL differs between the templates");
    }
    request.label = std::move(text);
  }
  return CKR_OK;
}

}  // namespace

Rv GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                   CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                   CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                   CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kReadWriteUser));
  if (pMechanism == nullptr || phPublicKey == nullptr || phPrivateKey == nullptr) {
    return Rv(CKR_ARGUMENTS_BAD, "pMechanism, phPublicKey or phPrivateKey is NULL");
  }
  KeyGenRequest request;
  switch (pMechanism->mechanism) {
    case CKM_RSA_PKCS_KEY_PAIR_GEN:
      request.family = KeyFamily::kRsa;
      break;
    case CKM_EC_KEY_PAIR_GEN:
      request.family = KeyFamily::kEc;
      break;
    case CKM_EC_EDWARDS_KEY_PAIR_GEN:
      request.family = KeyFamily::kEdwards;
      break;
    default:
      return Rv(CKR_MECHANISM_INVALID, "not a key pair generation mechanism of samp11");
  }
  P11_RETURN_IF_ERROR(FromStatus(s.token().sam().CheckKeyGenerationAllowed()));
  if (pMechanism->ulParameterLen != 0) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "key pair generation takes no parameter");
  }
  P11_RETURN_IF_ERROR(
      ReadTemplate(pPublicKeyTemplate, ulPublicKeyAttributeCount, CKO_PUBLIC_KEY, request));
  P11_RETURN_IF_ERROR(
      ReadTemplate(pPrivateKeyTemplate, ulPrivateKeyAttributeCount, CKO_PRIVATE_KEY, request));
  if (!request.type) {
    if (request.family != KeyFamily::kEdwards) {
      return Rv(CKR_TEMPLATE_INCOMPLETE, request.family == KeyFamily::kRsa
                                             ? "CKA_MODULUS_BITS is needed"
                                             : "CKA_EC_PARAMS is needed");
    }
    request.type = KeyType::kEd25519;
  }
  const UserLogin login = s.slot().user_login();
  P11_ASSIGN_OR_RETURN(UnwrappedKey key, FromResult(s.token().sam().GenerateKeyForLogin(
                                             login, *request.type, request.label.value_or(""),
                                             request.id.value_or(Bytes()))));
  *phPublicKey = MakeObjectHandle(key.info.handle, ObjectKind::kPublicKey);
  *phPrivateKey = MakeObjectHandle(key.info.handle, ObjectKind::kPrivateKey);
  SAMP11_LOG(kInfo, "token '" << s.token().label() << "': generated " << KeyTypeName(*request.type)
                              << " key " << HexEncode(key.info.id) << " for signer '"
                              << key.info.owner << "'");
  return CKR_OK;
}

}  // namespace samp11::p11
