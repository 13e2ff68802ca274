// race_signer: one signing node of postgres_race_test.sh, racing other nodes for the same SADs.
//
//   race_signer MODULE KEY_ID_HEX WORK_LIST OUT THREADS
//
// The module is loaded with dlopen and configured by SAMP11_CONF (the node's configuration),
// initialised with CKF_OS_LOCKING_OK. WORK_LIST has one work item a line, "ID SAD_FILE DOC_FILE";
// a batch SAD's file appears on the line of each of its documents. Every file is read before
// the first signature, so the race is one of signatures only.
//
// Each of THREADS threads has its own session and tries every item, from its own starting point
// (so that every SAD is raced for by every thread of every node): C_SignInit(CKM_ECDSA_SHA256),
// C_Login(CKU_CONTEXT_SPECIFIC, SAD), C_Sign. A released signature (r||s) is appended to OUT as
// one line "ID HEX" with one write(2) on an O_APPEND descriptor, before the thread goes on: a
// line is in OUT as soon as the module let that signature out, and a SIGKILL never leaves half a
// line. A document a thread of this process signed is not tried again by its other threads.
//
// At the end, one line per (step, CK_RV) that was not CKR_OK, to standard output:
//   refused STEP CKR_NAME COUNT
// Exit 0 when every item was tried; 1 usage or I/O error; 3 a step other than C_Sign refused, or
// C_Sign answered anything but CKR_OK or CKR_FUNCTION_REJECTED (the items were all tried
// anyway, and the counts say what came).
#include <dlfcn.h>
#include <fcntl.h>
#include <p11-kit/pkcs11.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cryptoki/rv_names.h"

namespace {

CK_FUNCTION_LIST_PTR p11 = nullptr;

struct Item {
  std::string id, sad, doc;
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string Hex(const CK_BYTE* data, CK_ULONG size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (CK_ULONG i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

// What came of the attempts that did not sign: (step, CK_RV) -> count.
class Refusals {
 public:
  void Add(const char* step, CK_RV rv) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[std::make_pair(std::string(step), rv)];
  }
  // Prints the counts; false if any is not an expected refusal.
  bool Report() {
    std::lock_guard<std::mutex> lock(mu_);
    bool expected = true;
    for (const auto& [key, count] : counts_) {
      std::printf("refused %s %s %lu\n", key.first.c_str(), samp11::CkrName(key.second).c_str(),
                  count);
      expected = expected && key.first == "C_Sign" && key.second == CKR_FUNCTION_REJECTED;
    }
    return expected;
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, CK_RV>, unsigned long> counts_;
};

// One attempt at an item; records a refusal, returns the signature or an empty string.
std::string SignOne(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key, const Item& item,
                    Refusals& refusals) {
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  CK_RV rv = p11->C_SignInit(session, &mech, key);
  if (rv != CKR_OK) {
    refusals.Add("C_SignInit", rv);
    return std::string();
  }
  std::string sad = item.sad, doc = item.doc;
  CK_BYTE sig[512];
  CK_ULONG len = sizeof sig;
  auto* data = reinterpret_cast<CK_BYTE_PTR>(doc.data());
  rv = p11->C_Login(session, CKU_CONTEXT_SPECIFIC, reinterpret_cast<CK_UTF8CHAR_PTR>(sad.data()),
                    sad.size());
  if (rv != CKR_OK) {
    refusals.Add("C_Login", rv);
    // A refused login leaves the operation active: end it, so that the next C_SignInit works.
    p11->C_Sign(session, data, doc.size(), sig, &len);
    return std::string();
  }
  rv = p11->C_Sign(session, data, doc.size(), sig, &len);
  if (rv != CKR_OK) {
    refusals.Add("C_Sign", rv);
    return std::string();
  }
  return Hex(sig, len);
}

int Fail(const char* what, CK_RV rv) {
  std::fprintf(stderr, "race_signer: %s: %s\n", what, samp11::CkrName(rv).c_str());
  return 3;
}

CK_OBJECT_HANDLE FindKey(CK_SESSION_HANDLE session, std::vector<CK_BYTE> id) {
  CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE find[] = {{CKA_CLASS, &klass, sizeof klass},
                         {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG found = 0;
  CK_RV rv = p11->C_FindObjectsInit(session, find, 2);
  if (rv == CKR_OK) rv = p11->C_FindObjects(session, &key, 1, &found);
  if (rv == CKR_OK) rv = p11->C_FindObjectsFinal(session);
  return rv == CKR_OK && found == 1 ? key : CK_INVALID_HANDLE;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s MODULE KEY_ID_HEX WORK_LIST OUT THREADS\n", argv[0]);
    return 1;
  }
  std::vector<CK_BYTE> key_id;
  for (size_t i = 0; i + 1 < std::strlen(argv[2]); i += 2) {
    key_id.push_back(static_cast<CK_BYTE>(std::stoi(std::string(argv[2] + i, 2), nullptr, 16)));
  }
  std::vector<Item> items;
  {
    std::ifstream list(argv[3]);
    std::string sad_path, doc_path;
    for (Item item; list >> item.id >> sad_path >> doc_path;) {
      if (!ReadFile(sad_path, &item.sad) || !ReadFile(doc_path, &item.doc)) {
        std::fprintf(stderr, "race_signer: cannot read %s or %s\n", sad_path.c_str(),
                     doc_path.c_str());
        return 1;
      }
      while (!item.sad.empty() && (item.sad.back() == '\n' || item.sad.back() == '\r')) {
        item.sad.pop_back();
      }
      items.push_back(std::move(item));
    }
    if (items.empty()) {
      std::fprintf(stderr, "race_signer: no work in %s\n", argv[3]);
      return 1;
    }
  }
  const int threads = std::stoi(argv[5]);
  if (threads < 1) return 1;
  const int out = open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) {
    std::perror(argv[4]);
    return 1;
  }

  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  auto get =
      lib ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList")) : nullptr;
  if (get == nullptr || get(&p11) != CKR_OK) {
    std::fprintf(stderr, "race_signer: cannot load %s\n", argv[1]);
    return 1;
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = p11->C_Initialize(&args);
  if (rv != CKR_OK) return Fail("C_Initialize", rv);

  Refusals refusals;
  // Signed by this process: its other threads skip the item (they would only be refused).
  std::vector<std::atomic<bool>> signed_here(items.size());
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      CK_SESSION_HANDLE session;
      CK_RV opened = p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
      if (opened != CKR_OK) {
        failed = Fail("C_OpenSession", opened);
        return;
      }
      const CK_OBJECT_HANDLE key = FindKey(session, key_id);
      if (key == CK_INVALID_HANDLE) {
        std::fprintf(stderr, "race_signer: key %s not found\n", argv[2]);
        failed = 3;
        return;
      }
      const size_t n = items.size();
      for (size_t i = 0; i < n; ++i) {
        const size_t k = (i + static_cast<size_t>(t) * n / static_cast<size_t>(threads)) % n;
        if (signed_here[k]) continue;
        const std::string signature = SignOne(session, key, items[k], refusals);
        if (signature.empty()) continue;
        signed_here[k] = true;
        const std::string line = items[k].id + " " + signature + "\n";
        if (write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::perror("race_signer: writing a signature");
          failed = 1;
          return;
        }
      }
      p11->C_CloseSession(session);
    });
  }
  for (std::thread& w : workers) w.join();
  p11->C_Finalize(nullptr);
  close(out);
  const bool expected = refusals.Report();
  if (failed != 0) return failed;
  return expected ? 0 : 3;
}
