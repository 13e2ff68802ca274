// The inner token: a connection (slot, login, anchor session) made on first use, and a pool of
// sessions leased one per operation. The module registry (inner_module.h) owns C_Initialize.
#include "keystore/inner_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "common/log.h"
#include "crypto/keys.h"
#include "cryptoki/hash_mechanisms.h"
#include "cryptoki/rv_names.h"
#include "keystore/inner_module.h"

namespace samp11 {

namespace {

// Templates are read, never written, by the module; CK_ATTRIBUTE just has no const pointer.
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const void* value, size_t size) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}

const CK_BBOOL kCkTrue = CK_TRUE;
const CK_BBOOL kCkFalse = CK_FALSE;

// The name PKCS#11 3.0 also accepts for Ed25519 in CKA_EC_PARAMS, tried when a module refuses
// the OID form.
const Bytes& Ed25519PrintableString() {
  static const Bytes name = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                             'd',  's',  '2', '5', '5', '1', '9'};
  return name;
}

// CK_TOKEN_INFO text fields are blank-padded (some modules pad with NULs).
std::string Trimmed(const unsigned char* field, size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

size_t BitLength(const Bytes& big_endian) {
  size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == 0) ++i;
  if (i == big_endian.size()) return 0;
  size_t bits = (big_endian.size() - i - 1) * 8;
  for (uint8_t top = big_endian[i]; top != 0; top >>= 1) ++bits;
  return bits;
}

// Which file a PIN came from, to recognise the same wrong PIN file on the next attempt.
struct PinFileId {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  struct timespec mtime = {};

