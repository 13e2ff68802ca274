// Attribute reads of SAD deposit objects (the rest is in deposit_objects.cc).
#pragma once

#include "common/bytes.h"
#include "pkcs11/rv_map.h"
#include "token/token.h"

namespace samp11::p11 {

bool IsDepositHandle(CK_OBJECT_HANDLE handle);
// The deposit id inside a deposit handle (0 if it is not one).
uint64_t DepositId(CK_OBJECT_HANDLE handle);

enum class DepositAttribute { kOk, kSensitive, kTypeInvalid };
RvOr<DepositAttribute> GetDepositAttribute(Token& token, CK_OBJECT_HANDLE handle,
                                           CK_ATTRIBUTE_TYPE type, Bytes* value);

}  // namespace samp11::p11
