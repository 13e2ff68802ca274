// samp11_bench: signatures per second and latency through the PKCS#11 API, side by side with
// the physical limit's parts (OpenSSL sign, SAD verify, one durable write), SoftHSMv2, and
// samp11 behind p11-kit remoting. docs/performance.md explains every row; bench/run.sh sets up
// the tokens and runs it.
//
//   samp11_bench run ...        the whole set (bench/run.sh passes the options)
//   samp11_bench bulk-keys ...  adds many Ed25519 keys to a keystore (the cold-start keystore)
//   samp11_bench coldstart ...  one process: C_Initialize -> first signature, RSS, C_FindObjects
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bench/p11.h"
#include "config/config.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "keystore/keystore.h"
#include "pkcs11/samp11_vendor.h"
#include "sad/sad.h"
#include "sam/sam.h"

// Every fsync and fdatasync of the process (SQLite's commits inside libsamp11.so among them)
// passes through here: the executable's definitions come first in symbol lookup, so the bench
// counts the durable writes a signature really makes and the time spent in them.
namespace samp11::bench {
std::atomic<int64_t> g_sync_calls{0};
std::atomic<int64_t> g_sync_ns{0};
}  // namespace samp11::bench

namespace {
template <const char* kName>
int CountedSync(int fd) {
  using SyncFn = int (*)(int);
  static SyncFn real = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, kName));
  auto a = std::chrono::steady_clock::now();
  int rc = real(fd);
  samp11::bench::g_sync_ns +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - a)
          .count();
  samp11::bench::g_sync_calls++;
  return rc;
}
constexpr char kFsync[] = "fsync";
constexpr char kFdatasync[] = "fdatasync";
}  // namespace

extern "C" int fsync(int fd) { return CountedSync<kFsync>(fd); }
extern "C" int fdatasync(int fd) { return CountedSync<kFdatasync>(fd); }

namespace samp11::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}
double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw BenchError(what + ": " + r.status().message());
  return std::move(*r);
}
void Must(const Status& s, const std::string& what) {
  if (!s.ok()) throw BenchError(what + ": " + s.message());
}

Bytes Random(size_t n) { return Must(RandomBytes(n), "random"); }

// The key types of every row, with the mechanism the rows use: CKM_ECDSA over a 32-byte SHA-256
// hash, CKM_RSA_PKCS over its DigestInfo, CKM_EDDSA over a 32-byte message (the SAD binds its
// SHA-256). The CKA_ID of a samp11 key is "be" backend scal type (bench/run.sh makes them).
struct KeySpec {
  KeyType type;
  const char* name;
  const char* id_suffix;
};
const KeySpec kKeys[] = {{KeyType::kRsa2048, "rsa-2048", "01"},
                         {KeyType::kRsa3072, "rsa-3072", "02"},
                         {KeyType::kEcP256, "ec-p256", "03"},
                         {KeyType::kEcP384, "ec-p384", "04"},
                         {KeyType::kEd25519, "ed25519", "05"}};
const KeySpec& Spec(KeyType t) {
  for (const KeySpec& k : kKeys) {
    if (k.type == t) return k;
  }
  throw BenchError("no key spec");
}
bool IsScal1Type(KeyType t) {
  return t == KeyType::kRsa2048 || t == KeyType::kEcP256 || t == KeyType::kEd25519;
}

Bytes SamKeyId(const std::string& backend_code, int scal, KeyType t) {
  return *HexDecode("be" + backend_code + (scal == 1 ? "01" : "02") + Spec(t).id_suffix);
}

CK_MECHANISM_TYPE MechanismOf(KeyType t) {
  switch (FamilyOf(t)) {
    case KeyFamily::kRsa:
      return CKM_RSA_PKCS;
    case KeyFamily::kEc:
      return CKM_ECDSA;
    case KeyFamily::kEdwards:
      return CKM_EDDSA;
  }
  return CKM_ECDSA;
}

// One document: the message, the SHA-256 hash the SAD binds, the bytes given to C_Sign.
struct Doc {
  Bytes message;
  Bytes hash;
  Bytes data;
};
Doc MakeDoc(KeyType t) {
  Doc d;
  d.message = Random(32);
  d.hash = Digest(HashAlg::kSha256, d.message);
  switch (FamilyOf(t)) {
    case KeyFamily::kRsa:
      d.data = MakeDigestInfo(HashAlg::kSha256, d.hash);
      break;
    case KeyFamily::kEc:
      d.data = d.hash;
      break;
    case KeyFamily::kEdwards:
      d.data = d.message;
      break;
  }
  return d;
}

void VerifyOrThrow(EVP_PKEY* pub, KeyType t, const Doc& d, const Bytes& sig,
                   const std::string& row) {
  Status s;
  switch (FamilyOf(t)) {
    case KeyFamily::kRsa:
      s = RsaPkcs1VerifyDigestInfo(pub, d.data, sig);
      break;
    case KeyFamily::kEc:
      s = EcdsaVerifyHash(pub, d.hash, sig);
      break;
    case KeyFamily::kEdwards:
      s = Ed25519Verify(pub, d.message, sig);
      break;
  }
  if (!s.ok()) throw BenchError(row + ": a signature does not verify: " + s.message());
}

// ---------------------------------------------------------------------------------------------
// Rows: a workload signs document i of thread t; Prepare (untimed) makes the documents and SADs.
struct Workload {
  virtual ~Workload() = default;
  virtual void Prepare(int threads, int per_thread) = 0;
  virtual void BeforeTimed() {}
  virtual Bytes Sign(int thread, int i) = 0;
  virtual void AfterTimed() {}
  virtual const Doc& DocOf(int thread, int i) const = 0;
};

struct RowResult {
  std::string group;  // openssl, softhsm, samp11-file, samp11-softhsm, samp11-p11kit
  std::string mode;   // raw, plain, context-login, single-sad, batch-100, scal1, deposit
  KeyType type;
  int threads = 1;
  double sps = 0;
  double p50_us = 0;
  double p99_us = 0;
  int64_t signatures = 0;
  int64_t verified = 0;
  int sigs_per_sad = 0;
  int sigs_per_durable_write = 0;
  double syncs_per_signature = 0;    // fsync + fdatasync calls in the process, measured
  double sync_us_per_signature = 0;  // time in them
  double p50_minus_sync_us = 0;
  double durable_write_us = 0;  // measured just before and after the row (samp11 rows)      // 1
                                // thread: median of (latency - its own sync time)
};

struct RunSettings {
  int reps = 3;
  double seconds_per_rep = 0.4;
  int min_per_thread = 20;
  int max_per_thread = 4000;
  bool smoke = false;
};

double DurableWriteMicros(const std::string& dir, int n);

