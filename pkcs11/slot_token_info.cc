// C_GetInfo, C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo.
#include <algorithm>
#include <cstring>
#include <string>

#include "pkcs11/core.h"
#include "pkcs11/module.h"

namespace samp11::p11 {
namespace {

// The project's version (CMakeLists.txt, project()): what C_GetInfo, the slot and the token say.
constexpr CK_VERSION kLibraryVersion = {SAMP11_VERSION_MAJOR, SAMP11_VERSION_MINOR};
constexpr char kManufacturer[] = "samp11";
// CK_INFO's 32 bytes: "samp11 Signature Activation Module" would be cut mid-word.
constexpr char kLibraryDescription[] = "samp11 Sig. Activation Module";
static_assert(sizeof(kLibraryDescription) - 1 <= sizeof(CK_INFO::libraryDescription));

// Blank-padded, no NUL, as PKCS#11 text fields are. Never cuts a UTF-8 character in two.
template <size_t N>
void Pad(CK_UTF8CHAR (&field)[N], const std::string& text) {
  size_t n = std::min(text.size(), N);
  while (n > 0 && n < text.size() && (static_cast<uint8_t>(text[n]) & 0xC0) == 0x80) --n;
  std::memset(field, ' ', N);
  std::memcpy(field, text.data(), n);
}

}  // namespace

Rv GetInfo(CK_INFO_PTR pInfo) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is NULL");
  pInfo->cryptokiVersion = {CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR};
  Pad(pInfo->manufacturerID, kManufacturer);
  pInfo->flags = 0;
  Pad(pInfo->libraryDescription, kLibraryDescription);
  pInfo->libraryVersion = kLibraryVersion;
  return CKR_OK;
}

Rv GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pulCount == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pulCount is NULL");
  std::vector<CK_SLOT_ID> ids;
  for (const auto& slot : module->slots()) {
    if (tokenPresent == CK_FALSE || slot->present()) ids.push_back(slot->id());
  }
  if (pSlotList == nullptr) {
    *pulCount = ids.size();
    return CKR_OK;
  }
  if (*pulCount < ids.size()) {
    *pulCount = ids.size();
    return Rv(CKR_BUFFER_TOO_SMALL, "slot list buffer too small");
  }
  std::copy(ids.begin(), ids.end(), pSlotList);
  *pulCount = ids.size();
  return CKR_OK;
}

Rv GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is NULL");
  P11_ASSIGN_OR_RETURN(Slot * slot, module->GetSlot(slotID));
  Pad(pInfo->slotDescription, "samp11 " + slot->configured_label());
  Pad(pInfo->manufacturerID, kManufacturer);
  // Not removable, not hardware: a keystore file that is there from C_Initialize on, or not.
  pInfo->flags = slot->present() ? CKF_TOKEN_PRESENT : 0;
  pInfo->hardwareVersion = kLibraryVersion;
  pInfo->firmwareVersion = kLibraryVersion;
  return CKR_OK;
}

Rv GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is NULL");
  P11_ASSIGN_OR_RETURN(Slot * slot, module->GetPresentSlot(slotID));
  Token& token = slot->token();
  Pad(pInfo->label, token.label());
  Pad(pInfo->manufacturerID, kManufacturer);
  Pad(pInfo->model, "SAM SCAL2");
  Pad(pInfo->serialNumber, token.identity().substr(0, 16));
  // CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED are about signers' PINs (SCAL1 keys) alone: a
  // refused SAD counts nothing, and consumers refuse to log in when they see those flags.
  pInfo->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
  P11_ASSIGN_OR_RETURN(PinState pins, FromResult(token.PinStatus()));
  if (pins.count_low) pInfo->flags |= CKF_USER_PIN_COUNT_LOW;
  if (pins.final_try) pInfo->flags |= CKF_USER_PIN_FINAL_TRY;
  if (pins.locked) pInfo->flags |= CKF_USER_PIN_LOCKED;
  if (token.sam().policy().protected_authentication_path) {
    pInfo->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  }
  const SessionTable::Counts counts = module->sessions().CountsFor(slot);
  pInfo->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  pInfo->ulSessionCount = counts.total;
  pInfo->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  pInfo->ulRwSessionCount = counts.read_write;
  pInfo->ulMaxPinLen = kMaxSadLength;
  pInfo->ulMinPinLen = 1;
  pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->hardwareVersion = kLibraryVersion;
  pInfo->firmwareVersion = kLibraryVersion;
  std::memset(pInfo->utcTime, ' ', sizeof(pInfo->utcTime));  // no CKF_CLOCK_ON_TOKEN
  return CKR_OK;
}

}  // namespace samp11::p11
