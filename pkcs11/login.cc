// C_Login and C_Logout. The "PIN" of samp11 is a SAD: a signed JWS token the SAM verifies; or,
// for SCAL1 keys, a signer's real PIN (login_pin.cc).
#include <string_view>

#include "common/log.h"
#include "pkcs11/core.h"
#include "pkcs11/login_pin.h"
#include "pkcs11/session.h"

namespace samp11::p11 {
namespace {

// The SAD as text. Never logged, never copied beyond what the SAM needs.
RvOr<std::string_view> SadText(CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (pin == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pPin (the SAD) is NULL");
  if (len == 0 || len > kMaxSadLength) {
    return Rv(CKR_PIN_LEN_RANGE, "a SAD is 1.." + std::to_string(kMaxSadLength) + " bytes, not " +
                                     std::to_string(len));
  }
  return std::string_view(reinterpret_cast<const char*>(pin), len);
}

// Application-wide user login: the token is logged in as the signer the SAD names, and that SAD
// activates signatures whose operation had no context login (Java, which never sends one).
Rv LoginUser(SessionRef& s, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (s.slot().logged_in()) {
    return Rv(CKR_USER_ALREADY_LOGGED_IN, "a user is already logged in to this token");
  }
  if (pin == nullptr && len == 0 && s.token().sam().policy().protected_authentication_path) {
    // Protected authentication path: the SAD does not come through this application.
    if (!s.slot().SetProtectedLogin()) {
      return Rv(CKR_USER_ALREADY_LOGGED_IN, "another session logged in meanwhile");
    }
    SAMP11_LOG(kInfo, "token '" << s.token().label()
                                << "': user login on the protected authentication path");
    return CKR_OK;
  }
  // Not a SAD: the PIN of a signer's SCAL1 keys (login_pin.cc).
  if (IsPinLogin(pin, len)) return LoginUserPin(s, pin, len);
  P11_ASSIGN_OR_RETURN(std::string_view text, SadText(pin, len));
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> sad,
                       FromResult(s.token().sam().LoginUser(text), CKR_PIN_INCORRECT));
  const std::string signer = sad->signer();
  const std::string jti = sad->sad.claims.jti;
  if (!s.slot().SetUserSad(std::move(sad))) {
    return Rv(CKR_USER_ALREADY_LOGGED_IN, "another session logged in meanwhile");
  }
  SAMP11_LOG(kInfo, "token '" << s.token().label() << "': user login as signer '" << signer
                              << "' (jti " << jti << ")");
  return CKR_OK;
}

// Context login: the SAD for the signing operation active on this session. A refusal leaves the
// operation active, so the application may try again with another SAD.
Rv LoginContext(SessionRef& s, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (s->sign == nullptr) {
    return Rv(CKR_OPERATION_NOT_INITIALIZED, "a context login needs an active C_SignInit");
  }
  if (!s->sign->needs_activation()) {
    // A SCAL1 key is activated by its owner's PIN login (CKA_ALWAYS_AUTHENTICATE is FALSE):
    // there is no per-operation login to give it.
    return Rv(CKR_OPERATION_NOT_INITIALIZED, "the key needs no context login (SCAL1)");
  }
  if (pin == nullptr && len == 0 && s.token().sam().policy().protected_authentication_path) {
    // The activation comes from a deposited SAD, found at C_Sign by key and hash.
    return CKR_OK;
  }
  P11_ASSIGN_OR_RETURN(std::string_view text, SadText(pin, len));
  return FromStatus(s->sign->ContextLogin(text), CKR_PIN_INCORRECT);
}

// CKU_SO is a valid user type, so it gets the answers PKCS#11's C_Login gives it (its list of
// return values has all three); SoftHSMv2 2.6.1 answers the same. samp11 has no security officer
// PIN: tokens, signers and keys are administered with the samp11 command line, and
// C_InitToken/C_InitPIN/C_SetPIN are not offered. So no value can ever be the right one.
Rv LoginSecurityOfficer(SessionRef& s, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  // "If the application calling C_Login has a R/O session open with the token, then it will be
  // unable to log the SO into a session": any of this application's sessions with the token.
  const SessionTable::Counts counts = s.module().sessions().CountsFor(&s.slot());
  if (counts.total > counts.read_write) {
    return Rv(CKR_SESSION_READ_ONLY_EXISTS,
              "C_Login(CKU_SO) with a read-only session open on the token");
  }
  if (s.slot().logged_in()) {
    return Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
              "C_Login(CKU_SO) while the user is logged in to the token");
  }
  if (pin == nullptr && !(len == 0 && s.token().sam().policy().protected_authentication_path)) {
    return Rv(CKR_ARGUMENTS_BAD, "pPin is NULL");
  }
  // The value is neither read nor logged: there is nothing to compare it with.
  return Rv(CKR_PIN_INCORRECT,
            "C_Login(CKU_SO) refused: token '" + s.token().label() +
                "' has no security officer PIN; it is administered with the samp11 command line");
}

}  // namespace

Rv Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
         CK_ULONG ulPinLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  switch (userType) {
    case CKU_USER:
      return LoginUser(s, pPin, ulPinLen);
    case CKU_CONTEXT_SPECIFIC:
      return LoginContext(s, pPin, ulPinLen);
    case CKU_SO:
      return LoginSecurityOfficer(s, pPin, ulPinLen);
    default:
      return Rv(CKR_USER_TYPE_INVALID, "unknown user type " + std::to_string(userType));
  }
}

Rv Logout(CK_SESSION_HANDLE hSession) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (!s.slot().Logout()) return Rv(CKR_USER_NOT_LOGGED_IN, "no user is logged in");
  return CKR_OK;
}

}  // namespace samp11::p11