// Runs a row: a warm-up sizes each repeat to about seconds_per_rep, then reps repeats; the
// rate is the median over repeats, latencies are pooled. The first signature of every thread
// and repeat is verified against the public key.
RowResult RunRow(const std::string& group, const std::string& mode, KeyType type, int threads,
                 Workload& w, EVP_PKEY* pub, const RunSettings& settings,
                 const std::string& write_dir = "") {
  RowResult r;
  // The disk of a shared machine changes its mind: the row's limit uses a durable write
  // measured right before and right after it.
  const int write_n = settings.smoke ? 3 : 30;
  double write_before = write_dir.empty() ? 0 : DurableWriteMicros(write_dir, write_n);
  r.group = group;
  r.mode = mode;
  r.type = type;
  r.threads = threads;
  const std::string row =
      group + "/" + mode + "/" + Spec(type).name + "/" + std::to_string(threads);
  int per_thread = settings.min_per_thread;
  if (!settings.smoke) {  // warm-up, also sizes the repeats
    w.Prepare(threads, settings.min_per_thread);
    w.BeforeTimed();
    auto t0 = Clock::now();
    for (int i = 0; i < settings.min_per_thread; ++i) w.Sign(0, i);
    double each = Micros(Clock::now() - t0) / settings.min_per_thread;
    w.AfterTimed();
    per_thread = static_cast<int>(settings.seconds_per_rep * 1e6 / std::max(each, 1.0));
    per_thread = std::clamp(per_thread, settings.min_per_thread, settings.max_per_thread);
  }
  std::vector<double> rates;
  std::vector<double> latencies;
  std::vector<double> minus_sync;
  int64_t calls0 = 0, ns0 = 0, calls = 0, ns = 0;
  for (int rep = 0; rep < settings.reps; ++rep) {
    w.Prepare(threads, per_thread);
    std::vector<std::vector<double>> lat(threads);
    std::vector<std::vector<double>> lat_minus_sync(threads);
    std::vector<Bytes> first(threads);
    std::vector<std::string> errors(threads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    w.BeforeTimed();
    auto body = [&](int t) {
      lat[t].reserve(per_thread);
      ready++;
      while (!go.load()) {
      }
      try {
        for (int i = 0; i < per_thread; ++i) {
          int64_t sync0 = g_sync_ns.load();
          auto a = Clock::now();
          Bytes sig = w.Sign(t, i);
          double us = Micros(Clock::now() - a);
          lat[t].push_back(us);
          lat_minus_sync[t].push_back(us - static_cast<double>(g_sync_ns.load() - sync0) / 1e3);
          if (i == 0) first[t] = std::move(sig);
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(body, t);
    while (ready.load() < threads - 1) {
    }
    calls0 = g_sync_calls.load();
    ns0 = g_sync_ns.load();
    auto start = Clock::now();
    go = true;
    ready++;
    body(0);
    for (std::thread& th : pool) th.join();
    double wall = Micros(Clock::now() - start);
    calls += g_sync_calls.load() - calls0;
    ns += g_sync_ns.load() - ns0;
    w.AfterTimed();
    for (const std::string& e : errors) {
      if (!e.empty()) throw BenchError(row + ": " + e);
    }
    rates.push_back(threads * per_thread / (wall / 1e6));
    for (int t = 0; t < threads; ++t) {
      latencies.insert(latencies.end(), lat[t].begin(), lat[t].end());
      minus_sync.insert(minus_sync.end(), lat_minus_sync[t].begin(), lat_minus_sync[t].end());
      VerifyOrThrow(pub, type, w.DocOf(t, 0), first[t], row);
      r.verified++;
    }
    r.signatures += threads * per_thread;
  }
  r.sps = Median(rates);
  r.p50_us = Percentile(latencies, 0.5);
  r.p99_us = Percentile(latencies, 0.99);
  r.syncs_per_signature = static_cast<double>(calls) / static_cast<double>(r.signatures);
  r.sync_us_per_signature = static_cast<double>(ns) / 1e3 / static_cast<double>(r.signatures);
  if (threads == 1) r.p50_minus_sync_us = Percentile(minus_sync, 0.5);
  if (!write_dir.empty()) {
    r.durable_write_us = (write_before + DurableWriteMicros(write_dir, write_n)) / 2;
  }
  std::fprintf(stderr, "  %-44s %9.1f sig/s  p50 %8.1f us  p99 %8.1f us  (%lld signatures)\n",
               row.c_str(), r.sps, r.p50_us, r.p99_us, static_cast<long long>(r.signatures));
  return r;
}

// Documents per thread, reused by every workload.
struct Docs {
  std::vector<std::vector<Doc>> docs;
  void Make(KeyType t, int threads, int per_thread) {
    docs.assign(threads, {});
    for (auto& v : docs) {
      v.reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) v.push_back(MakeDoc(t));
    }
  }
};

// ---------------------------------------------------------------------------------------------
// OpenSSL's own signature, as the mechanism makes it: ECDSA and PKCS#1 v1.5 over the prepared
// hash (EVP_PKEY_sign), Ed25519 over the message (EVP_DigestSign).
Bytes OpensslSign(EVP_PKEY* key, KeyType t, const Doc& d) {
  Bytes sig(1024);
  size_t len = sig.size();
  if (FamilyOf(t) == KeyFamily::kEdwards) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, d.message.data(), d.message.size()) != 1) {
      throw BenchError("EVP_DigestSign failed");
    }
  } else {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    bool ok = ctx && EVP_PKEY_sign_init(ctx.get()) == 1;
    if (ok && FamilyOf(t) == KeyFamily::kRsa) {
      ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1;
    }
    if (!ok || EVP_PKEY_sign(ctx.get(), sig.data(), &len, d.hash.data(), d.hash.size()) != 1) {
      throw BenchError("EVP_PKEY_sign failed");
    }
  }
  sig.resize(len);
  if (FamilyOf(t) == KeyFamily::kEc) {  // r||s, as PKCS#11 gives it, for one verifier
    sig = Must(EcdsaDerToRaw(sig, t == KeyType::kEcP256 ? 32 : 48), "ECDSA DER");
  }
  return sig;
}

struct OpensslWorkload : Workload {
  KeyType type;
  EVP_PKEY* key;
  Docs d;
  OpensslWorkload(KeyType t, EVP_PKEY* k) : type(t), key(k) {}
  void Prepare(int threads, int n) override { d.Make(type, threads, n); }
  Bytes Sign(int t, int i) override { return OpensslSign(key, type, d.docs[t][i]); }
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

// ---------------------------------------------------------------------------------------------
// Sessions per thread on one module, and the C_SignInit + C_Sign of one document.
struct P11Target {
  Module* module;
  CK_SLOT_ID slot;
  Bytes key_id;
  KeyType type;
  std::vector<CK_SESSION_HANDLE> sessions;
  std::vector<CK_OBJECT_HANDLE> keys;