  bool operator==(const PinFileId& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr size_t kMaxPinFileSize = 4096;
// How often Connect looks again for a token the module did not list, and Login tries again
// after a transient failure (see there).
constexpr int kTokenRescans = 6;
constexpr int kLoginRetries = 4;

// The first line of the PIN file, without its line end. The file must be a regular file that
// others can neither read nor write (a writable one lets anyone lock the token's PIN).
Result<SecureBytes> ReadPinFile(const std::string& path, PinFileId* id) {
  // O_NONBLOCK: a FIFO put in the PIN file's place must not hang the signing thread in open().
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    return Status(Code::kConfig, "cannot open PIN file " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status(Code::kConfig, "cannot stat PIN file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kConfig, "PIN file " + path + " is not a regular file");
  }
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    return Status(Code::kConfig,
                  "PIN file " + path + " is readable or writable by all users; chmod o-rw it");
  }
  if (static_cast<size_t>(st.st_size) > kMaxPinFileSize) {
    return Status(Code::kConfig, "PIN file " + path + " is too large for a PIN file");
  }
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  id->size = st.st_size;
  id->mtime = st.st_mtim;
  SecureBytes buffer(kMaxPinFileSize);
  size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status(Code::kConfig, "cannot read PIN file " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  size_t len = 0;
  while (len < got && buffer.data()[len] != '\n') ++len;
  if (len > 0 && buffer.data()[len - 1] == '\r') --len;
  if (len == 0) return Status(Code::kConfig, "PIN file " + path + " has an empty first line");
  // buffer is wiped (OPENSSL_cleanse) when it goes; so is the returned copy after the login.
  return SecureBytes(buffer.data(), len);
}

}  // namespace

class InnerToken::Impl {
 public:
  explicit Impl(InnerTokenConfig config);
  ~Impl();

  const std::string& Describe() const { return description_; }
  Result<InnerKey> GenerateKeyPair(KeyType type, const Bytes& id, const std::string& label);
  Result<std::vector<InnerKey>> FindPrivateKeys(const Bytes& id);
  Result<int> DestroyObjects(const Bytes& id);
  Result<Bytes> Sign(uint64_t handle, InnerMechanism mechanism, const Bytes& data,
                     const PssParams* pss);

 private:
  // One connection. Sessions leased from a connection that has since been dropped go back to
  // no pool: they are closed if the module still knows them, forgotten otherwise (the module may
  // already have handed the same handle number to a new session).
  struct Generation {
    uint64_t number = 0;  // 1, 2, ...: KnownKey::generation refers to it
    bool dropped = false;
    bool sessions_alive = true;  // when dropped: does the module still hold its sessions?
  };

  // One session, lent to one operation; goes back to the pool (or is discarded) when destroyed.
  class Lease {
   public:
    Lease(Impl* impl, CK_FUNCTION_LIST* functions, CK_SESSION_HANDLE session,
          std::shared_ptr<Generation> generation)
        : impl_(impl), fl_(functions), session_(session), generation_(std::move(generation)) {}
    Lease(Lease&& other) noexcept
        : impl_(std::exchange(other.impl_, nullptr)),
          fl_(other.fl_),
          session_(other.session_),
          generation_(std::move(other.generation_)),
          discard_(other.discard_),
          dead_(other.dead_),
          retry_(other.retry_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (impl_ != nullptr) impl_->Return(*this);
    }

    CK_FUNCTION_LIST* fl() const { return fl_; }
    CK_SESSION_HANDLE session() const { return session_; }
    const std::shared_ptr<Generation>& generation() const { return generation_; }
    // Closes the session instead of pooling it (an operation may still be active in it).
    void Discard() { discard_ = true; }
    // The module no longer knows the session: neither pool nor close it.
    void Dead() { discard_ = dead_ = true; }
    // The operation failed in a way a fresh connection or a fresh handle may cure; Run tries
    // it once more.
    void Retry(bool retry = true) { retry_ = retry; }
    bool retry() const { return retry_; }

   private:
    friend class Impl;
    Impl* impl_;
    CK_FUNCTION_LIST* fl_;
    CK_SESSION_HANDLE session_;
    std::shared_ptr<Generation> generation_;
    bool discard_ = false;
    bool dead_ = false;
    bool retry_ = false;
  };

  // A private key handed out by GenerateKeyPair or FindPrivateKeys, under the handle samp11
  // was given. Object handles of the module are not kept across connections: SoftHSM forgets
  // every handle of a slot when its last session closes and private ones at logout, and numbers
  // them afresh after C_Initialize, so an old number may name another object. samp11's handle
  // stays; the object behind it is found again by CKA_ID and must hold the same public key.
  struct KnownKey {
    Bytes id;
    KeyType type = KeyType::kEcP256;
    Bytes public_spki;
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;  // valid in the connection below
    uint64_t generation = 0;                      // Generation::number; 0 = look it up again
  };

  struct PinFailure {
    PinFileId file;
    Status status;
  };

  Result<Lease> Acquire();
  // Runs attempt(lease) on a leased session, and once more on a fresh lease (reconnecting if
  // needed) if the first attempt failed with lease.retry() set.
  template <typename T, typename F>
  Result<T> Run(F attempt);
  // Fails with CKR_USER_NOT_LOGGED_IN if the session lost the login (another user of the
  // module logged out): object searches would silently miss every private key.
  Status CheckLoggedIn(Lease& lease);
  // The private keys of id in this connection, handle = the module's object handle.
  Result<std::vector<InnerKey>> FindKeysIn(Lease& lease, const Bytes& id);
  // samp11's handle for a key found in lease's connection (the same handle as before for a key
  // samp11 already knows); sets key.handle to it.
  void Register(InnerKey& key, const Lease& lease);
  // The module's object handle for samp11's handle in lease's connection.
  Result<CK_OBJECT_HANDLE> Resolve(Lease& lease, uint64_t handle);
  void Return(Lease& lease);
  Status Connect();
  Result<CK_SLOT_ID> FindSlot(CK_FUNCTION_LIST* fl);
  // *stale: the module's view of the token file is out of date (SoftHSMv2 issue #757), and a
  // fresh C_Initialize may cure it.
  Status Login(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE anchor, bool* stale);
  void Drop(const std::shared_ptr<Generation>& generation, bool sessions_alive,
            const std::string& why);
  // The Status for a failed call, after the pool has reacted to it (session dead, connection
  // dropped). lease may be null (no session involved).
  Status Failure(Lease* lease, const std::shared_ptr<Generation>& generation,
                 const std::string& function, CK_RV rv);
  Status Failure(Lease& lease, const std::string& function, CK_RV rv) {
    return Failure(&lease, lease.generation(), function, rv);
  }
  // A failure while connecting (no connection to drop yet).
  Status ConnectFailure(const std::string& function, CK_RV rv);

  Result<std::optional<Bytes>> GetAttribute(Lease& lease, CK_OBJECT_HANDLE object,
                                            CK_ATTRIBUTE_TYPE type);
  Result<std::optional<CK_ULONG>> GetUlong(Lease& lease, CK_OBJECT_HANDLE object,
                                           CK_ATTRIBUTE_TYPE type);
  Result<std::optional<bool>> GetBool(Lease& lease, CK_OBJECT_HANDLE object,
                                      CK_ATTRIBUTE_TYPE type);
  Result<std::vector<CK_OBJECT_HANDLE>> FindObjects(Lease& lease, std::vector<CK_ATTRIBUTE> match);
  // The private key's attributes; nullopt if its type or size is not one samp11 supports.
  Result<std::optional<InnerKey>> ReadPrivateKey(Lease& lease, CK_OBJECT_HANDLE object,
                                                 const Bytes& id);
  // The public key a public key object holds (RSA, EC or Edwards).
  Result<EvpPkeyPtr> ReadPublicKey(Lease& lease, CK_OBJECT_HANDLE object);
  void DestroyQuietly(Lease& lease, CK_OBJECT_HANDLE object);

  const InnerTokenConfig config_;
  const std::string description_;

  // One connect at a time; guards module_ (set once) and pin_failure_.
  std::mutex connect_mu_;
  InnerModuleRef module_;
  std::optional<PinFailure> pin_failure_;
  int connects_ = 0;

  // The connection and its session pool.
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Generation> generation_;  // null: not connected
  CK_FUNCTION_LIST* fl_ = nullptr;
  pid_t pid_ = 0;  // the process that connected; a forked child connects again
  CK_SLOT_ID slot_ = 0;
  // Kept open while connected: the login lasts only as long as some session of ours is open.
  CK_SESSION_HANDLE anchor_ = CK_INVALID_HANDLE;
  std::vector<CK_SESSION_HANDLE> idle_;
  size_t open_ = 0;  // sessions of this generation, idle or leased (anchor not counted)
  uint64_t generations_ = 0;

  // The keys handed out, by samp11's handle.
  std::mutex keys_mu_;
  std::map<uint64_t, KnownKey> keys_;
  uint64_t next_handle_ = 1;
};

InnerToken::Impl::Impl(InnerTokenConfig config)
    : config_(std::move(config)),
      description_(config_.token_label.empty()
                       ? "token with serial '" + config_.token_serial + "' of " + config_.module
                       : "token '" + config_.token_label + "' of " + config_.module) {}

InnerToken::Impl::~Impl() {
  std::vector<CK_SESSION_HANDLE> to_close;
  CK_FUNCTION_LIST* fl = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation_ != nullptr && pid_ == ::getpid()) {
      to_close = idle_;
      if (anchor_ != CK_INVALID_HANDLE) to_close.push_back(anchor_);
      fl = fl_;
    }
    generation_.reset();
    idle_.clear();
  }
  for (CK_SESSION_HANDLE session : to_close) fl->C_CloseSession(session);
  // module_ goes last: the last user of the module finalizes it.
}

