// A signing node for the fault tests (postgres_faults.cc): a token whose state is in a PostgreSQL
// database, made through the C++ API as `samp11 init --database` makes it, with one signer, her
// device and one SCAL2 EC P-256 key; the built module loaded over it as a consumer loads it
// (dlopen, C_Initialize with SAMP11_CONF); and threads that sign a stream of documents through
// its C API, each under a SAD of its own, while the test breaks the database underneath.
//
// Only one node at a time in a process: the module is loaded once and holds one configuration.
#pragma once

#include <p11-kit/pkcs11.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "config/config.h"
#include "crypto/ossl.h"
#include "state/postgres/pg_connection.h"
#include "temp_dir.h"

namespace samp11::testing {

// One signature asked of the module: C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC, sad), C_Sign.
struct SignAttempt {
  std::string jti;
  Bytes data;  // the document; the SAD binds its SHA-256
  Bytes hash;
  std::string sad;
  CK_RV rv = CKR_OK;  // the first that was not CKR_OK
  Bytes signature;    // when rv is CKR_OK
  double seconds = 0;
};

class PgFaultNode {
 public:
  // The token made in schema samp11 of conninfo's database, as node "node-1", each connection
  // attempt and statement bounded by timeout_seconds; then the module initialised over it.
  PgFaultNode(const std::string& conninfo, int timeout_seconds);
  ~PgFaultNode();  // C_Finalize
  PgFaultNode(const PgFaultNode&) = delete;
  PgFaultNode& operator=(const PgFaultNode&) = delete;

  // A SAD for data under jti, from the signer's device.
  std::string SadFor(const std::string& jti, const Bytes& data);
  // A fresh document and its SAD.
  SignAttempt NewAttempt(const std::string& jti);
  // Asks the module for attempt's signature in a session of its own (closed after it, so that a
  // refused step leaves no operation behind) and fills rv, signature and seconds.
  void Sign(SignAttempt& attempt);
  // Whether attempt's signature verifies under the key's public key over its document's hash.
  bool Verifies(const SignAttempt& attempt) const;

  // The SAD's kid (the device's): spent_hashes and the audit log name spends by it.
  const std::string& kid() const { return kid_; }
  // The token's schema on a database, for the test's own checks on any host.
  PgOptions OptionsFor(const std::string& conninfo) const;
  // The node's audit chain on that database, verified as `samp11 audit verify` does (a problem's
  // text, or empty), and how many records it holds.
  std::string VerifyAudit(const std::string& conninfo, int64_t* records) const;

 private:
  TempFolder dir_;
  TokenConfig token_;
  CK_FUNCTION_LIST_PTR p11_ = nullptr;
  CK_OBJECT_HANDLE key_ = CK_INVALID_HANDLE;
  EvpPkeyPtr device_;
  std::string kid_;
  std::string identity_;
  Bytes key_id_;
  EvpPkeyPtr public_key_;
};

// Threads that sign one new document after another through node until stopped: each its own
// session, each document under its own SAD (jti "t<thread>-<n>"). A failed attempt is followed
// by a short pause (10 ms) so that an outage does not become a busy loop; nothing else waits.
class SigningRun {
 public:
  SigningRun(PgFaultNode& node, int threads);
  ~SigningRun();  // Stop
  SigningRun(const SigningRun&) = delete;
  SigningRun& operator=(const SigningRun&) = delete;

  void Stop();
  // Waits until ready() holds, at most seconds; whether it came.
  static bool WaitUntil(const std::function<bool()>& ready, double seconds);

  int released() const { return released_.load(); }
  int failed() const { return failed_.load(); }
  // Signatures released by each thread so far.
  std::vector<int> ReleasedPerThread() const;
  // Every attempt, once stopped.
  const std::vector<SignAttempt>& attempts() const { return attempts_; }

 private:
  void Loop(int thread);

  PgFaultNode& node_;
  std::atomic<bool> stop_{false};
  std::atomic<int> released_{0};
  std::atomic<int> failed_{0};
  std::unique_ptr<std::atomic<int>[]> per_thread_;
  int threads_;
  std::mutex mu_;
  std::vector<SignAttempt> attempts_;
  std::vector<std::thread> workers_;
};

}  // namespace samp11::testing
