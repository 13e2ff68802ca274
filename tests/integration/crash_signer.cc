// crash_signer: the signing loop that crash_safety_test.sh kills with SIGKILL at random moments.
//
//   crash_signer MODULE KEY_ID_HEX DIR COUNT sign|check [THREADS]
//
// DIR holds COUNT documents DIR/N.doc, each with its own SAD DIR/N.sad (N = 0..COUNT-1).
// sign:  loads the module once and presents every document in order, each with its SAD
//        (C_SignInit -> C_Login(CKU_CONTEXT_SPECIFIC) -> C_Sign). A released signature is
//        written to DIR/sigs/N.PID.sig (through a rename, so a kill never leaves a partial
//        .sig): the file exists only if the module released that signature. Already spent
//        documents are refused (CKR_FUNCTION_REJECTED) and skipped; that re-presents every
//        spent SAD at each restart. Exit 0 when all were presented.
//        With THREADS > 1 (sign only), each thread has its own session and presents every
//        document, starting at its own offset: the threads race each other (and other
//        processes) for every SAD; files are DIR/sigs/N.PID.THREAD.sig.
// check: presents the SAD of every document listed on stdin (one N a line) and requires
//        CKR_FUNCTION_REJECTED; a signature would be a double signing (exit 4).
// Any other CK_RV is a fault: exit 3 with the CK_RV printed. Usage or I/O errors: exit 1.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

CK_FUNCTION_LIST_PTR p11 = nullptr;

bool ReadFile(const std::string& path, std::string* out, bool strip_newline) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  while (strip_newline && !out->empty() && (out->back() == '\n' || out->back() == '\r'))
    out->pop_back();
  return true;
}

// Signs one document; returns the first CK_RV that is not CKR_OK.
CK_RV SignOne(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key, std::string sad, std::string doc,
              std::string* signature) {
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  CK_RV rv = p11->C_SignInit(session, &mech, key);
  if (rv != CKR_OK) return rv;
  rv = p11->C_Login(session, CKU_CONTEXT_SPECIFIC, reinterpret_cast<CK_UTF8CHAR_PTR>(sad.data()),
                    sad.size());
  auto* data = reinterpret_cast<CK_BYTE_PTR>(doc.data());
  CK_BYTE sig[512];
  CK_ULONG len = sizeof sig;
  if (rv != CKR_OK) {
    // End the operation left active by a refused login, so that the next C_SignInit works.
    p11->C_Sign(session, data, doc.size(), sig, &len);
    return rv;
  }
  rv = p11->C_Sign(session, data, doc.size(), sig, &len);
  if (rv == CKR_OK) signature->assign(reinterpret_cast<char*>(sig), len);
  return rv;
}

int Fail(const char* what, CK_RV rv) {
  std::fprintf(stderr, "crash_signer: %s: CK_RV 0x%lx\n", what, static_cast<unsigned long>(rv));
  return 3;
}

// Presents the documents in order on a session of its own; thread < 0 names files without a
// thread number. Returns the exit code.
int Present(const std::vector<CK_BYTE>& key_id, const std::string& dir, const std::string& mode,
            const std::vector<int>& docs, int thread) {
  CK_RV rv;
  CK_SESSION_HANDLE session;
  rv = p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) return Fail("C_OpenSession", rv);
  CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
  std::vector<CK_BYTE> id = key_id;
  CK_ATTRIBUTE find[] = {{CKA_CLASS, &klass, sizeof klass},
                         {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG found = 0;
  rv = p11->C_FindObjectsInit(session, find, 2);
  if (rv == CKR_OK) rv = p11->C_FindObjects(session, &key, 1, &found);
  if (rv == CKR_OK) rv = p11->C_FindObjectsFinal(session);
  if (rv != CKR_OK) return Fail("C_FindObjects", rv);
  if (found != 1) {
    std::fprintf(stderr, "crash_signer: key not found (lost?)\n");
    return 3;
  }
  for (int i : docs) {
    const std::string base = dir + "/" + std::to_string(i);
    std::string sad, doc, signature;
    if (!ReadFile(base + ".sad", &sad, true) || !ReadFile(base + ".doc", &doc, false)) {
      std::fprintf(stderr, "crash_signer: cannot read %s.{sad,doc}\n", base.c_str());
      return 1;
    }
    rv = SignOne(session, key, sad, doc, &signature);
    if (rv == CKR_FUNCTION_REJECTED) continue;  // spent: by an earlier run, a killed one, a rival
    if (rv != CKR_OK) return Fail(("document " + std::to_string(i)).c_str(), rv);
    // Released: record it. Written even in check mode, as evidence of the double signing.
    std::string sig_path = dir + "/sigs/" + std::to_string(i) + "." + std::to_string(getpid());
    if (thread >= 0) sig_path += "." + std::to_string(thread);
    sig_path += ".sig";
    {
      std::ofstream out(sig_path + ".tmp", std::ios::binary);
      out << signature;
      if (!out.flush()) return 1;
    }
    if (std::rename((sig_path + ".tmp").c_str(), sig_path.c_str()) != 0) return 1;
    if (mode == "check") {
      std::fprintf(stderr, "crash_signer: document %d signed again\n", i);
      return 4;
    }
  }
  p11->C_CloseSession(session);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: %s MODULE KEY_ID_HEX DIR COUNT sign|check [THREADS]\n", argv[0]);
    return 1;
  }
  const std::string dir = argv[3], mode = argv[5];
  const int count = std::stoi(argv[4]);
  std::vector<CK_BYTE> key_id;
  for (size_t i = 0; i + 1 < std::strlen(argv[2]); i += 2) {
    key_id.push_back(static_cast<CK_BYTE>(std::stoi(std::string(argv[2] + i, 2), nullptr, 16)));
  }

  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  auto get =
      lib ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList")) : nullptr;
  if (get == nullptr || get(&p11) != CKR_OK) {
    std::fprintf(stderr, "crash_signer: cannot load %s\n", argv[1]);
    return 1;
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = p11->C_Initialize(&args);
  if (rv != CKR_OK) return Fail("C_Initialize", rv);
  std::vector<int> docs;
  if (mode == "sign") {
    for (int i = 0; i < count; ++i) docs.push_back(i);
  } else if (mode == "check") {
    for (int n; std::cin >> n;) docs.push_back(n);
  } else {
    std::fprintf(stderr, "crash_signer: unknown mode %s\n", mode.c_str());
    return 1;
  }
  const int threads = argc == 7 ? std::stoi(argv[6]) : 1;
  if (threads < 1 || (threads > 1 && mode != "sign")) {
    std::fprintf(stderr, "crash_signer: THREADS is 1.. and for sign only\n");
    return 1;
  }
  std::vector<int> results(static_cast<size_t>(threads), 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // Each thread starts at its own offset, so that every document is raced for.
      std::vector<int> order(docs.size());
      for (size_t i = 0; i < docs.size(); ++i) {
        order[i] = docs[(i + static_cast<size_t>(t) * docs.size() / static_cast<size_t>(threads)) %
                        docs.size()];
      }
      results[static_cast<size_t>(t)] = Present(key_id, dir, mode, order, threads > 1 ? t : -1);
    });
  }
  for (std::thread& w : workers) w.join();
  p11->C_Finalize(nullptr);
  for (int r : results) {
    if (r != 0) return r;
  }
  return 0;
}
