#include "pg_fault_node.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "config/config.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "keystore/keystore.h"
#include "keystore/master_key.h"
#include "sad/sad.h"
#include "token/open_keystore.h"

namespace samp11::testing {
namespace {

constexpr char kSigner[] = "alice";
constexpr char kSchema[] = "samp11";

CK_FUNCTION_LIST_PTR LoadModule() {
  static CK_FUNCTION_LIST_PTR list = [] {
    void* lib = dlopen(SAMP11_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    if (get == nullptr) throw std::runtime_error("no C_GetFunctionList");
    CK_FUNCTION_LIST_PTR l = nullptr;
    if (get(&l) != CKR_OK) throw std::runtime_error("C_GetFunctionList failed");
    return l;
  }();
  return list;
}

template <typename T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) throw std::runtime_error(std::string(what) + ": " + result.status().ToString());
  return std::move(result).value();
}

void Must(const Status& status, const char* what) {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.ToString());
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

PgFaultNode::PgFaultNode(const std::string& conninfo, int timeout_seconds) {
  TokenConfig& token = token_;
  token.label = "faults";
  token.database = DatabaseConfig{conninfo, kSchema, "node-1", timeout_seconds};
  token.master = {MasterKeySource::Kind::kKeyFile, dir_.File("master.key")};
  Must(CreateMasterKeyFile(token.master.location), "master key");
  // As a node runs: its rollback anchor (docs/security.md) outside the database, which must raise
  // no alarm over a restart or a failover, and its checkpoints.
  token.rollback_anchor = RollbackAnchorConfig{dir_.File("anchor"), false};
  CheckpointsConfig checkpoints;
  checkpoints.file = dir_.File("checkpoints");
  checkpoints.every_records = 10;
  token.checkpoints = checkpoints;
  {
    std::unique_ptr<Keystore> keystore = Must(
        Keystore::Create(*TokenLocation(token), token.master, token.label), "the token's state");
    identity_ = keystore->identity();
    device_ = Must(GenerateKey(KeyType::kEcP256), "device key");
    Must(keystore->signers().AddSigner(kSigner), "signer");
    kid_ = Must(
        keystore->signers().AddActivationKey(ActivationKeyRole::kDevice, kSigner, device_.get()),
        "device");
    UnwrappedKey key =
        Must(keystore->keys().GenerateKey(kSigner, KeyType::kEcP256, "alice-key", 2), "key");
    key_id_ = key.info.id;
    public_key_ = Must(PublicKeyFromSpki(key.info.public_spki), "public key");
  }
  ModuleConfig config;
  config.tokens.push_back(token);
  Must(SaveConfig(config, dir_.File("samp11.json")), "configuration");
  setenv("SAMP11_CONF", dir_.File("samp11.json").c_str(), 1);
  p11_ = LoadModule();
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  REQUIRE(p11_->C_Initialize(&args) == CKR_OK);

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  REQUIRE(p11_->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &session) == CKR_OK);
  CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
  Bytes id = key_id_;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &klass, sizeof klass},
                         {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_ULONG count = 0;
  REQUIRE(p11_->C_FindObjectsInit(session, tmpl, 2) == CKR_OK);
  REQUIRE(p11_->C_FindObjects(session, &key_, 1, &count) == CKR_OK);
  REQUIRE(p11_->C_FindObjectsFinal(session) == CKR_OK);
  REQUIRE(count == 1);
  REQUIRE(p11_->C_CloseSession(session) == CKR_OK);
}

PgFaultNode::~PgFaultNode() {
  if (p11_ != nullptr) p11_->C_Finalize(nullptr);
}

PgOptions PgFaultNode::OptionsFor(const std::string& conninfo) const {
  PgOptions options;
  options.conninfo = conninfo;
  options.schema = kSchema;
  return options;
}

std::string PgFaultNode::VerifyAudit(const std::string& conninfo, int64_t* records) const {
  TokenConfig token = token_;
  token.database->conninfo = conninfo;
  std::unique_ptr<Keystore> view = Must(OpenNodeView(token, token.database->node), "node view");
  AuditReport report = Must(view->audit().Verify(), "audit verify");
  *records = report.records;
  std::string problems;
  for (const AuditProblem& problem : report.problems) {
    problems += problem.what + "; ";
  }
  return problems;
}

