// Reading the inner token's objects: attributes, searches, a private key's facts and a public
// key object's key, and the private keys of a CKA_ID with their public key.
#include "hsm/inner_objects.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/log.h"
#include "crypto/keys.h"

namespace samp11::inner {
namespace {

size_t BitLength(const Bytes& big_endian) {
  size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == 0) ++i;
  if (i == big_endian.size()) return 0;
  size_t bits = (big_endian.size() - i - 1) * 8;
  for (uint8_t top = big_endian[i]; top != 0; top >>= 1) ++bits;
  return bits;
}

Result<std::optional<CK_ULONG>> GetUlong(Lease& lease, CK_OBJECT_HANDLE object,
                                         CK_ATTRIBUTE_TYPE type) {
  using Value = std::optional<CK_ULONG>;
  SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> raw, GetAttribute(lease, object, type));
  if (!raw.has_value() || raw->size() != sizeof(CK_ULONG)) return Value();
  CK_ULONG value = 0;
  std::memcpy(&value, raw->data(), sizeof value);
  return Value(value);
}

Result<std::optional<bool>> GetBool(Lease& lease, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  using Value = std::optional<bool>;
  SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> raw, GetAttribute(lease, object, type));
  if (!raw.has_value() || raw->size() != sizeof(CK_BBOOL)) return Value();
  return Value((*raw)[0] != CK_FALSE);
}

}  // namespace

Result<std::optional<Bytes>> GetAttribute(Lease& lease, CK_OBJECT_HANDLE object,
                                          CK_ATTRIBUTE_TYPE type) {
  using Value = std::optional<Bytes>;
  CK_ATTRIBUTE attribute{type, nullptr, 0};
  CK_RV rv = lease.fl()->C_GetAttributeValue(lease.session(), object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) return Value();
  if (rv != CKR_OK) return lease.Failure("C_GetAttributeValue", rv);
  if (attribute.ulValueLen == CK_UNAVAILABLE_INFORMATION) return Value();
  Bytes value(attribute.ulValueLen);
  attribute.pValue = value.data();
  rv = lease.fl()->C_GetAttributeValue(lease.session(), object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) return Value();
  if (rv != CKR_OK) return lease.Failure("C_GetAttributeValue", rv);
  if (attribute.ulValueLen > value.size()) return Value();
  value.resize(attribute.ulValueLen);
  return Value(std::move(value));
}

Result<std::vector<CK_OBJECT_HANDLE>> FindObjects(Lease& lease, std::vector<CK_ATTRIBUTE> match) {
  CK_FUNCTION_LIST* fl = lease.fl();
  CK_RV rv =
      fl->C_FindObjectsInit(lease.session(), match.data(), static_cast<CK_ULONG>(match.size()));
  if (rv != CKR_OK) {
    if (rv == CKR_OPERATION_ACTIVE) lease.Discard();
    return lease.Failure("C_FindObjectsInit", rv);
  }
  std::vector<CK_OBJECT_HANDLE> found;
  for (;;) {
    CK_OBJECT_HANDLE batch[32];
    CK_ULONG count = 0;
    rv = fl->C_FindObjects(lease.session(), batch, 32, &count);
    if (rv != CKR_OK || count == 0) break;
    found.insert(found.end(), batch, batch + std::min<CK_ULONG>(count, 32));
  }
  // Always ended, also after a failure: a search left active poisons the pooled session.
  CK_RV final_rv = fl->C_FindObjectsFinal(lease.session());
  if (rv != CKR_OK) {
    if (final_rv != CKR_OK) lease.Discard();
    return lease.Failure("C_FindObjects", rv);
  }
  if (final_rv != CKR_OK) {
    lease.Discard();
    return lease.Failure("C_FindObjectsFinal", final_rv);
  }
  return found;
}

Result<std::optional<InnerKey>> ReadPrivateKey(Lease& lease, CK_OBJECT_HANDLE object,
                                               const Bytes& id) {
  using Value = std::optional<InnerKey>;
  InnerKey key;
  key.handle = object;
  key.id = id;
  SAMP11_ASSIGN_OR_RETURN(std::optional<CK_ULONG> key_type, GetUlong(lease, object, CKA_KEY_TYPE));
  if (!key_type.has_value()) return Value();
  switch (*key_type) {
    case CKK_RSA: {
      SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> modulus,
                              GetAttribute(lease, object, CKA_MODULUS));
      std::optional<KeyType> type;
      if (modulus.has_value()) type = RsaKeyTypeFromBits(BitLength(*modulus));
      if (!type.has_value()) {
        SAMP11_LOG(kInfo, lease.Describe() << ": RSA key object " << object
                                           << " has no modulus of a supported size; skipped");
        return Value();
      }
      key.type = *type;
      SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> exponent,
                              GetAttribute(lease, object, CKA_PUBLIC_EXPONENT));
      // The private key's own public half: the fallback when no public key object is found.
      if (exponent.has_value()) {
        Result<EvpPkeyPtr> own = PublicKeyFromRsaParts(*modulus, *exponent);
        if (own.ok()) {
          Result<Bytes> spki = PublicKeyToSpki(own->get());
          if (spki.ok()) key.public_spki = std::move(*spki);
        }
      }
      break;
    }
    case CKK_EC:
    case CKK_EC_EDWARDS: {
      SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> params,
                              GetAttribute(lease, object, CKA_EC_PARAMS));
      Result<KeyType> type = params.has_value()
                                 ? KeyTypeFromEcParams(*params)
                                 : Result<KeyType>(Status(Code::kUnsupported, "no CKA_EC_PARAMS"));
      bool edwards = *key_type == CKK_EC_EDWARDS;
      if (!type.ok() || (FamilyOf(*type) == KeyFamily::kEdwards) != edwards) {
        SAMP11_LOG(kInfo, lease.Describe() << ": EC key object " << object
                                           << " is not on a supported curve; skipped");
        return Value();
      }
      key.type = *type;
      break;
    }
    default:
      SAMP11_LOG(kInfo, lease.Describe() << ": key object " << object << " has key type "
                                         << *key_type << ", not supported; skipped");
      return Value();
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> label, GetAttribute(lease, object, CKA_LABEL));
  if (label.has_value()) key.label = ToString(*label);
  // Absent attributes keep InnerKey's defaults, which assume the less protected case.
  struct {
    CK_ATTRIBUTE_TYPE type;
    bool* field;
  } flags[] = {
      {CKA_SENSITIVE, &key.sensitive},
      {CKA_EXTRACTABLE, &key.extractable},
      {CKA_ALWAYS_SENSITIVE, &key.always_sensitive},
      {CKA_NEVER_EXTRACTABLE, &key.never_extractable},
      {CKA_SIGN, &key.can_sign},
  };
  for (const auto& flag : flags) {
    SAMP11_ASSIGN_OR_RETURN(std::optional<bool> value, GetBool(lease, object, flag.type));
    if (value.has_value()) *flag.field = *value;
  }
  return Value(std::move(key));
}

