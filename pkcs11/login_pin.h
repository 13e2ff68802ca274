// C_Login(CKU_USER) with a PIN rather than a SAD: the SCAL1 path (sam/scal1.h).
#pragma once

#include "pkcs11/session.h"

namespace samp11::p11 {

// A value that is not a SAD (sam/scal1.h, LooksLikeSad) is a PIN login.
bool IsPinLogin(CK_UTF8CHAR_PTR pin, CK_ULONG len);

// "NAME:PIN" or a bare PIN: the slot's user login becomes that signer's PIN activation.
// CKR_PIN_INCORRECT for a wrong PIN (each counted), CKR_PIN_LOCKED once locked.
Rv LoginUserPin(SessionRef& s, CK_UTF8CHAR_PTR pin, CK_ULONG len);

}  // namespace samp11::p11
