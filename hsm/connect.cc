// Connecting to the inner token: the slot whose token has the configured label or serial, an
// anchor session, and the login with the PIN file's PIN; with the retries SoftHSMv2's file store
// needs when several processes share one token (issue #757).
#include <unistd.h>

#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "cryptoki/rv_names.h"
#include "hsm/session_pool.h"

namespace samp11::inner {
namespace {

// How often Connect looks again for a token the module did not list, and Login tries again
// after a transient failure (see there).
constexpr int kTokenRescans = 6;
constexpr int kLoginRetries = 4;

// CK_TOKEN_INFO text fields are blank-padded (some modules pad with NULs).
std::string Trimmed(const unsigned char* field, size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

Result<CK_SLOT_ID> SessionPool::FindSlot(CK_FUNCTION_LIST* fl) {
  std::vector<CK_SLOT_ID> slots;
  for (;;) {
    CK_ULONG count = 0;
    CK_RV rv = fl->C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) return ConnectFailure("C_GetSlotList", rv);
    slots.resize(count);
    rv = fl->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;  // a token arrived between the two calls
    if (rv != CKR_OK) return ConnectFailure("C_GetSlotList", rv);
    slots.resize(count);
    break;
  }
  std::string seen;
  std::optional<CK_SLOT_ID> match;
  CK_TOKEN_INFO match_info{};
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    if (fl->C_GetTokenInfo(slot, &info) != CKR_OK) continue;  // removed meanwhile
    std::string label = Trimmed(info.label, sizeof info.label);
    std::string serial = Trimmed(info.serialNumber, sizeof info.serialNumber);
    if (!seen.empty()) seen += ", ";
    seen += "'" + label + "' (serial " + serial +
            ((info.flags & CKF_TOKEN_INITIALIZED) != 0 ? ")" : ", not initialized)");
    bool matches =
        config_.token_label.empty() ? serial == config_.token_serial : label == config_.token_label;
    if (!matches) continue;
    if (match.has_value()) {
      SAMP11_LOG(kWarn, description_ << ": several tokens match; using the one in slot " << *match);
      continue;
    }
    match = slot;
    match_info = info;
  }
  if (!match.has_value()) {
    return Status(Code::kTokenNotPresent, description_ + " is not present (tokens seen: " +
                                              (seen.empty() ? std::string("none") : seen) + ")");
  }
  if ((match_info.flags & CKF_USER_PIN_LOCKED) != 0) {
    return Status(Code::kDevice,
                  "the user PIN of " + description_ + " is locked (CKF_USER_PIN_LOCKED)");
  }
  if ((match_info.flags & CKF_USER_PIN_INITIALIZED) == 0) {
    return Status(Code::kDevice,
                  description_ + " has no user PIN (CKF_USER_PIN_INITIALIZED is not set)");
  }
  return *match;
}

Status SessionPool::Login(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE anchor, bool* stale) {
  *stale = false;
  // A wrong PIN is not offered again until the PIN file changes (pin_file.h).
  SAMP11_ASSIGN_OR_RETURN(SecureBytes pin, pin_file_.Read());
  CK_RV rv = fl->C_Login(anchor, CKU_USER, pin.data(), static_cast<CK_ULONG>(pin.size()));
  // SoftHSMv2 answers CKR_GENERAL_ERROR, or CKR_USER_PIN_NOT_INITIALIZED although FindSlot saw
  // the PIN initialized, when another process rewrites its token file during this login (issue
  // #757): a transient fault, not a PIN verdict, so it is tried again.
  // Processes that started together would retry together and rewrite the file into each
  // other's logins again: each waits a little more, plus a share of its own (by pid).
  std::minstd_rand jitter(static_cast<unsigned>(::getpid()));
  for (int attempt = 1;
       (rv == CKR_GENERAL_ERROR || rv == CKR_USER_PIN_NOT_INITIALIZED) && attempt <= kLoginRetries;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt + jitter() % 25));
    rv = fl->C_Login(anchor, CKU_USER, pin.data(), static_cast<CK_ULONG>(pin.size()));
  }
  pin.Wipe();
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
    pin_file_.Accepted();
    return Status::Ok();
  }
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
    Status status(Code::kDevice, "wrong PIN for " + description_ + " in " + config_.pin_file +
                                     " (" + CkrName(rv) + ")");
    pin_file_.Refused(status);
    return status;
  }
  if (rv == CKR_PIN_LOCKED) {
    return Status(Code::kDevice,
                  "the user PIN of " + description_ + " is locked (" + CkrName(rv) + ")");
  }
  *stale = rv == CKR_GENERAL_ERROR || rv == CKR_USER_PIN_NOT_INITIALIZED;
  return ConnectFailure("C_Login", rv);
}