Status InnerToken::Impl::ConnectFailure(const std::string& function, CK_RV rv) {
  if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) module_.MarkNotInitialized();
  Code code =
      (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_RECOGNIZED)
          ? Code::kTokenNotPresent
          : Code::kDevice;
  return Status(code, description_ + ": " + function + " failed (" + CkrName(rv) + ")");
}

Status InnerToken::Impl::Failure(Lease* lease, const std::shared_ptr<Generation>& generation,
                                 const std::string& function, CK_RV rv) {
  Code code = Code::kDevice;
  bool drop = false;
  bool sessions_alive = false;
  switch (rv) {
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_RECOGNIZED:
      code = Code::kTokenNotPresent;
      drop = true;  // the module closes every session of a removed token
      break;
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
      // Someone closed our sessions (C_CloseAllSessions by an application that shares the
      // module, a device reset): the login went with them.
      drop = true;
      break;
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      // Someone finalized the module under us (an application that shares it).
      module_.MarkNotInitialized();
      drop = true;
      break;
    case CKR_USER_NOT_LOGGED_IN:
      // Logged out (an application that shares the module called C_Logout): the sessions are
      // still there; log in again on a fresh connection.
      drop = true;
      sessions_alive = true;
      break;
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
      code = Code::kNotFound;
      break;
    default:
      break;
  }
  if (lease != nullptr && drop && !sessions_alive) lease->Dead();
  // A lost session or login is cured by connecting again; a removed token is not.
  if (lease != nullptr && drop && code != Code::kTokenNotPresent) lease->Retry();
  Status status(code, description_ + ": " + function + " failed (" + CkrName(rv) + ")");
  if (drop) {
    Drop(generation, sessions_alive, status.message());
  } else if (code == Code::kNotFound) {
    SAMP11_LOG(kInfo, status.message());
  } else {
    SAMP11_LOG(kWarn, status.message());
  }
  return status;
}

