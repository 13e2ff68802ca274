// Key pair generation on the inner token: a signing key and nothing else, sensitive and not
// extractable, read back and checked before samp11 hands it out.
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "crypto/keys.h"
#include "cryptoki/rv_names.h"
#include "hsm/inner_objects.h"
#include "hsm/inner_token.h"
#include "hsm/inner_token_impl.h"

namespace samp11 {

using inner::Attr;
using inner::kCkFalse;
using inner::kCkTrue;
using inner::Lease;

namespace {

// The name PKCS#11 3.0 also accepts for Ed25519 in CKA_EC_PARAMS, tried when a module refuses
// the OID form.
const Bytes& Ed25519PrintableString() {
  static const Bytes name = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                             'd',  's',  '2', '5', '5', '1', '9'};
  return name;
}

void DestroyQuietly(Lease& lease, CK_OBJECT_HANDLE object) {
  CK_RV rv = lease.fl()->C_DestroyObject(lease.session(), object);
  if (rv != CKR_OK) {
    SAMP11_LOG(kWarn, lease.Describe() << ": C_DestroyObject of object " << object << " failed ("
                                       << CkrName(rv) << "); DestroyObjects removes it later");
  }
}

}  // namespace

Result<InnerKey> InnerToken::GenerateKeyPair(KeyType type, const Bytes& id,
                                             const std::string& label) {
  if (id.empty()) return Status(Code::kArgumentsBad, "inner key generation needs a CKA_ID");
  std::vector<CK_ATTRIBUTE> public_template = {
      Attr(CKA_TOKEN, &kCkTrue, sizeof kCkTrue),
      Attr(CKA_VERIFY, &kCkTrue, sizeof kCkTrue),
      Attr(CKA_ID, id.data(), id.size()),
      Attr(CKA_LABEL, label.data(), label.size()),
  };
  std::vector<CK_ATTRIBUTE> private_template = {
      Attr(CKA_TOKEN, &kCkTrue, sizeof kCkTrue),
      Attr(CKA_PRIVATE, &kCkTrue, sizeof kCkTrue),
      Attr(CKA_SENSITIVE, &kCkTrue, sizeof kCkTrue),
      Attr(CKA_SIGN, &kCkTrue, sizeof kCkTrue),
      Attr(CKA_EXTRACTABLE, &kCkFalse, sizeof kCkFalse),
      Attr(CKA_ID, id.data(), id.size()),
      Attr(CKA_LABEL, label.data(), label.size()),
  };
  CK_MECHANISM mechanism{};
  CK_ULONG modulus_bits = 0;
  static const uint8_t kF4[] = {0x01, 0x00, 0x01};
  Bytes ec_params;
  switch (FamilyOf(type)) {
    case KeyFamily::kRsa:
      mechanism.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      modulus_bits = static_cast<CK_ULONG>(KeyBits(type));
      public_template.push_back(Attr(CKA_MODULUS_BITS, &modulus_bits, sizeof modulus_bits));
      public_template.push_back(Attr(CKA_PUBLIC_EXPONENT, kF4, sizeof kF4));
      // A signing key and nothing else: the module's defaults would let it decrypt and unwrap.
      public_template.push_back(Attr(CKA_ENCRYPT, &kCkFalse, sizeof kCkFalse));
      public_template.push_back(Attr(CKA_WRAP, &kCkFalse, sizeof kCkFalse));
      private_template.push_back(Attr(CKA_DECRYPT, &kCkFalse, sizeof kCkFalse));
      private_template.push_back(Attr(CKA_UNWRAP, &kCkFalse, sizeof kCkFalse));
      break;
    case KeyFamily::kEc:
      mechanism.mechanism = CKM_EC_KEY_PAIR_GEN;
      private_template.push_back(Attr(CKA_DERIVE, &kCkFalse, sizeof kCkFalse));
      break;
    case KeyFamily::kEdwards:
      mechanism.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
      break;
  }
  if (FamilyOf(type) != KeyFamily::kRsa) {
    SAMP11_ASSIGN_OR_RETURN(ec_params, EcParamsDer(type));
  }
  size_t params_index = public_template.size();
  if (!ec_params.empty()) {
    public_template.push_back(Attr(CKA_EC_PARAMS, ec_params.data(), ec_params.size()));
  }

  return impl_->pool.Run<InnerKey>([&](Lease& lease) -> Result<InnerKey> {
    CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
    auto generate = [&]() {
      return lease.fl()->C_GenerateKeyPair(
          lease.session(), &mechanism, public_template.data(),
          static_cast<CK_ULONG>(public_template.size()), private_template.data(),
          static_cast<CK_ULONG>(private_template.size()), &public_key, &private_key);
    };
    if (!ec_params.empty()) {
      public_template[params_index] = Attr(CKA_EC_PARAMS, ec_params.data(), ec_params.size());
    }
    CK_RV rv = generate();
    if (type == KeyType::kEd25519 &&
        (rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_CURVE_NOT_SUPPORTED ||
         rv == CKR_DOMAIN_PARAMS_INVALID || rv == CKR_TEMPLATE_INCONSISTENT)) {
      // Modules written against PKCS#11 3.0 drafts know Ed25519 only by its curve name.
      SAMP11_LOG(kInfo, impl_->pool.Describe() << ": CKA_EC_PARAMS as an OID refused ("
                                               << CkrName(rv) << "); trying the curve name");
      const Bytes& name = Ed25519PrintableString();
      public_template[params_index] = Attr(CKA_EC_PARAMS, name.data(), name.size());
      rv = generate();
    }
    if (rv != CKR_OK) {
      return lease.Failure(std::string("C_GenerateKeyPair (") + KeyTypeName(type) + ")", rv);
    }
    // From here on a failure leaves no half-made key pair behind, and is not retried: a second
    // pair under the same CKA_ID would make the first one's leftovers ambiguous.
    Result<InnerKey> made = [&]() -> Result<InnerKey> {
      SAMP11_ASSIGN_OR_RETURN(std::optional<InnerKey> key,
                              inner::ReadPrivateKey(lease, private_key, id));
      if (!key.has_value() || key->type != type) {
        return Status(Code::kDevice, impl_->pool.Describe() + ": the generated " +
                                         KeyTypeName(type) + " key reads back as another key type");
      }
      SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr public_pkey, inner::ReadPublicKey(lease, public_key));
      SAMP11_ASSIGN_OR_RETURN(KeyType public_type, KeyTypeOf(public_pkey.get()));
      if (public_type != type) {
        return Status(Code::kDevice, impl_->pool.Describe() + ": the generated " +
                                         KeyTypeName(type) + " public key reads back as " +
                                         KeyTypeName(public_type));
      }
      SAMP11_ASSIGN_OR_RETURN(key->public_spki, PublicKeyToSpki(public_pkey.get()));
      return std::move(*key);
    }();
    if (!made.ok()) {
      lease.Retry(false);
      DestroyQuietly(lease, private_key);
      DestroyQuietly(lease, public_key);
      return made.status();
    }
    impl_->handles.Register(*made, lease);
    SAMP11_LOG(kInfo, impl_->pool.Describe() << ": generated " << KeyTypeName(type)
                                             << " key pair, id " << HexEncode(id));
    return made;
  });
}

}  // namespace samp11