Result<EvpPkeyPtr> ReadPublicKey(Lease& lease, CK_OBJECT_HANDLE object) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<CK_ULONG> key_type, GetUlong(lease, object, CKA_KEY_TYPE));
  if (key_type == CKK_RSA) {
    SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> modulus, GetAttribute(lease, object, CKA_MODULUS));
    SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> exponent,
                            GetAttribute(lease, object, CKA_PUBLIC_EXPONENT));
    if (!modulus.has_value() || !exponent.has_value()) {
      return Status(Code::kArgumentsBad, "RSA public key object without modulus or exponent");
    }
    return PublicKeyFromRsaParts(*modulus, *exponent);
  }
  if (key_type == CKK_EC || key_type == CKK_EC_EDWARDS) {
    SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> params,
                            GetAttribute(lease, object, CKA_EC_PARAMS));
    SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> point, GetAttribute(lease, object, CKA_EC_POINT));
    if (!params.has_value() || !point.has_value()) {
      return Status(Code::kArgumentsBad, "EC public key object without params or point");
    }
    return PublicKeyFromEcAttributes(*params, *point);
  }
  return Status(Code::kUnsupported, "public key object of an unsupported key type");
}

Result<std::vector<InnerKey>> FindKeysIn(Lease& lease, const Bytes& id) {
  static const CK_OBJECT_CLASS kPrivate = CKO_PRIVATE_KEY;
  static const CK_OBJECT_CLASS kPublic = CKO_PUBLIC_KEY;
  SAMP11_RETURN_IF_ERROR(lease.CheckLoggedIn());
  SAMP11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> private_objects,
                          FindObjects(lease, {Attr(CKA_CLASS, &kPrivate, sizeof kPrivate),
                                              Attr(CKA_ID, id.data(), id.size())}));
  std::vector<InnerKey> keys;
  if (private_objects.empty()) return keys;
  SAMP11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> public_objects,
                          FindObjects(lease, {Attr(CKA_CLASS, &kPublic, sizeof kPublic),
                                              Attr(CKA_ID, id.data(), id.size())}));
  // The public key object, if exactly one: with several, which belongs to which is a guess.
  std::optional<KeyType> public_type;
  Bytes public_spki;
  if (public_objects.size() == 1) {
    Result<EvpPkeyPtr> pkey = ReadPublicKey(lease, public_objects[0]);
    if (!pkey.ok() &&
        (pkey.status().code() == Code::kDevice || pkey.status().code() == Code::kTokenNotPresent)) {
      return pkey.status();
    }
    Result<KeyType> type = pkey.ok() ? KeyTypeOf(pkey->get()) : Result<KeyType>(pkey.status());
    Result<Bytes> spki = type.ok() ? PublicKeyToSpki(pkey->get()) : Result<Bytes>(type.status());
    if (spki.ok()) {
      public_type = *type;
      public_spki = std::move(*spki);
    } else {
      SAMP11_LOG(kWarn, lease.Describe()
                            << ": public key object " << public_objects[0] << " of id "
                            << HexEncode(id) << " is not usable: " << spki.status().message());
    }
  }
  for (CK_OBJECT_HANDLE object : private_objects) {
    Result<std::optional<InnerKey>> key = ReadPrivateKey(lease, object, id);
    if (!key.ok() && key.status().code() == Code::kNotFound) continue;  // destroyed meanwhile
    if (!key.ok()) return key.status();
    if (!key->has_value()) continue;
    InnerKey& found = **key;
    if (public_type == found.type) {
      // For RSA the private key carries its own public half; a public object that disagrees
      // with it belongs to another key, whatever its CKA_ID says.
      if (found.public_spki.empty() || found.public_spki == public_spki) {
        found.public_spki = public_spki;
      } else {
        SAMP11_LOG(kWarn, lease.Describe() << ": public key object of id " << HexEncode(id)
                                           << " does not match private key object " << object);
      }
    }
    keys.push_back(std::move(found));
  }
  return keys;
}

}  // namespace samp11::inner