  void Sessions(int threads) {
    while (static_cast<int>(sessions.size()) < threads) {
      CK_SESSION_HANDLE s = module->Open(slot);
      sessions.push_back(s);
      keys.push_back(module->FindKey(s, CKO_PRIVATE_KEY, key_id));
    }
  }
  CK_FUNCTION_LIST_PTR f() const { return module->f(); }
  void SignInit(int t) {
    CK_MECHANISM mech = {MechanismOf(type), nullptr, 0};
    Check(f()->C_SignInit(sessions[t], &mech, keys[t]), "C_SignInit");
  }
  Bytes SignFinal(int t, const Doc& d) {
    Bytes sig(1024);
    CK_ULONG len = sig.size();
    Bytes data = d.data;
    Check(f()->C_Sign(sessions[t], data.data(), data.size(), sig.data(), &len), "C_Sign");
    sig.resize(len);
    return sig;
  }
  void Login(int t, CK_USER_TYPE user, const std::string& value, const char* what) {
    std::string v = value;
    Check(f()->C_Login(sessions[t], user, reinterpret_cast<CK_UTF8CHAR_PTR>(v.data()), v.size()),
          what);
  }
};

// SoftHSM: plain (one user login for the whole row) or with a context login per signature.
struct SoftHsmWorkload : Workload {
  P11Target target;
  bool context;
  std::string pin;
  Docs d;
  void Prepare(int threads, int n) override {
    target.Sessions(threads);
    d.Make(target.type, threads, n);
  }
  Bytes Sign(int t, int i) override {
    target.SignInit(t);
    if (context) target.Login(t, CKU_CONTEXT_SPECIFIC, pin, "C_Login(CKU_CONTEXT_SPECIFIC, PIN)");
    return target.SignFinal(t, d.docs[t][i]);
  }
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

// The signer's device: issues real SADs, in process, before the timed loop.
struct Device {
  EvpPkeyPtr key;
  std::string kid;
  std::string signer;
  std::string aud;
  std::string Issue(const Bytes& key_id, const std::vector<Bytes>& hashes) const {
    SadClaims c;
    c.iss = signer;
    c.sub = signer;
    c.aud = aud;
    c.credential_id = HexEncode(key_id);
    c.hash_alg = HashAlg::kSha256;
    c.hashes = hashes;
    c.iat = static_cast<int64_t>(std::time(nullptr));
    c.exp = c.iat + 300;
    c.jti = Base64UrlEncode(Random(16));
    return Must(IssueSad(c, kid, key.get()), "IssueSad");
  }
};

// samp11 SCAL2: single SAD per signature (context login), a batch SAD of 100 hashes (user
// login, then C_SignInit/C_Sign per document), a deposit (CKO_SAMP11_SAD session object), or a
// keystore deposit (what `samp11 sad deposit` does, made beforehand: C_Sign finds it).
enum class Scal2Mode { kSingle, kBatch, kDeposit, kKeystoreDeposit };
struct Scal2Workload : Workload {
  P11Target target;
  Scal2Mode mode;
  const Device* device;
  Sam* depositor = nullptr;  // kKeystoreDeposit: the SAM on the keystore, as the CLI has it
  Docs d;
  std::vector<std::vector<std::string>> sads;  // per thread: per doc (single, deposit)
  std::vector<std::string> batch_sads;         // thread 0 only: one per 100 docs
  bool logged_in = false;
  static constexpr int kBatch = 100;

