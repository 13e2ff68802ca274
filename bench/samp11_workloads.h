// What one samp11 signature is, per mode (docs/performance.md, "What is measured"):
// SCAL2 with a single SAD per signature (context login), a batch SAD of 100 hashes (user login,
// then C_SignInit/C_Sign per document; with 2 threads the SAD binds 50 documents of each and
// both sign under the one login), a deposit (CKO_SAMP11_SAD session object), a keystore
// deposit (what `samp11 sad deposit` does, made beforehand: C_Sign finds it); and SCAL1.
#pragma once

#include <string>
#include <vector>

#include "bench/barrier.h"
#include "bench/device.h"
#include "bench/p11_target.h"
#include "bench/row.h"
#include "sam/sam.h"

namespace samp11::bench {

enum class Scal2Mode { kSingle, kBatch, kDeposit, kKeystoreDeposit };

struct Scal2Workload : Workload {
  P11Target target;
  Scal2Mode mode;
  const Device* device;
  Sam* depositor = nullptr;  // kKeystoreDeposit: the SAM on the keystore, as the CLI has it
  Docs d;
  std::vector<std::vector<std::string>> sads;  // per thread: per doc (single, deposit)
  std::vector<std::string> batch_sads;         // one per kBatch / threads docs of every thread
  int threads = 1;
  Barrier batch_barrier;  // kBatch: every thread waits while thread 0 logs in the next SAD
  bool logged_in = false;
  static constexpr int kBatch = 100;

  Scal2Workload(P11Target t, Scal2Mode m, const Device& issuer, Sam* keystore_depositor = nullptr)
      : target(std::move(t)), mode(m), device(&issuer), depositor(keystore_depositor) {}
  void Prepare(int threads, int n) override;
  Bytes Sign(int t, int i) override;
  void AfterTimed() override;
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

// samp11 SCAL1: one C_Login(CKU_USER, "NAME:PIN") for the row, then C_SignInit/C_Sign.
struct Scal1Workload : Workload {
  P11Target target;
  std::string name_pin;
  Docs d;

  Scal1Workload(P11Target t, std::string login)
      : target(std::move(t)), name_pin(std::move(login)) {}
  void Prepare(int threads, int n) override;
  void BeforeTimed() override;
  Bytes Sign(int t, int i) override;
  void AfterTimed() override;
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

}  // namespace samp11::bench
