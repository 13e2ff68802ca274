// Replay protection across processes: the spent-hash table lives in the keystore file, shared by
// every process that loads the module. The other processes here are the real example program.
#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/integration/module_fixture.h"
#include "tests/integration/verify_with_openssl.h"

namespace samp11::testing {
namespace {

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}
std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
Bytes ReadBytes(const std::string& path) { return ToBytes(ReadText(path)); }

// Runs sign_with_sad for one document and SAD; returns its exit status.
int SignInOtherProcess(const std::string& dir, const std::string& tag, const KeyInfo& key) {
  std::string cmd = std::string(SAMP11_SIGN_WITH_SAD) + " " + SAMP11_MODULE_PATH + " " +
                    HexEncode(key.id) + " @" + dir + "/" + tag + ".sad " + dir + "/" + tag +
                    ".doc " + dir + "/" + tag + ".sig 2>" + dir + "/" + tag + ".err >/dev/null";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("a SAD spent in this process is refused in another, and the other way round") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  const std::string& dir = f.token().dir();
  Bytes doc = ToBytes("replayed across processes");
  std::string sad = f.token().SadForData("alice", key.info, doc);
  WriteFile(dir + "/a.doc", ToString(doc));
  WriteFile(dir + "/a.sad", sad);

  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  REQUIRE(f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, doc, nullptr) == CKR_OK);
  CHECK(SignInOtherProcess(dir, "a", key.info) == 2);
  CHECK(ReadText(dir + "/a.err").find("CKR_FUNCTION_REJECTED") != std::string::npos);

  Bytes doc2 = ToBytes("signed elsewhere first");
  std::string sad2 = f.token().SadForData("alice", key.info, doc2);
  WriteFile(dir + "/b.doc", ToString(doc2));
  WriteFile(dir + "/b.sad", sad2);
  REQUIRE(SignInOtherProcess(dir, "b", key.info) == 0);
  CHECK(f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad2, doc2, nullptr) ==
        CKR_FUNCTION_REJECTED);
}

TEST_CASE("processes signing at once from one keystore: each SAD signs exactly once") {
  // Under the pkcs11 backend this also races 16 processes' logins on one SoftHSMv2 token, whose
  // file store needs InnerToken's retries (SoftHSMv2 issue #757; hsm/connect.cc).
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  const std::string& dir = f.token().dir();
  constexpr int kProcesses = 8;
  // Distinct documents, each with its own SAD: all must sign.
  // The same SAD and document given to kProcesses more: exactly one may sign.
  Bytes shared_doc = ToBytes("one document, one SAD, many processes");
  std::string shared_sad = f.token().SadForData("alice", key.info, shared_doc);
  std::string script;
  for (int i = 0; i < kProcesses; ++i) {
    std::string tag = "d" + std::to_string(i);
    Bytes doc = ToBytes("document " + std::to_string(i));
    WriteFile(dir + "/" + tag + ".doc", ToString(doc));
    WriteFile(dir + "/" + tag + ".sad", f.token().SadForData("alice", key.info, doc));
    std::string race = "r" + std::to_string(i);
    WriteFile(dir + "/" + race + ".doc", ToString(shared_doc));
    WriteFile(dir + "/" + race + ".sad", shared_sad);
    for (const std::string& t : {tag, race}) {
      script += "(" + std::string(SAMP11_SIGN_WITH_SAD) + " " + SAMP11_MODULE_PATH + " " +
                HexEncode(key.info.id) + " @" + dir + "/" + t + ".sad " + dir + "/" + t + ".doc " +
                dir + "/" + t + ".sig >/dev/null 2>" + dir + "/" + t + ".err; echo $? > " + dir +
                "/" + t + ".rc) & ";
    }
  }
  script += "wait";
  REQUIRE(std::system(("bash -c '" + script + "'").c_str()) == 0);

  EvpPkeyPtr pub = PublicKeyOf(key.info);
  int race_winners = 0;
  for (int i = 0; i < kProcesses; ++i) {
    std::string tag = "d" + std::to_string(i);
    CAPTURE(tag);
    CHECK(ReadText(dir + "/" + tag + ".rc") == "0\n");
    CHECK(ReadText(dir + "/" + tag + ".err") == "");
    // sign_with_sad writes ECDSA in DER; convert back to r||s is not needed: verify the DER.
    Bytes der = ReadBytes(dir + "/" + tag + ".sig");
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(sig != nullptr);
    Bytes raw(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
    ECDSA_SIG_free(sig);
    CHECK(VerifyDocument(pub.get(), Scheme::kEcdsa, EVP_sha256(),
                         ReadBytes(dir + "/" + tag + ".doc"), raw));
    std::string race = "r" + std::to_string(i);
    std::string rc = ReadText(dir + "/" + race + ".rc");
    if (rc == "0\n") {
      ++race_winners;
    } else {
      const std::string err = ReadText(dir + "/" + race + ".err");
      CHECK_MESSAGE(rc == "2\n", err);
      CHECK_MESSAGE(err.find("CKR_FUNCTION_REJECTED") != std::string::npos, err);
    }
  }
  CHECK(race_winners == 1);
}

}  // namespace
}  // namespace samp11::testing