  void Prepare(int threads, int n) override {
    if (mode == Scal2Mode::kBatch && threads != 1) throw BenchError("batch rows are 1 thread");
    target.Sessions(threads);
    d.Make(target.type, threads, n);
    sads.assign(threads, {});
    batch_sads.clear();
    if (mode == Scal2Mode::kBatch) {
      for (int i = 0; i < n; i += kBatch) {
        std::vector<Bytes> hashes;
        for (int j = i; j < std::min(n, i + kBatch); ++j) hashes.push_back(d.docs[0][j].hash);
        batch_sads.push_back(device->Issue(target.key_id, hashes));
      }
      return;
    }
    for (int t = 0; t < threads; ++t) {
      for (const Doc& doc : d.docs[t]) sads[t].push_back(device->Issue(target.key_id, {doc.hash}));
    }
    if (mode == Scal2Mode::kKeystoreDeposit) {
      for (const auto& per_thread : sads) {
        for (const std::string& sad : per_thread) {
          Must(depositor->DepositInKeystore(sad), "Sam::DepositInKeystore");
        }
      }
    }
  }
  Bytes Sign(int t, int i) override {
    const Doc& doc = d.docs[t][i];
    switch (mode) {
      case Scal2Mode::kSingle:
        target.SignInit(t);
        target.Login(t, CKU_CONTEXT_SPECIFIC, sads[t][i], "C_Login(CKU_CONTEXT_SPECIFIC, SAD)");
        return target.SignFinal(t, doc);
      case Scal2Mode::kBatch:
        if (i % kBatch == 0) {
          if (logged_in) Check(target.f()->C_Logout(target.sessions[t]), "C_Logout");
          target.Login(t, CKU_USER, batch_sads[i / kBatch], "C_Login(CKU_USER, batch SAD)");
          logged_in = true;
        }
        target.SignInit(t);
        return target.SignFinal(t, doc);
      case Scal2Mode::kKeystoreDeposit:
        target.SignInit(t);
        return target.SignFinal(t, doc);
      case Scal2Mode::kDeposit: {
        CK_OBJECT_CLASS klass = CKO_SAMP11_SAD;
        std::string value = sads[t][i];
        CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &klass, sizeof klass},
                               {CKA_VALUE, value.data(), static_cast<CK_ULONG>(value.size())}};
        CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
        Check(target.f()->C_CreateObject(target.sessions[t], tmpl, 2, &o),
              "C_CreateObject(CKO_SAMP11_SAD)");
        target.SignInit(t);
        Bytes sig = target.SignFinal(t, doc);
        Check(target.f()->C_DestroyObject(target.sessions[t], o), "C_DestroyObject(deposit)");
        return sig;
      }
    }
    return {};
  }
  void AfterTimed() override {
    if (logged_in) Check(target.f()->C_Logout(target.sessions[0]), "C_Logout");
    logged_in = false;
  }
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

// samp11 SCAL1: one C_Login(CKU_USER, "NAME:PIN") for the row, then C_SignInit/C_Sign.
struct Scal1Workload : Workload {
  P11Target target;
  std::string name_pin;
  Docs d;
  void Prepare(int threads, int n) override {
    target.Sessions(threads);
    d.Make(target.type, threads, n);
  }
  void BeforeTimed() override {
    target.Login(0, CKU_USER, name_pin, "C_Login(CKU_USER, NAME:PIN)");
  }
  Bytes Sign(int t, int i) override {
    target.SignInit(t);
    return target.SignFinal(t, d.docs[t][i]);
  }
  void AfterTimed() override { Check(target.f()->C_Logout(target.sessions[0]), "C_Logout"); }
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

// ---------------------------------------------------------------------------------------------
// The limit's parts.
double MedianMicros(int n, double max_seconds, const std::function<void(int)>& op) {
  std::vector<double> v;
  auto begin = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto a = Clock::now();
    op(i);
    v.push_back(Micros(Clock::now() - a));
    if (Micros(Clock::now() - begin) > max_seconds * 1e6) break;
  }
  return Median(v);
}

double DurableWriteMicros(const std::string& dir, int n) {
  std::string path = dir + "/samp11_bench_fsync.tmp";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw BenchError("open " + path);
  char buf[100];
  std::memset(buf, 'x', sizeof buf);
  double us = MedianMicros(n, 2.0, [&](int) {
    if (::write(fd, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf) || ::fdatasync(fd) != 0) {
      throw BenchError("write + fdatasync failed");
    }
  });
  ::close(fd);
  ::unlink(path.c_str());
  return us;
}

// OpenSSL's verification of the SAD's JWS (ES256 / ES384 / EdDSA as the device key is).
double SadVerifyMicros(const Device& device, int n) {
  std::string sad = device.Issue(Random(8), {Random(32)});
  ParsedSad p = Must(ParseSad(sad), "ParseSad");
  Bytes pub_der = Must(PublicKeyToSpki(device.key.get()), "device public key");
  EvpPkeyPtr pub = Must(PublicKeyFromSpki(pub_der), "device public key");
  SadAlg alg = Must(SadAlgForKey(pub.get()), "SAD alg");
  Bytes sig = p.signature;
  const EVP_MD* md = alg == SadAlg::kES256   ? EVP_sha256()
                     : alg == SadAlg::kES384 ? EVP_sha384()
                                             : nullptr;
  if (alg != SadAlg::kEdDSA) sig = Must(EcdsaRawToDer(sig), "JWS r||s to DER");
  return MedianMicros(n, 1.0, [&](int) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pub.get()) != 1 ||
        EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                         reinterpret_cast<const uint8_t*>(p.signing_input.data()),
                         p.signing_input.size()) != 1) {
      throw BenchError("the SAD's signature does not verify with OpenSSL");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Cold start, in a fresh process: C_Initialize -> first signature, VmHWM, C_FindObjects by id.
struct ColdStartOptions {
  std::string module;
  std::string token;
  std::string key_id;
  std::string device_key;
  std::string aud;
  std::string find_prefix;
  int64_t find_count = 0;
  int find_reps = 200;
};

int64_t VmHwmKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

Device LoadDevice(const std::string& pem_path, const std::string& aud) {
  std::ifstream in(pem_path);
  std::stringstream ss;
  ss << in.rdbuf();
  Device d;
  d.key = Must(PrivateKeyFromPem(ss.str()), "device key " + pem_path);
  d.kid = Must(JwkThumbprint(d.key.get()), "device kid");
  d.signer = "alice";
  d.aud = aud;
  return d;
}

int RunColdStart(const ColdStartOptions& o) {
  Device device = LoadDevice(o.device_key, o.aud);
  Bytes id = *HexDecode(o.key_id);
  Doc doc = MakeDoc(KeyType::kEcP256);
  std::string sad = device.Issue(id, {doc.hash});
  void* lib = nullptr;
  auto t0 = Clock::now();
  Module m(o.module);
  (void)lib;
  double init_us = Micros(Clock::now() - t0);
  P11Target target{&m, m.SlotOfToken(o.token), id, KeyType::kEcP256, {}, {}};
  target.Sessions(1);
  target.SignInit(0);
  target.Login(0, CKU_CONTEXT_SPECIFIC, sad, "C_Login(CKU_CONTEXT_SPECIFIC, SAD)");
  Bytes sig = target.SignFinal(0, doc);
  double first_us = Micros(Clock::now() - t0);
  EvpPkeyPtr pub = m.PublicKey(target.sessions[0], id);
  VerifyOrThrow(pub.get(), KeyType::kEcP256, doc, sig, "coldstart");
  int64_t hwm = VmHwmKib();
  std::vector<double> finds;
  Bytes prefix = *HexDecode(o.find_prefix);
  for (int i = 0; i < o.find_reps && o.find_count > 0; ++i) {
    Bytes fid = prefix;
    uint64_t n = 0;
    Bytes r = Random(8);
    for (uint8_t b : r) n = (n << 8) | b;
    n %= static_cast<uint64_t>(o.find_count);
    for (int shift = 56; shift >= 0; shift -= 8) fid.push_back(static_cast<uint8_t>(n >> shift));
    auto a = Clock::now();
    m.FindKey(target.sessions[0], CKO_PRIVATE_KEY, fid);
    finds.push_back(Micros(Clock::now() - a));
  }
  // The same id again and again: SQLite's pages are then in its cache (the random ids above are
  // mostly not), which tells page reads from the module's own work.
  std::vector<double> warm;
  for (int i = 0; i < o.find_reps; ++i) {
    auto a = Clock::now();
    m.FindKey(target.sessions[0], CKO_PRIVATE_KEY, id);
    warm.push_back(Micros(Clock::now() - a));
  }
  json out = {{"init_us", init_us},
              {"find_same_id_median_us", Median(warm)},
              {"init_to_first_signature_us", first_us},
              {"vm_hwm_kib", hwm},
              {"find_by_id_median_us", Median(finds)},
              {"find_by_id_p99_us", Percentile(finds, 0.99)}};
  std::cout << out.dump() << std::endl;
  return 0;
}

json SpawnColdStart(const ColdStartOptions& o, const std::string& conf) {
  std::string cmd = "SAMP11_CONF='" + conf + "' /proc/" + std::to_string(getpid()) +
                    "/exe coldstart --module '" + o.module + "' --token '" + o.token +
                    "' --key-id " + o.key_id + " --device-key '" + o.device_key + "' --aud " +
                    o.aud + " --find-prefix " + o.find_prefix + " --find-count " +
                    std::to_string(o.find_count) + " --find-reps " + std::to_string(o.find_reps);
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw BenchError("popen coldstart");
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int rc = pclose(p);
  if (rc != 0) throw BenchError("coldstart child failed (" + std::to_string(rc) + "): " + cmd);
  return json::parse(out);
}

// ---------------------------------------------------------------------------------------------
// The SAM's own costs, isolated, on the run's keystore (opened without its pkcs11 backend).
json SamCosts(const std::string& conf, const Device& device, const Bytes& key_id, int n) {
  ModuleConfig config = Must(LoadConfig(conf), "LoadConfig " + conf);
  TokenConfig token = config.tokens.at(0);
  token.pkcs11_backend.reset();
  token.key_backend = "file";
  std::unique_ptr<Keystore> ks = Must(OpenTokenKeystore(token), "OpenTokenKeystore");
  Sam sam(*ks, token.policy, DefaultClock());
  std::vector<std::string> sads;
  for (int i = 0; i < n; ++i) sads.push_back(device.Issue(key_id, {Random(32)}));
  double verify =
      MedianMicros(n, 2.0, [&](int i) { Must(sam.VerifySad(sads[i]), "Sam::VerifySad"); });
  double parse = MedianMicros(n, 1.0, [&](int i) { Must(ParseSad(sads[i]), "ParseSad"); });
  double spend = MedianMicros(n, 3.0, [&](int) {
    bool won = Must(ks->replay().SpendHash(device.kid, Base64UrlEncode(Random(12)), Random(32),
                                           key_id, static_cast<int64_t>(std::time(nullptr)) + 300),
                    "Keystore::SpendHash");
    if (!won) throw BenchError("SpendHash of a fresh hash lost");
  });
  double audit = MedianMicros(n, 3.0, [&](int) {
    AuditEvent e;
    e.event = audit_event::kSign;
    e.signer = device.signer;
    e.key_id = key_id;
    e.kid = device.kid;
    e.jti = "bench";
    e.detail = "samp11_bench: audit append cost";
    Must(ks->audit().Record(e, Status::Ok()), "Keystore::AuditResult");
  });
  return {{"sad_parse_us", parse},
          {"sad_parse_verify_us", verify},
          {"spend_hash_us", spend},
          {"audit_append_us", audit}};
}

// ---------------------------------------------------------------------------------------------
struct RunOptions {
  std::string module;
  std::string token = "bench";
  std::string device_key;
  std::string aud;
  std::string conf;
  std::string name_pin;
  std::string softhsm = "/usr/lib/softhsm/libsofthsm2.so";
  std::string softhsm_token = "peer";
  std::string softhsm_pin;
  std::string p11kit_client;
  std::string keystore_dir;
  std::vector<std::string> coldstart;  // LABEL:CONF:KEYS entries
  std::string coldstart_key_id = "c0ffee01";
  std::string bulk_prefix = "b0";
  std::string out;
  std::string machine;
  bool smoke = false;
  bool skip_softhsm_backend = false;
};

// SoftHSM peer keys, generated through PKCS#11 in the peer token.
Bytes SoftHsmKey(Module& m, CK_SESSION_HANDLE s, KeyType t, bool always_auth) {
  Bytes id = Random(8);
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE, aa = always_auth ? CK_TRUE : CK_FALSE;
  CK_ULONG bits = KeyBits(t);
  CK_BYTE exponent[] = {1, 0, 1};
  Bytes params;
  std::vector<CK_ATTRIBUTE> pub = {{CKA_TOKEN, &yes, sizeof yes},
                                   {CKA_VERIFY, &yes, sizeof yes},
                                   {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  if (FamilyOf(t) == KeyFamily::kRsa) {
    pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
    pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
  } else {
    mech.mechanism =
        FamilyOf(t) == KeyFamily::kEc ? CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
    params = Must(EcParamsDer(t), "EC params");
    pub.push_back({CKA_EC_PARAMS, params.data(), static_cast<CK_ULONG>(params.size())});
  }
  std::vector<CK_ATTRIBUTE> priv = {{CKA_TOKEN, &yes, sizeof yes},
                                    {CKA_PRIVATE, &yes, sizeof yes},
                                    {CKA_SENSITIVE, &yes, sizeof yes},
                                    {CKA_EXTRACTABLE, &no, sizeof no},
                                    {CKA_SIGN, &yes, sizeof yes},
                                    {CKA_ALWAYS_AUTHENTICATE, &aa, sizeof aa},
                                    {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_OBJECT_HANDLE hpub, hpriv;
  Check(m.f()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &hpub,
                                 &hpriv),
        std::string("SoftHSM C_GenerateKeyPair ") + Spec(t).name);
  return id;
}

const char* ModeLabel(const std::string& mode) { return mode.c_str(); }

int RunAll(const RunOptions& o) {
  RunSettings settings;
  settings.smoke = o.smoke;
  if (o.smoke) {
    settings.reps = 1;
    settings.min_per_thread = 3;
  }
  Device device = LoadDevice(o.device_key, o.aud);
  json report;
  report["date"] = [] {
    char buf[64];
    std::time_t now = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return std::string(buf);
  }();
  report["machine"] = o.machine;
  report["smoke"] = o.smoke;
  report["settings"] = {{"repeats", settings.reps},
                        {"seconds_per_repeat", settings.seconds_per_rep},
                        {"mechanisms",
                         "CKM_ECDSA on a 32-byte SHA-256 hash, CKM_RSA_PKCS on its DigestInfo, "
                         "CKM_EDDSA on a 32-byte message (SAD binds its SHA-256)"}};

  // 1. The limit's parts.
  std::fprintf(stderr, "== parts of the limit (OpenSSL, durable write)\n");
  std::map<KeyType, EvpPkeyPtr> ossl_keys;
  std::vector<RowResult> rows;
  for (const KeySpec& k : kKeys) {
    ossl_keys[k.type] = Must(GenerateKey(k.type), "GenerateKey");
    Bytes der = Must(PublicKeyToSpki(ossl_keys[k.type].get()), "spki");
    EvpPkeyPtr pub = Must(PublicKeyFromSpki(der), "spki");
    for (int threads : {1, 2}) {
      OpensslWorkload w(k.type, ossl_keys[k.type].get());
      rows.push_back(RunRow("openssl", "raw", k.type, threads, w, pub.get(), settings));
    }
  }
  const int part_n = o.smoke ? 5 : 2000;
  double sad_verify_us = SadVerifyMicros(device, part_n);
  // Sampled three times (here, after the SoftHSM rows, after the samp11 rows): the median is
  // the limit's durable write; a shared machine's disk moves a lot.
  const int write_n = o.smoke ? 5 : 300;
  std::vector<double> write_samples = {DurableWriteMicros(o.keystore_dir, write_n)};
  double write_us = write_samples[0];
  report["parts"] = {{"sad_alg", SadAlgName(Must(SadAlgForKey(device.key.get()), "alg"))},
                     {"sad_verify_us", sad_verify_us},
                     {"durable_write_us", write_us},
                     {"durable_write", "write(100 bytes) + fdatasync, append, keystore's folder"}};
  std::fprintf(stderr, "  SAD verify (OpenSSL) %.1f us, durable write %.1f us\n", sad_verify_us,
               write_us);

  // 2. SAM's own costs.
  std::fprintf(stderr, "== SAM costs, isolated\n");
  json sam_costs = SamCosts(o.conf, device, SamKeyId("01", 2, KeyType::kEcP256), o.smoke ? 5 : 300);
  report["sam_costs"] = sam_costs;
  std::fprintf(stderr, "  %s\n", sam_costs.dump().c_str());

  // 3. SoftHSMv2, the peer.
  std::fprintf(stderr, "== SoftHSMv2\n");
  Module softhsm(o.softhsm);
  CK_SLOT_ID peer_slot = softhsm.SlotOfToken(o.softhsm_token);
  CK_SESSION_HANDLE admin = softhsm.Open(peer_slot);
  {
    std::string pin = o.softhsm_pin;
    Check(softhsm.f()->C_Login(admin, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()),
                               pin.size()),
          "SoftHSM C_Login(CKU_USER)");
  }
  for (const KeySpec& k : kKeys) {
    for (bool context : {false, true}) {
      Bytes id = SoftHsmKey(softhsm, admin, k.type, context);
      EvpPkeyPtr pub = softhsm.PublicKey(admin, id);
      for (int threads : {1, 2}) {
        SoftHsmWorkload w;
        w.target = P11Target{&softhsm, peer_slot, id, k.type, {}, {}};
        w.context = context;
        w.pin = o.softhsm_pin;
        rows.push_back(RunRow("softhsm", context ? "context-login" : "plain", k.type, threads, w,
                              pub.get(), settings));
      }
    }
  }

  write_samples.push_back(DurableWriteMicros(o.keystore_dir, write_n));
  // 4. samp11, file keystore and SoftHSM key backend. Keystore deposits are made beforehand
  // through the SAM on the keystore, as `samp11 sad deposit` makes them.
  ModuleConfig dep_config = Must(LoadConfig(o.conf), "LoadConfig " + o.conf);
  TokenConfig dep_token = dep_config.tokens.at(0);
  dep_token.pkcs11_backend.reset();
  dep_token.key_backend = "file";
  std::unique_ptr<Keystore> dep_keystore = Must(OpenTokenKeystore(dep_token), "open keystore");
  Sam depositor(*dep_keystore, dep_token.policy, DefaultClock());
  Module sam_module(o.module);
  CK_SLOT_ID sam_slot = sam_module.SlotOfToken(o.token);
  CK_SESSION_HANDLE sam_admin = sam_module.Open(sam_slot);
  std::vector<std::pair<std::string, std::string>> backends = {{"samp11-file", "01"}};
  if (!o.skip_softhsm_backend) backends.push_back({"samp11-softhsm", "02"});
  for (const auto& [group, code] : backends) {
    std::fprintf(stderr, "== %s\n", group.c_str());
    for (const KeySpec& k : kKeys) {
      Bytes id = SamKeyId(code, 2, k.type);
      EvpPkeyPtr pub = sam_module.PublicKey(sam_admin, id);
      for (int threads : {1, 2}) {
        Scal2Workload w;
        w.target = P11Target{&sam_module, sam_slot, id, k.type, {}, {}};
        w.mode = Scal2Mode::kSingle;
        w.device = &device;
        RowResult r =
            RunRow(group, "single-sad", k.type, threads, w, pub.get(), settings, o.keystore_dir);
        r.sigs_per_sad = 1;
        r.sigs_per_durable_write = 1;
        rows.push_back(r);
      }
      {
        Scal2Workload w;
        w.target = P11Target{&sam_module, sam_slot, id, k.type, {}, {}};
        w.mode = Scal2Mode::kBatch;
        w.device = &device;
        RunSettings batch = settings;
        batch.min_per_thread = o.smoke ? 3 : 100;
        RowResult r = RunRow(group, "batch-100", k.type, 1, w, pub.get(), batch, o.keystore_dir);
        r.sigs_per_sad = 100;
        r.sigs_per_durable_write = 100;
        rows.push_back(r);
      }
      {
        Scal2Workload w;
        w.target = P11Target{&sam_module, sam_slot, id, k.type, {}, {}};
        w.mode = Scal2Mode::kDeposit;
        w.device = &device;
        RowResult r = RunRow(group, "deposit", k.type, 1, w, pub.get(), settings, o.keystore_dir);
        r.sigs_per_sad = 1;
        r.sigs_per_durable_write = 1;
        rows.push_back(r);
        Scal2Workload kw;
        kw.target = P11Target{&sam_module, sam_slot, id, k.type, {}, {}};
        kw.mode = Scal2Mode::kKeystoreDeposit;
        kw.device = &device;
        kw.depositor = &depositor;
        RowResult kr =
            RunRow(group, "deposit-ks", k.type, 1, kw, pub.get(), settings, o.keystore_dir);
        kr.sigs_per_sad = 1;
        kr.sigs_per_durable_write = 1;
        rows.push_back(kr);
      }
      if (IsScal1Type(k.type)) {
        Bytes id1 = SamKeyId(code, 1, k.type);
        EvpPkeyPtr pub1 = sam_module.PublicKey(sam_admin, id1);
        for (int threads : {1, 2}) {
          Scal1Workload w;
          w.target = P11Target{&sam_module, sam_slot, id1, k.type, {}, {}};
          w.name_pin = o.name_pin;
          RowResult r =
              RunRow(group, "scal1", k.type, threads, w, pub1.get(), settings, o.keystore_dir);
          r.sigs_per_sad = 0;
          r.sigs_per_durable_write = 1;
          rows.push_back(r);
        }
      }
    }
  }

  // 5. The same single-SAD EC P-256 row through p11-kit remoting.
  if (!o.p11kit_client.empty()) {
    std::fprintf(stderr, "== samp11 through p11-kit server + p11-kit-client.so\n");
    Module client(o.p11kit_client);
    CK_SLOT_ID slot = client.SlotOfToken(o.token);
    CK_SESSION_HANDLE s = client.Open(slot);
    Bytes id = SamKeyId("01", 2, KeyType::kEcP256);
    EvpPkeyPtr pub = client.PublicKey(s, id);
    Scal2Workload w;
    w.target = P11Target{&client, slot, id, KeyType::kEcP256, {}, {}};
    w.mode = Scal2Mode::kSingle;
    w.device = &device;
    RowResult r = RunRow("samp11-p11kit", "single-sad", KeyType::kEcP256, 1, w, pub.get(), settings,
                         o.keystore_dir);
    r.sigs_per_sad = 1;
    r.sigs_per_durable_write = 1;
    rows.push_back(r);
  }

  write_samples.push_back(DurableWriteMicros(o.keystore_dir, write_n));
  write_us = Median(write_samples);
  report["parts"]["durable_write_us"] = write_us;
  report["parts"]["durable_write_samples_us"] = write_samples;
  // 6. Cold start, each in a fresh process.
  json cold = json::array();
  for (const std::string& entry : o.coldstart) {
    size_t a = entry.find(':'), b = entry.rfind(':');
    ColdStartOptions c;
    c.module = o.module;
    c.token = entry.substr(0, a);
    std::string conf = entry.substr(a + 1, b - a - 1);
    int64_t keys = std::stoll(entry.substr(b + 1));
    c.key_id = o.coldstart_key_id;
    c.device_key = o.device_key;
    c.find_prefix = o.bulk_prefix;
    c.find_count = keys - 1;
    c.find_reps = o.smoke ? 5 : 200;
    std::string aud_cmd;
    {
      ModuleConfig mc = Must(LoadConfig(conf), "LoadConfig " + conf);
      std::unique_ptr<Keystore> ks = Must(OpenTokenKeystore(mc.tokens.at(0)), "open keystore");
      c.aud = ks->identity();
    }
    std::vector<double> first, init, hwm, find, warm;
    for (int rep = 0; rep < (o.smoke ? 1 : 3); ++rep) {
      json j = SpawnColdStart(c, conf);
      first.push_back(j["init_to_first_signature_us"]);
      init.push_back(j["init_us"]);
      hwm.push_back(j["vm_hwm_kib"]);
      find.push_back(j["find_by_id_median_us"]);
      warm.push_back(j["find_same_id_median_us"]);
    }
    json row = {{"keys", keys},
                {"init_us", Median(init)},
                {"init_to_first_signature_us", Median(first)},
                {"vm_hwm_kib", Median(hwm)},
                {"find_by_id_median_us", Median(find)},
                {"find_same_id_median_us", Median(warm)}};
    std::fprintf(stderr, "  cold start %s\n", row.dump().c_str());
    cold.push_back(row);
  }
  report["cold_start"] = cold;

  // 7. Ratios and the limit per row.
  auto find_row = [&](const std::string& group, const std::string& mode, KeyType t,
                      int threads) -> const RowResult* {
    for (const RowResult& r : rows) {
      if (r.group == group && r.mode == mode && r.type == t && r.threads == threads) return &r;
    }
    return nullptr;
  };
  auto sign_us = [&](KeyType t) { return 1e6 / find_row("openssl", "raw", t, 1)->sps; };
  auto limit_of = [&](const RowResult& r) {
    if (r.sigs_per_durable_write == 0) return 0.0;
    double write = r.durable_write_us > 0 ? r.durable_write_us : write_us;
    double us = sign_us(r.type) + (r.sigs_per_sad > 0 ? sad_verify_us / r.sigs_per_sad : 0.0) +
                write / r.sigs_per_durable_write;
    return r.threads * 1e6 / us;  // the parts are per core; 2 threads on 2 cores
  };
  json jrows = json::array();
  std::printf("\n%-15s %-13s %-9s %2s %10s %9s %9s %7s %7s %7s %7s\n", "group", "mode", "key", "th",
              "sig/s", "p50 us", "p99 us", "/limit", "/ossl", "/shsm", "syncs");
  for (const RowResult& r : rows) {
    json j = {{"group", r.group},
              {"mode", r.mode},
              {"key", Spec(r.type).name},
              {"threads", r.threads},
              {"sig_per_s", r.sps},
              {"p50_us", r.p50_us},
              {"p99_us", r.p99_us},
              {"signatures", r.signatures},
              {"verified_signatures", r.verified}};
    double vs_limit = 0, vs_ossl = 0, vs_shsm = 0;
    if (r.group.rfind("samp11", 0) == 0) {
      double limit = limit_of(r);
      const RowResult* ossl = find_row("openssl", "raw", r.type, r.threads);
      const char* peer_mode =
          (r.mode == "single-sad" || r.mode.rfind("deposit", 0) == 0) ? "context-login" : "plain";
      const RowResult* peer = find_row("softhsm", peer_mode, r.type, r.threads);
      vs_limit = limit > 0 ? r.sps / limit : 0;
      vs_ossl = ossl ? r.sps / ossl->sps : 0;
      vs_shsm = peer ? r.sps / peer->sps : 0;
      j["signatures_per_sad"] = r.sigs_per_sad;
      j["signatures_per_durable_write"] = r.sigs_per_durable_write;
      j["measured_syncs_per_signature"] = r.syncs_per_signature;
      j["measured_sync_us_per_signature"] = r.sync_us_per_signature;
      if (r.threads == 1) j["p50_minus_own_sync_us"] = r.p50_minus_sync_us;
      j["limit_sig_per_s"] = limit;
      j["durable_write_us"] = r.durable_write_us;
      j["ratio_limit"] = vs_limit;
      j["ratio_openssl"] = vs_ossl;
      j["softhsm_mode_compared"] = peer_mode;
      j["ratio_softhsm"] = vs_shsm;
    }
    jrows.push_back(j);
    auto ratio = [](double v) {
      char buf[16];
      if (v <= 0) return std::string("-");
      std::snprintf(buf, sizeof buf, "%.2f", v);
      return std::string(buf);
    };
    std::printf("%-15s %-13s %-9s %2d %10.1f %9.1f %9.1f %7s %7s %7s %7.2f\n", r.group.c_str(),
                ModeLabel(r.mode), Spec(r.type).name, r.threads, r.sps, r.p50_us, r.p99_us,
                ratio(vs_limit).c_str(), ratio(vs_ossl).c_str(), ratio(vs_shsm).c_str(),
                r.syncs_per_signature);
  }
  report["rows"] = jrows;
  report["limit"] =
      "limit = threads * 1 / (OpenSSL sign (1 thread) + SAD verify / signatures per SAD + "
      "durable write / signatures per durable write); signatures per durable write: 1 for "
      "single-SAD, deposit and SCAL1 rows, 100 for batch rows (the issue's definition; samp11 "
      "does more than one fsync per signature today)";
  std::printf("\nparts: SAD verify (%s) %.1f us, durable write %.1f us\n",
              report["parts"]["sad_alg"].get<std::string>().c_str(), sad_verify_us, write_us);
  std::printf(
      "SAM costs: SAD parse %.1f us, parse+verify %.1f us, SpendHash %.1f us, "
      "AuditResult %.1f us\n",
      sam_costs["sad_parse_us"].get<double>(), sam_costs["sad_parse_verify_us"].get<double>(),
      sam_costs["spend_hash_us"].get<double>(), sam_costs["audit_append_us"].get<double>());
  for (const json& c : cold) {
    std::printf(
        "cold start, %lld keys: C_Initialize %.1f ms, to first signature %.1f ms, VmHWM "
        "%.1f MiB, C_FindObjects by CKA_ID %.1f us (random ids; the same id again: %.1f us)\n",
        static_cast<long long>(c["keys"].get<int64_t>()), c["init_us"].get<double>() / 1e3,
        c["init_to_first_signature_us"].get<double>() / 1e3, c["vm_hwm_kib"].get<double>() / 1024.0,
        c["find_by_id_median_us"].get<double>(), c["find_same_id_median_us"].get<double>());
  }

  // 8. Targets.
  json targets = json::array();
  std::printf("\ntargets\n");
  auto target = [&](const std::string& what, bool pass, const std::string& numbers) {
    std::printf("  %-4s %s: %s\n", pass ? "PASS" : "FAIL", what.c_str(), numbers.c_str());
    targets.push_back({{"target", what}, {"pass", pass}, {"numbers", numbers}});
  };
  auto fmt = [](const char* f, double a, double b) {
    char buf[160];
    std::snprintf(buf, sizeof buf, f, a, b);
    return std::string(buf);
  };
  for (const KeySpec& k : kKeys) {
    const RowResult* r = find_row("samp11-file", "single-sad", k.type, 1);
    const RowResult* peer = find_row("softhsm", "context-login", k.type, 1);
    double limit = limit_of(*r);
    target(std::string("SCAL2 single SAD 1 thread >= 0.85 of limit, ") + k.name,
           r->sps >= 0.85 * limit,
           fmt("%.1f sig/s vs limit %.1f", r->sps, limit) +
               fmt(" (durable write %.0f us around the row, %.2f fsyncs per signature)",
                   r->durable_write_us, r->syncs_per_signature));
    target(std::string("SCAL2 single SAD 1 thread faster than SoftHSM context login, ") + k.name,
           r->sps > peer->sps, fmt("%.1f vs %.1f sig/s", r->sps, peer->sps));
  }
  for (KeyType t : {KeyType::kEcP256, KeyType::kEd25519}) {
    const RowResult* r = find_row("samp11-file", "batch-100", t, 1);
    const RowResult* ossl = find_row("openssl", "raw", t, 1);
    target(std::string("batch of 100 >= 0.80 of OpenSSL raw sign, ") + Spec(t).name,
           r->sps >= 0.8 * ossl->sps, fmt("%.1f vs %.1f sig/s", r->sps, ossl->sps));
  }
  for (KeyType t : {KeyType::kRsa2048, KeyType::kEcP256, KeyType::kEd25519}) {
    const RowResult* plain = find_row("softhsm", "plain", t, 1);
    for (const char* mode : {"scal1", "batch-100"}) {
      const RowResult* r = find_row("samp11-file", mode, t, 1);
      target(std::string(mode) + " >= 1.5x SoftHSM plain, " + Spec(t).name,
             r->sps >= 1.5 * plain->sps, fmt("%.1f vs %.1f sig/s", r->sps, plain->sps));
    }
  }
  {
    const RowResult* one = find_row("samp11-file", "single-sad", KeyType::kRsa2048, 1);
    const RowResult* two = find_row("samp11-file", "single-sad", KeyType::kRsa2048, 2);
    target("2 threads >= 1.8x 1 thread, SCAL2 single SAD rsa-2048", two->sps >= 1.8 * one->sps,
           fmt("%.1f vs %.1f sig/s", two->sps, one->sps));
  }
  json overheads = json::object();
  for (const KeySpec& k : kKeys) {
    const RowResult* r = find_row("samp11-file", "single-sad", k.type, 1);
    const RowResult* ossl = find_row("openssl", "raw", k.type, 1);
    // Measured directly: each signature's latency minus the time it spent in fsync/fdatasync
    // (median), minus OpenSSL's sign and the SAD's verification.
    double overhead = r->p50_minus_sync_us - ossl->p50_us - sad_verify_us;
    double by_definition = r->p50_us - ossl->p50_us - sad_verify_us - r->durable_write_us;
    overheads[k.name] = {{"measured_us", overhead},
                         {"p50_minus_one_durable_write_us", by_definition},
                         {"syncs_per_signature", r->syncs_per_signature},
                         {"sync_us_per_signature", r->sync_us_per_signature}};
    char numbers[256];
    std::snprintf(numbers, sizeof numbers,
                  "%.1f us (p50 of latency minus its own %.2f fsyncs, %.1f us; minus OpenSSL "
                  "sign and SAD verify). With 1 durable write instead of the measured ones: "
                  "%.1f us",
                  overhead, r->syncs_per_signature, r->sync_us_per_signature, by_definition);
    target(std::string("SAM overhead per single-SAD signature <= 100 us, ") + k.name,
           overhead <= 100, numbers);
  }
  report["sam_overhead_us"] = overheads;
  for (const json& c : cold) {
    if (c["keys"].get<int64_t>() < 100000) continue;
    std::string n = std::to_string(c["keys"].get<int64_t>()) + " keys";
    double first = c["init_to_first_signature_us"].get<double>() / 1e3;
    double hwm = c["vm_hwm_kib"].get<double>() / 1024.0;
    double find = c["find_by_id_median_us"].get<double>() / 1e3;
    target(n + ": C_Initialize -> first signature <= 100 ms", first <= 100,
           fmt("%.1f ms", first, 0.0));
    target(n + ": RSS (VmHWM) <= 64 MiB", hwm <= 64, fmt("%.1f MiB", hwm, 0.0));
    target(n + ": C_FindObjects by CKA_ID <= 1 ms", find <= 1, fmt("%.3f ms", find, 0.0));
  }
  report["targets"] = targets;

  if (!o.out.empty()) {
    std::ofstream out(o.out);
    out << report.dump(2) << "\n";
    if (!out) throw BenchError("cannot write " + o.out);
    std::printf("\nwrote %s\n", o.out.c_str());
  }
  Check(softhsm.f()->C_Logout(admin), "SoftHSM C_Logout");
  return 0;
}

// ---------------------------------------------------------------------------------------------
int RunBulk(const std::string& conf, const std::string& signer, int64_t count,
            const std::string& prefix) {
  ModuleConfig config = Must(LoadConfig(conf), "LoadConfig " + conf);
  std::unique_ptr<Keystore> ks = Must(OpenTokenKeystore(config.tokens.at(0)), "open keystore");
  const int64_t chunk = 50000;
  auto t0 = Clock::now();
  for (int64_t first = 0; first < count; first += chunk) {
    int64_t n = std::min(chunk, count - first);
    Must(ks->keys().BulkAddFileKeysForBenchmark(signer, KeyType::kEd25519, *HexDecode(prefix),
                                                first, n),
         "BulkAddFileKeysForBenchmark");
    std::fprintf(stderr, "  bulk keys: %lld / %lld (%.1f s)\n", static_cast<long long>(first + n),
                 static_cast<long long>(count), Micros(Clock::now() - t0) / 1e6);
  }
  return 0;
}

}  // namespace
}  // namespace samp11::bench

int main(int argc, char** argv) {
  using namespace samp11::bench;
  CLI::App app{"samp11_bench: samp11 throughput and latency through PKCS#11 (docs/performance.md)"};
  app.require_subcommand(1);

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "the whole set (bench/run.sh sets it up)");
  run_cmd->add_option("--module", run.module, "libsamp11.so")->required();
  run_cmd->add_option("--token", run.token, "samp11 token label")->capture_default_str();
  run_cmd->add_option("--conf", run.conf, "the token's SAMP11_CONF")->required();
  run_cmd->add_option("--device-key", run.device_key, "alice's device key (PEM)")->required();
  run_cmd->add_option("--aud", run.aud, "the token identity")->required();
  run_cmd->add_option("--scal1-login", run.name_pin, "NAME:PIN for SCAL1 keys")->required();
  run_cmd->add_option("--softhsm", run.softhsm, "SoftHSMv2 module")->capture_default_str();
  run_cmd->add_option("--softhsm-token", run.softhsm_token, "peer token label")
      ->capture_default_str();
  run_cmd->add_option("--softhsm-pin", run.softhsm_pin, "peer token user PIN")->required();
  run_cmd->add_option("--p11kit-client", run.p11kit_client,
                      "p11-kit-client.so (P11_KIT_SERVER_ADDRESS set); empty: no remote row");
  run_cmd->add_option("--keystore-dir", run.keystore_dir, "where durable writes are timed")
      ->required();
  run_cmd->add_option("--coldstart", run.coldstart, "TOKEN:CONF:KEYS (repeatable)");
  run_cmd->add_option("--out", run.out, "JSON results file");
  run_cmd->add_option("--machine", run.machine, "free text: nproc, CPU, file system");
  run_cmd->add_flag("--smoke", run.smoke, "a few signatures per row, one repeat");
  run_cmd->add_flag("--skip-softhsm-backend", run.skip_softhsm_backend,
                    "no samp11 rows with keys in SoftHSM");

  std::string bulk_conf, bulk_signer = "alice", bulk_prefix = "b0";
  int64_t bulk_count = 0;
  CLI::App* bulk_cmd = app.add_subcommand("bulk-keys", "add Ed25519 SCAL2 keys in bulk");
  bulk_cmd->add_option("--conf", bulk_conf, "SAMP11_CONF of the token")->required();
  bulk_cmd->add_option("--signer", bulk_signer, "owner")->capture_default_str();
  bulk_cmd->add_option("--count", bulk_count, "how many")->required();
  bulk_cmd->add_option("--prefix", bulk_prefix, "CKA_ID prefix (hex)")->capture_default_str();

  ColdStartOptions cold;
  CLI::App* cold_cmd = app.add_subcommand("coldstart", "one cold start (a fresh process)");
  cold_cmd->add_option("--module", cold.module, "libsamp11.so")->required();
  cold_cmd->add_option("--token", cold.token, "token label")->required();
  cold_cmd->add_option("--key-id", cold.key_id, "EC P-256 SCAL2 key id (hex)")->required();
  cold_cmd->add_option("--device-key", cold.device_key, "device key (PEM)")->required();
  cold_cmd->add_option("--aud", cold.aud, "token identity")->required();
  cold_cmd->add_option("--find-prefix", cold.find_prefix, "bulk id prefix (hex)")->required();
  cold_cmd->add_option("--find-count", cold.find_count, "bulk keys");
  cold_cmd->add_option("--find-reps", cold.find_reps, "C_FindObjects samples");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*run_cmd) return RunAll(run);
    if (*bulk_cmd) return RunBulk(bulk_conf, bulk_signer, bulk_count, bulk_prefix);
    if (*cold_cmd) return RunColdStart(cold);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "samp11_bench: ERROR: %s\n", e.what());
    return 1;
  }
  return 2;
}