void InnerToken::Impl::Drop(const std::shared_ptr<Generation>& generation, bool sessions_alive,
                            const std::string& why) {
  std::vector<CK_SESSION_HANDLE> to_close;
  CK_FUNCTION_LIST* fl = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation == nullptr || generation != generation_) return;  // dropped already
    generation_->dropped = true;
    generation_->sessions_alive = sessions_alive;
    if (sessions_alive) {
      to_close = idle_;
      if (anchor_ != CK_INVALID_HANDLE) to_close.push_back(anchor_);
    }
    fl = fl_;
    generation_.reset();
    idle_.clear();
    open_ = 0;
    anchor_ = CK_INVALID_HANDLE;
    cv_.notify_all();  // waiters connect again instead of waiting for this generation's sessions
  }
  SAMP11_LOG(kWarn, "dropping the connection: " << why << "; the next operation connects again");
  for (CK_SESSION_HANDLE session : to_close) fl->C_CloseSession(session);
}

Result<InnerToken::Impl::Lease> InnerToken::Impl::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (generation_ != nullptr && pid_ != ::getpid()) {
      // A forked child: the sessions are the parent's. Forget them without a call (closing
      // them here could close a session the parent process still uses on a network HSM).
      generation_->dropped = true;
      generation_->sessions_alive = false;
      generation_.reset();
      idle_.clear();
      open_ = 0;
      anchor_ = CK_INVALID_HANDLE;
    }
    if (generation_ == nullptr) {
      lock.unlock();
      SAMP11_RETURN_IF_ERROR(Connect());
      lock.lock();
      continue;
    }
    if (!idle_.empty()) {
      CK_SESSION_HANDLE session = idle_.back();
      idle_.pop_back();
      return Lease(this, fl_, session, generation_);
    }
    if (open_ < config_.max_sessions) {
      ++open_;
      std::shared_ptr<Generation> generation = generation_;
      CK_FUNCTION_LIST* fl = fl_;
      CK_SLOT_ID slot = slot_;
      lock.unlock();
      CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
      CK_RV rv =
          fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
      if (rv == CKR_OK) return Lease(this, fl, session, std::move(generation));
      lock.lock();
      if (generation == generation_) {
        --open_;
        cv_.notify_one();
      }
      lock.unlock();
      return Failure(nullptr, generation, "C_OpenSession", rv);
    }
    cv_.wait(lock);
  }
}

void InnerToken::Impl::Return(Lease& lease) {
  bool close = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lease.generation_->dropped) {
      close = !lease.dead_ && lease.generation_->sessions_alive;
    } else if (lease.discard_) {
      close = !lease.dead_;
      --open_;
      cv_.notify_one();
    } else {
      idle_.push_back(lease.session_);
      cv_.notify_one();
    }
  }
  if (close) lease.fl_->C_CloseSession(lease.session_);
}

Result<CK_SLOT_ID> InnerToken::Impl::FindSlot(CK_FUNCTION_LIST* fl) {
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

Status InnerToken::Impl::Login(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE anchor, bool* stale) {
  *stale = false;
  PinFileId file;
  Result<SecureBytes> read = ReadPinFile(config_.pin_file, &file);
  // Found at first use, a PIN file that cannot serve is the inner token failing the caller
  // (CKR_DEVICE_ERROR, audited as an error), not a configuration the module could refuse at load.
  if (!read.ok()) return Status(Code::kDevice, read.status().message());
  SecureBytes pin = std::move(*read);
  // A wrong PIN is not tried again until the PIN file changes: every attempt counts towards the
  // token's lockout, and a token whose PIN is locked needs its security officer.
  if (pin_failure_.has_value() && pin_failure_->file == file) {
    return Status(pin_failure_->status.code(), pin_failure_->status.message() +
                                                   "; not tried again until " + config_.pin_file +
                                                   " changes");
  }
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
    pin_failure_.reset();
    return Status::Ok();
  }
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
    Status status(Code::kDevice, "wrong PIN for " + description_ + " in " + config_.pin_file +
                                     " (" + CkrName(rv) + ")");
    pin_failure_ = PinFailure{file, status};
    return status;
  }
  if (rv == CKR_PIN_LOCKED) {
    return Status(Code::kDevice,
                  "the user PIN of " + description_ + " is locked (" + CkrName(rv) + ")");
  }
  *stale = rv == CKR_GENERAL_ERROR || rv == CKR_USER_PIN_NOT_INITIALIZED;
  return ConnectFailure("C_Login", rv);
}

