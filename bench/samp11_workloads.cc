#include "bench/samp11_workloads.h"

#include <algorithm>
#include <string>

#include "bench/must.h"
#include "pkcs11/samp11_vendor.h"

namespace samp11::bench {

void Scal2Workload::Prepare(int row_threads, int n) {
  threads = row_threads;
  if (mode == Scal2Mode::kBatch && kBatch % threads != 0) {
    throw BenchError("a batch row's threads must divide " + std::to_string(kBatch));
  }
  target.Sessions(threads);
  d.Make(target.type, threads, n);
  sads.assign(threads, {});
  batch_sads.clear();
  if (mode == Scal2Mode::kBatch) {
    batch_barrier.Reset(threads);
    const int per_sad = kBatch / threads;
    for (int i = 0; i < n; i += per_sad) {
      std::vector<Bytes> hashes;
      for (int t = 0; t < threads; ++t) {
        for (int j = i; j < std::min(n, i + per_sad); ++j) hashes.push_back(d.docs[t][j].hash);
      }
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

Bytes Scal2Workload::Sign(int t, int i) {
  const Doc& doc = d.docs[t][i];
  switch (mode) {
    case Scal2Mode::kSingle:
      target.SignInit(t);
      target.Login(t, CKU_CONTEXT_SPECIFIC, sads[t][i], "C_Login(CKU_CONTEXT_SPECIFIC, SAD)");
      return target.SignFinal(t, doc);
    case Scal2Mode::kBatch: {
      const int per_sad = kBatch / threads;
      if (i % per_sad == 0) {
        batch_barrier.Wait();  // every thread is done with the previous SAD's documents
        if (t == 0) {
          if (logged_in) Check(target.f()->C_Logout(target.sessions[0]), "C_Logout");
          target.Login(0, CKU_USER, batch_sads[i / per_sad], "C_Login(CKU_USER, batch SAD)");
          logged_in = true;
        }
        batch_barrier.Wait();  // the SAD is logged in (a login is the application's)
      }
      target.SignInit(t);
      return target.SignFinal(t, doc);
    }
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

void Scal2Workload::AfterTimed() {
  if (logged_in) Check(target.f()->C_Logout(target.sessions[0]), "C_Logout");
  logged_in = false;
}

void Scal1Workload::Prepare(int threads, int n) {
  target.Sessions(threads);
  d.Make(target.type, threads, n);
}

void Scal1Workload::BeforeTimed() {
  target.Login(0, CKU_USER, name_pin, "C_Login(CKU_USER, NAME:PIN)");
}

Bytes Scal1Workload::Sign(int t, int i) {
  target.SignInit(t);
  return target.SignFinal(t, d.docs[t][i]);
}

void Scal1Workload::AfterTimed() { Check(target.f()->C_Logout(target.sessions[0]), "C_Logout"); }

}  // namespace samp11::bench