Status SessionPool::Connect() {
  std::lock_guard<std::mutex> connecting(connect_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation_ != nullptr && pid_ == ::getpid()) return Status::Ok();  // another thread did
  }
  Status status = [&]() -> Status {
    if (!module_) {
      SAMP11_ASSIGN_OR_RETURN(module_, InnerModuleRef::Acquire(config_.module));
    }
    SAMP11_RETURN_IF_ERROR(module_.EnsureInitialized());
    CK_FUNCTION_LIST* fl = module_.functions();
    Result<CK_SLOT_ID> found = FindSlot(fl);
    // SoftHSMv2 rewrites its token file in place at every C_Login, and a process whose
    // C_Initialize reads it meanwhile does not see the token (SoftHSMv2 issue #757): with several
    // signing processes on one token that is a startup race, not an absent token. The module
    // reads its store again at C_Initialize, so a missing token is looked for again a few times,
    // when samp11 alone holds the module in this process.
    for (int attempt = 1;
         !found.ok() && found.status().code() == Code::kTokenNotPresent && attempt <= kTokenRescans;
         ++attempt) {
      SAMP11_ASSIGN_OR_RETURN(bool reinitialized, module_.Reinitialize());
      if (!reinitialized) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25 * attempt));
      found = FindSlot(fl);
    }
    SAMP11_ASSIGN_OR_RETURN(CK_SLOT_ID slot, std::move(found));
    CK_SESSION_HANDLE anchor = CK_INVALID_HANDLE;
    // A login that keeps failing as if the PIN were not set read the token file while another
    // process rewrote it: the module keeps that view until it reads its store again, at
    // C_Initialize (when samp11 alone holds it).
    for (int reread = 0;; ++reread) {
      CK_RV rv =
          fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &anchor);
      if (rv != CKR_OK) return ConnectFailure("C_OpenSession", rv);
      bool stale = false;
      Status login = Login(fl, anchor, &stale);
      if (login.ok()) break;
      fl->C_CloseSession(anchor);
      if (!stale || reread >= kTokenRescans) return login;
      SAMP11_ASSIGN_OR_RETURN(bool reinitialized, module_.Reinitialize());
      if (!reinitialized) return login;
      SAMP11_LOG(kInfo, description_ << ": " << login.message() << "; reading the token again");
      SAMP11_ASSIGN_OR_RETURN(slot, FindSlot(fl));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fl_ = fl;
      slot_ = slot;
      anchor_ = anchor;
      pid_ = ::getpid();
      idle_.clear();
      open_ = 0;
      generation_ = std::make_shared<Generation>();
      generation_->number = ++generations_;
      cv_.notify_all();
    }
    SAMP11_LOG(kInfo, (connects_++ == 0 ? "connected to " : "reconnected to ")
                          << description_ << " (slot " << slot << ", up to " << config_.max_sessions
                          << " sessions)");
    return Status::Ok();
  }();
  if (!status.ok()) SAMP11_LOG(kWarn, "cannot connect: " << status.message());
  return status;
}

}  // namespace samp11::inner