Status InnerToken::Impl::Connect() {
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

Result<std::optional<Bytes>> InnerToken::Impl::GetAttribute(Lease& lease, CK_OBJECT_HANDLE object,
                                                            CK_ATTRIBUTE_TYPE type) {
  using Value = std::optional<Bytes>;
  CK_ATTRIBUTE attribute{type, nullptr, 0};
  CK_RV rv = lease.fl()->C_GetAttributeValue(lease.session(), object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) return Value();
  if (rv != CKR_OK) return Failure(lease, "C_GetAttributeValue", rv);
  if (attribute.ulValueLen == CK_UNAVAILABLE_INFORMATION) return Value();
  Bytes value(attribute.ulValueLen);
  attribute.pValue = value.data();
  rv = lease.fl()->C_GetAttributeValue(lease.session(), object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) return Value();
  if (rv != CKR_OK) return Failure(lease, "C_GetAttributeValue", rv);
  if (attribute.ulValueLen > value.size()) return Value();
  value.resize(attribute.ulValueLen);
  return Value(std::move(value));
}

Result<std::optional<CK_ULONG>> InnerToken::Impl::GetUlong(Lease& lease, CK_OBJECT_HANDLE object,
                                                           CK_ATTRIBUTE_TYPE type) {
  using Value = std::optional<CK_ULONG>;
  SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> raw, GetAttribute(lease, object, type));
  if (!raw.has_value() || raw->size() != sizeof(CK_ULONG)) return Value();
  CK_ULONG value = 0;
  std::memcpy(&value, raw->data(), sizeof value);
  return Value(value);
}

Result<std::optional<bool>> InnerToken::Impl::GetBool(Lease& lease, CK_OBJECT_HANDLE object,
                                                      CK_ATTRIBUTE_TYPE type) {
  using Value = std::optional<bool>;
  SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> raw, GetAttribute(lease, object, type));
  if (!raw.has_value() || raw->size() != sizeof(CK_BBOOL)) return Value();
  return Value((*raw)[0] != CK_FALSE);
}

Result<std::vector<CK_OBJECT_HANDLE>> InnerToken::Impl::FindObjects(
    Lease& lease, std::vector<CK_ATTRIBUTE> match) {
  CK_FUNCTION_LIST* fl = lease.fl();
  CK_RV rv =
      fl->C_FindObjectsInit(lease.session(), match.data(), static_cast<CK_ULONG>(match.size()));
  if (rv != CKR_OK) {
    if (rv == CKR_OPERATION_ACTIVE) lease.Discard();
    return Failure(lease, "C_FindObjectsInit", rv);
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
    return Failure(lease, "C_FindObjects", rv);
  }
  if (final_rv != CKR_OK) {
    lease.Discard();
    return Failure(lease, "C_FindObjectsFinal", final_rv);
  }
  return found;
}

Result<std::optional<InnerKey>> InnerToken::Impl::ReadPrivateKey(Lease& lease,
                                                                 CK_OBJECT_HANDLE object,
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
        SAMP11_LOG(kInfo, description_ << ": RSA key object " << object
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
        SAMP11_LOG(kInfo, description_ << ": EC key object " << object
                                       << " is not on a supported curve; skipped");
        return Value();
      }
      key.type = *type;
      break;
    }
    default:
      SAMP11_LOG(kInfo, description_ << ": key object " << object << " has key type " << *key_type
                                     << ", not supported; skipped");
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