std::string PgFaultNode::SadFor(const std::string& jti, const Bytes& data) {
  SadClaims claims;
  claims.sub = kSigner;
  claims.iss = kSigner;
  claims.aud = identity_;
  claims.credential_id = HexEncode(key_id_);
  claims.hash_alg = HashAlg::kSha256;
  claims.hashes = {Digest(HashAlg::kSha256, data)};
  claims.iat = static_cast<int64_t>(std::time(nullptr));
  claims.exp = claims.iat + 300;
  claims.jti = jti;
  return Must(IssueSad(claims, kid_, device_.get()), "SAD");
}

SignAttempt PgFaultNode::NewAttempt(const std::string& jti) {
  SignAttempt attempt;
  attempt.jti = jti;
  const std::string text = "document " + jti;
  attempt.data.assign(text.begin(), text.end());
  attempt.hash = Digest(HashAlg::kSha256, attempt.data);
  attempt.sad = SadFor(jti, attempt.data);
  return attempt;
}

void PgFaultNode::Sign(SignAttempt& attempt) {
  const auto started = std::chrono::steady_clock::now();
  attempt.signature.clear();
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_RV rv = p11_->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
  CK_MECHANISM mechanism{CKM_ECDSA_SHA256, nullptr, 0};
  if (rv == CKR_OK) rv = p11_->C_SignInit(session, &mechanism, key_);
  if (rv == CKR_OK) {
    std::string sad = attempt.sad;
    rv = p11_->C_Login(session, CKU_CONTEXT_SPECIFIC, reinterpret_cast<CK_UTF8CHAR_PTR>(sad.data()),
                       static_cast<CK_ULONG>(sad.size()));
  }
  Bytes data = attempt.data;
  CK_ULONG length = 0;
  if (rv == CKR_OK) {
    rv = p11_->C_Sign(session, data.data(), static_cast<CK_ULONG>(data.size()), nullptr, &length);
  }
  if (rv == CKR_OK) {
    Bytes out(length);
    rv =
        p11_->C_Sign(session, data.data(), static_cast<CK_ULONG>(data.size()), out.data(), &length);
    out.resize(length);
    if (rv == CKR_OK) attempt.signature = std::move(out);
  }
  if (session != CK_INVALID_HANDLE) p11_->C_CloseSession(session);
  attempt.rv = rv;
  attempt.seconds = SecondsSince(started);
}

bool PgFaultNode::Verifies(const SignAttempt& attempt) const {
  return EcdsaVerifyHash(public_key_.get(), attempt.hash, attempt.signature).ok();
}

SigningRun::SigningRun(PgFaultNode& node, int threads)
    : node_(node), per_thread_(new std::atomic<int>[threads]), threads_(threads) {
  for (int i = 0; i < threads; ++i) per_thread_[i] = 0;
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this, i] { Loop(i); });
}

SigningRun::~SigningRun() { Stop(); }

void SigningRun::Stop() {
  stop_ = true;
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void SigningRun::Loop(int thread) {
  for (int n = 0; !stop_; ++n) {
    SignAttempt attempt = node_.NewAttempt("t" + std::to_string(thread) + "-" + std::to_string(n));
    node_.Sign(attempt);
    const bool ok = attempt.rv == CKR_OK;
    {
      std::lock_guard<std::mutex> lock(mu_);
      attempts_.push_back(std::move(attempt));
    }
    if (ok) {
      ++per_thread_[thread];
      ++released_;
    } else {
      ++failed_;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

std::vector<int> SigningRun::ReleasedPerThread() const {
  std::vector<int> counts;
  for (int i = 0; i < threads_; ++i) counts.push_back(per_thread_[i].load());
  return counts;
}

bool SigningRun::WaitUntil(const std::function<bool()>& ready, double seconds) {
  const auto started = std::chrono::steady_clock::now();
  while (!ready()) {
    if (SecondsSince(started) > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace samp11::testing
