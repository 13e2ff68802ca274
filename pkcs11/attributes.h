// The PKCS#11 objects samp11 shows, built from keystore rows, and their attribute values.
// Every object is a token object, read-only through PKCS#11.
#pragma once

#include <optional>
#include <string>

#include "common/bytes.h"
#include "crypto/ossl.h"
#include "pkcs11/object_handles.h"
#include "pkcs11/rv_map.h"
#include "sam/activation.h"
#include "token/token.h"

namespace samp11::p11 {

class Object {
 public:
  static Object ForKey(Token& token, KeyInfo key, ObjectKind kind);
  static Object ForCertificate(Token& token, CertRow cert);

  // CKR_OBJECT_HANDLE_INVALID if the handle names nothing, or a private key that the token's
  // user login hides.
  static RvOr<Object> Load(Token& token, CK_OBJECT_HANDLE handle, const UserLogin& login);

  ObjectKind kind() const { return kind_; }
  CK_OBJECT_HANDLE handle() const;
  const KeyInfo& key() const { return key_; }  // key objects only

  enum class Availability { kOk, kSensitive, kTypeInvalid };
  // The value of one attribute, in its PKCS#11 encoding.
  RvOr<Availability> Get(CK_ATTRIBUTE_TYPE type, Bytes* value);

 private:
  Object(Token& token, ObjectKind kind) : token_(&token), kind_(kind) {}

  RvOr<Availability> GetCommonKey(CK_ATTRIBUTE_TYPE type, Bytes* value);
  RvOr<Availability> GetPrivate(CK_ATTRIBUTE_TYPE type, Bytes* value);
  RvOr<Availability> GetPublic(CK_ATTRIBUTE_TYPE type, Bytes* value);
  RvOr<Availability> GetKeyMaterial(CK_ATTRIBUTE_TYPE type, Bytes* value);
  RvOr<Availability> GetCertificate(CK_ATTRIBUTE_TYPE type, Bytes* value);
  Rv LoadPublicKey();   // parses the SPKI once
  Rv LoadKeySubject();  // the subject of the key's first certificate, once
  Rv LoadKeyState();    // the key's lifecycle state (keystore/lifecycle.h), once

  Token* token_;
  ObjectKind kind_;
  KeyInfo key_;
  CertRow cert_;
  EvpPkeyPtr public_key_;
  std::optional<Bytes> key_subject_;
  std::optional<KeyState> key_state_;
};

// PKCS#11's visibility rule for samp11: once a user is logged in as signer S, the private keys
// of other signers are not visible (whether S logged in with a SAD or with a PIN). Before any
// user login, and on the protected authentication path, every key is.
bool PrivateKeyVisible(const KeyInfo& key, const UserLogin& login);

}  // namespace samp11::p11