Result<EvpPkeyPtr> InnerToken::Impl::ReadPublicKey(Lease& lease, CK_OBJECT_HANDLE object) {
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

template <typename T, typename F>
Result<T> InnerToken::Impl::Run(F attempt) {
  for (int tries = 0;; ++tries) {
    SAMP11_ASSIGN_OR_RETURN(Lease lease, Acquire());
    Result<T> result = attempt(lease);
    if (result.ok() || tries > 0 || !lease.retry()) return result;
    SAMP11_LOG(kInfo, description_ << ": trying once more after " << result.status().message());
  }
}

Status InnerToken::Impl::CheckLoggedIn(Lease& lease) {
  CK_SESSION_INFO info{};
  CK_RV rv = lease.fl()->C_GetSessionInfo(lease.session(), &info);
  if (rv != CKR_OK) return Failure(lease, "C_GetSessionInfo", rv);
  if (info.state == CKS_RO_PUBLIC_SESSION || info.state == CKS_RW_PUBLIC_SESSION) {
    return Failure(lease, "the session's login check", CKR_USER_NOT_LOGGED_IN);
  }
  return Status::Ok();
}

Result<std::vector<InnerKey>> InnerToken::Impl::FindKeysIn(Lease& lease, const Bytes& id) {
  static const CK_OBJECT_CLASS kPrivate = CKO_PRIVATE_KEY;
  static const CK_OBJECT_CLASS kPublic = CKO_PUBLIC_KEY;
  SAMP11_RETURN_IF_ERROR(CheckLoggedIn(lease));
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
      SAMP11_LOG(kWarn, description_ << ": public key object " << public_objects[0] << " of id "
                                     << HexEncode(id)
                                     << " is not usable: " << spki.status().message());
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
        SAMP11_LOG(kWarn, description_ << ": public key object of id " << HexEncode(id)
                                       << " does not match private key object " << object);
      }
    }
    keys.push_back(std::move(found));
  }
  return keys;
}

void InnerToken::Impl::Register(InnerKey& key, const Lease& lease) {
  uint64_t generation = lease.generation()->number;
  std::lock_guard<std::mutex> lock(keys_mu_);
  for (auto& [handle, known] : keys_) {
    if (known.id != key.id || known.type != key.type) continue;
    // The same key is the same public key; without one, only the same object now.
    bool same = !known.public_spki.empty() && !key.public_spki.empty()
                    ? known.public_spki == key.public_spki
                    : known.object == key.handle && known.generation == generation;
    if (!same) continue;
    known.object = key.handle;
    known.generation = generation;
    if (known.public_spki.empty()) known.public_spki = key.public_spki;
    key.handle = handle;
    return;
  }
  uint64_t handle = next_handle_++;
  keys_.emplace(handle, KnownKey{key.id, key.type, key.public_spki,
                                 static_cast<CK_OBJECT_HANDLE>(key.handle), generation});
  key.handle = handle;
}

Result<CK_OBJECT_HANDLE> InnerToken::Impl::Resolve(Lease& lease, uint64_t handle) {
  uint64_t generation = lease.generation()->number;
  KnownKey known;
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    auto found = keys_.find(handle);
    if (found == keys_.end()) {
      return Status(Code::kNotFound,
                    description_ + ": key handle " + std::to_string(handle) +
                        " is not valid (CKR_KEY_HANDLE_INVALID): destroyed, or not found "
                        "through this inner token");
    }
    if (found->second.generation == generation) return found->second.object;
    known = found->second;
  }
  if (known.public_spki.empty()) {
    return Status(Code::kNotFound, description_ + ": the key of id " + HexEncode(known.id) +
                                       " cannot be recognised after reconnecting, having no "
                                       "public key (CKR_KEY_HANDLE_INVALID)");
  }
  SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> keys, FindKeysIn(lease, known.id));
  for (const InnerKey& key : keys) {
    if (key.type != known.type || key.public_spki != known.public_spki) continue;
    std::lock_guard<std::mutex> lock(keys_mu_);
    auto found = keys_.find(handle);
    if (found == keys_.end()) break;  // destroyed meanwhile
    found->second.object = static_cast<CK_OBJECT_HANDLE>(key.handle);
    found->second.generation = generation;
    SAMP11_LOG(kInfo, description_ << ": key of id " << HexEncode(known.id)
                                   << " found again as object " << key.handle);
    return found->second.object;
  }
  return Status(Code::kNotFound, description_ + ": the key of id " + HexEncode(known.id) +
                                     " is no longer on the token (CKR_KEY_HANDLE_INVALID)");
}

void InnerToken::Impl::DestroyQuietly(Lease& lease, CK_OBJECT_HANDLE object) {
  CK_RV rv = lease.fl()->C_DestroyObject(lease.session(), object);
  if (rv != CKR_OK) {
    SAMP11_LOG(kWarn, description_ << ": C_DestroyObject of object " << object << " failed ("
                                   << CkrName(rv) << "); DestroyObjects removes it later");
  }
}

Result<InnerKey> InnerToken::Impl::GenerateKeyPair(KeyType type, const Bytes& id,
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

  return Run<InnerKey>([&](Lease& lease) -> Result<InnerKey> {
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
      SAMP11_LOG(kInfo, description_ << ": CKA_EC_PARAMS as an OID refused (" << CkrName(rv)
                                     << "); trying the curve name");
      const Bytes& name = Ed25519PrintableString();
      public_template[params_index] = Attr(CKA_EC_PARAMS, name.data(), name.size());
      rv = generate();
    }
    if (rv != CKR_OK) {
      return Failure(lease, std::string("C_GenerateKeyPair (") + KeyTypeName(type) + ")", rv);
    }
    // From here on a failure leaves no half-made key pair behind, and is not retried: a second
    // pair under the same CKA_ID would make the first one's leftovers ambiguous.
    Result<InnerKey> made = [&]() -> Result<InnerKey> {
      SAMP11_ASSIGN_OR_RETURN(std::optional<InnerKey> key, ReadPrivateKey(lease, private_key, id));
      if (!key.has_value() || key->type != type) {
        return Status(Code::kDevice, description_ + ": the generated " + KeyTypeName(type) +
                                         " key reads back as another key type");
      }
      SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr public_pkey, ReadPublicKey(lease, public_key));
      SAMP11_ASSIGN_OR_RETURN(KeyType public_type, KeyTypeOf(public_pkey.get()));
      if (public_type != type) {
        return Status(Code::kDevice, description_ + ": the generated " + KeyTypeName(type) +
                                         " public key reads back as " + KeyTypeName(public_type));
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
    Register(*made, lease);
    SAMP11_LOG(kInfo, description_ << ": generated " << KeyTypeName(type) << " key pair, id "
                                   << HexEncode(id));
    return made;
  });
}

Result<std::vector<InnerKey>> InnerToken::Impl::FindPrivateKeys(const Bytes& id) {
  if (id.empty()) return Status(Code::kArgumentsBad, "inner key search needs a CKA_ID");
  return Run<std::vector<InnerKey>>([&](Lease& lease) -> Result<std::vector<InnerKey>> {
    SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> keys, FindKeysIn(lease, id));
    for (InnerKey& key : keys) Register(key, lease);
    return keys;
  });
}

Result<int> InnerToken::Impl::DestroyObjects(const Bytes& id) {
  // An empty CKA_ID matches every object without one: never a deliberate target.
  if (id.empty()) return Status(Code::kArgumentsBad, "inner object destruction needs a CKA_ID");
  Result<int> destroyed = Run<int>([&](Lease& lease) -> Result<int> {
    SAMP11_RETURN_IF_ERROR(CheckLoggedIn(lease));  // else the private key would be missed
    SAMP11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> objects,
                            FindObjects(lease, {Attr(CKA_ID, id.data(), id.size())}));
    int count = 0;
    for (CK_OBJECT_HANDLE object : objects) {
      CK_RV rv = lease.fl()->C_DestroyObject(lease.session(), object);
      if (rv == CKR_OBJECT_HANDLE_INVALID) continue;  // gone already
      if (rv != CKR_OK) return Failure(lease, "C_DestroyObject", rv);
      ++count;
    }
    return count;
  });
  {
    // Even after a partial failure: a handle must not outlive the key it named.
    std::lock_guard<std::mutex> lock(keys_mu_);
    for (auto it = keys_.begin(); it != keys_.end();) {
      it = it->second.id == id ? keys_.erase(it) : std::next(it);
    }
  }
  if (destroyed.ok()) {
    SAMP11_LOG(kInfo, description_ << ": destroyed " << *destroyed << " object(s) of id "
                                   << HexEncode(id));
  }
  return destroyed;
}

Result<Bytes> InnerToken::Impl::Sign(uint64_t handle, InnerMechanism mechanism, const Bytes& data,
                                     const PssParams* pss) {
  CK_MECHANISM mech{};
  CK_RSA_PKCS_PSS_PARAMS pss_params{};
  switch (mechanism) {
    case InnerMechanism::kEcdsa:
      mech.mechanism = CKM_ECDSA;
      break;
    case InnerMechanism::kRsaPkcs:
      mech.mechanism = CKM_RSA_PKCS;
      break;
    case InnerMechanism::kRsaPss:
      if (pss == nullptr) return Status(Code::kMechanismParamInvalid, "PSS parameters missing");
      mech.mechanism = CKM_RSA_PKCS_PSS;
      pss_params.hashAlg = HashMechanism(pss->hash);
      pss_params.mgf = Mgf1(pss->mgf1_hash);
      pss_params.sLen = static_cast<CK_ULONG>(pss->salt_length);
      mech.pParameter = &pss_params;
      mech.ulParameterLen = sizeof pss_params;
      break;
    case InnerMechanism::kEddsa:
      mech.mechanism = CKM_EDDSA;  // no parameters: pure Ed25519
      break;
  }
  return Run<Bytes>([&](Lease& lease) -> Result<Bytes> {
    SAMP11_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE object, Resolve(lease, handle));
    CK_FUNCTION_LIST* fl = lease.fl();
    CK_RV rv = fl->C_SignInit(lease.session(), &mech, object);
    if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID) {
      // SoftHSM answers so, not CKR_USER_NOT_LOGGED_IN, for a private key after a logout.
      SAMP11_RETURN_IF_ERROR(CheckLoggedIn(lease));
      // Else the module renumbered its objects (or the key is gone): look it up again by its
      // CKA_ID and public key, once.
      std::lock_guard<std::mutex> lock(keys_mu_);
      auto known = keys_.find(handle);
      if (known != keys_.end() && known->second.object == object) known->second.generation = 0;
      lease.Retry();
    }
    if (rv != CKR_OK) {
      if (rv == CKR_OPERATION_ACTIVE) lease.Discard();
      return Failure(lease, "C_SignInit", rv);
    }
    // Large enough for RSA-4096 (512 bytes) and every other signature, so one call does it.
    Bytes signature(1024);
    CK_ULONG size = static_cast<CK_ULONG>(signature.size());
    rv = fl->C_Sign(lease.session(), const_cast<CK_BYTE*>(data.data()),
                    static_cast<CK_ULONG>(data.size()), signature.data(), &size);
    if (rv != CKR_OK) {
      // C_Sign ends the operation on most errors but not all (CKR_BUFFER_TOO_SMALL), and
      // modules differ: a session that may still hold an operation would fail the next signer
      // with CKR_OPERATION_ACTIVE. A fresh session is cheap.
      lease.Discard();
      return Failure(lease, "C_Sign", rv);
    }
    signature.resize(size);
    return signature;
  });
}

// The public class.

Result<std::shared_ptr<InnerToken>> InnerToken::Create(const InnerTokenConfig& config) {
  if (config.module.empty() || config.module[0] != '/') {
    return Status(Code::kConfig, "inner token: the PKCS#11 module must be an absolute path, not '" +
                                     config.module + "'");
  }
  if (config.token_label.empty() == config.token_serial.empty()) {
    return Status(Code::kConfig, "inner token: name exactly one of the token label and serial");
  }
  // Longer names never match the fixed-size CK_TOKEN_INFO fields.
  if (config.token_label.size() > 32 || config.token_serial.size() > 16) {
    return Status(Code::kConfig, "inner token: label over 32 or serial over 16 characters");
  }
  if (config.pin_file.empty()) {
    return Status(Code::kConfig, "inner token: no PIN file named");
  }
  if (config.max_sessions == 0) {
    return Status(Code::kConfig, "inner token: max_sessions must be at least 1");
  }
  return std::shared_ptr<InnerToken>(new InnerToken(std::make_unique<Impl>(config)));
}

InnerToken::InnerToken(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InnerToken::~InnerToken() = default;

std::string InnerToken::Describe() const { return impl_->Describe(); }

Result<InnerKey> InnerToken::GenerateKeyPair(KeyType type, const Bytes& id,
                                             const std::string& label) {
  return impl_->GenerateKeyPair(type, id, label);
}

Result<std::vector<InnerKey>> InnerToken::FindPrivateKeys(const Bytes& id) {
  return impl_->FindPrivateKeys(id);
}

Result<int> InnerToken::DestroyObjects(const Bytes& id) { return impl_->DestroyObjects(id); }

Result<Bytes> InnerToken::Sign(uint64_t handle, InnerMechanism mechanism, const Bytes& data,
                               const PssParams* pss) {
  return impl_->Sign(handle, mechanism, data, pss);
}

}  // namespace samp11
