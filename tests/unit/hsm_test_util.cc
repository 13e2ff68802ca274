// The SoftHSMv2 fixture of the hsm tests (hsm_test_util.h).
#include "tests/unit/hsm_test_util.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/signature.h"

// LeakSanitizer's thread-local switch; null unless the test runs under ASan/LSan.
extern "C" void __lsan_disable() __attribute__((weak));
extern "C" void __lsan_enable() __attribute__((weak));

namespace samp11::hsm_test {
namespace {

// SoftHSM 2.6.1 leaks an ASN.1 string in every EdDSA C_SignInit (its own decoding of the
// Ed25519 key).
// LSan cannot attribute it (libcrypto has no frame pointers, so the stack ends there) and
// scripts/test-sanitizers.sh would fail on it. Only EdDSA signatures are made with LSan off:
// samp11's Sign path is the same for every mechanism and stays checked by RSA and ECDSA.
class SoftHsmEddsaLeakScope {
 public:
  SoftHsmEddsaLeakScope() {
    if (__lsan_disable != nullptr) __lsan_disable();
  }
  ~SoftHsmEddsaLeakScope() {
    if (__lsan_enable != nullptr) __lsan_enable();
  }
  SoftHsmEddsaLeakScope(const SoftHsmEddsaLeakScope&) = delete;
  SoftHsmEddsaLeakScope& operator=(const SoftHsmEddsaLeakScope&) = delete;
};

}  // namespace

Result<Bytes> EddsaSign(InnerToken& token, uint64_t handle, const Bytes& message) {
  SoftHsmEddsaLeakScope scope;
  return token.Sign(handle, InnerMechanism::kEddsa, message);
}

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  REQUIRE(::chmod(tmp.c_str(), mode) == 0);
  // A rename gives the file a new identity, as an operator's editor would.
  REQUIRE(::rename(tmp.c_str(), path.c_str()) == 0);
}

SoftHsm::SoftHsm() {
  if (::access(kSoftHsmModule, R_OK) != 0) {
    why_ = std::string(kSoftHsmModule) + " is not installed";
    return;
  }
  char tmpl[] = "/tmp/samp11-inner-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    why_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  std::filesystem::create_directory(dir_ + "/tokens");
  std::string conf = dir_ + "/softhsm2.conf";
  WriteFile(
      conf,
      "directories.tokendir = " + dir_ + "/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
      0600);
  ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  for (const char* label : {"inner", "wrongpin"}) {
    std::string command = std::string("softhsm2-util --init-token --free --label ") + label +
                          " --pin " + kUserPin + " --so-pin 5678 >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
      why_ = "softhsm2-util --init-token failed";
      return;
    }
  }
  // The serial of "inner", to find it by serial too ("Serial number:" precedes "Label:").
  std::string slots = dir_ + "/slots.txt";
  if (std::system(("softhsm2-util --show-slots >" + slots + " 2>/dev/null").c_str()) == 0) {
    std::ifstream in(slots);
    std::string line;
    std::string serial;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string a, b, value;
      words >> a >> b;
      if (a == "Serial" && b == "number:") {
        words >> serial;
      } else if (a == "Label:" && b == "inner") {
        inner_serial_ = serial;
      }
    }
  }
  pin_file_ = dir_ + "/user.pin";
  WriteFile(pin_file_, std::string(kUserPin) + "\r\n", 0600);  // a CRLF line end is trimmed
  ready_ = true;
}

SoftHsm::~SoftHsm() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

InnerTokenConfig SoftHsm::Config(const std::string& label, size_t max_sessions) const {
  InnerTokenConfig config;
  config.module = kSoftHsmModule;
  config.token_label = label;
  config.pin_file = pin_file_;
  config.max_sessions = max_sessions;
  return config;
}

const SoftHsm& TheSoftHsm() {
  static SoftHsm hsm;
  return hsm;
}

std::shared_ptr<InnerToken> NewToken(const InnerTokenConfig& config) {
  Result<std::shared_ptr<InnerToken>> token = InnerToken::Create(config);
  REQUIRE_MESSAGE(token.ok(), token.status().ToString());
  return *token;
}

Bytes NewId(const std::string& name) { return ToBytes("id-" + name); }

void SignAndVerify(InnerToken& token, const InnerKey& key, const std::string& message) {
  Result<EvpPkeyPtr> pub = PublicKeyFromSpki(key.public_spki);
  REQUIRE_MESSAGE(pub.ok(), pub.status().ToString());
  Bytes data = ToBytes(message);
  switch (FamilyOf(key.type)) {
    case KeyFamily::kEc: {
      Bytes hash = Digest(HashAlg::kSha256, data);
      Result<Bytes> sig = token.Sign(key.handle, InnerMechanism::kEcdsa, hash);
      REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
      CHECK(sig->size() == SignatureSize(key.type));
      Status verified = EcdsaVerifyHash(pub->get(), hash, *sig);
      CHECK_MESSAGE(verified.ok(), verified.ToString());
      break;
    }
    case KeyFamily::kRsa: {
      Bytes digest_info = MakeDigestInfo(HashAlg::kSha256, Digest(HashAlg::kSha256, data));
      Result<Bytes> sig = token.Sign(key.handle, InnerMechanism::kRsaPkcs, digest_info);
      REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
      CHECK(sig->size() == SignatureSize(key.type));
      Status verified = RsaPkcs1VerifyDigestInfo(pub->get(), digest_info, *sig);
      CHECK_MESSAGE(verified.ok(), verified.ToString());
      for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
        PssParams pss{alg, alg, HashSize(alg)};
        Bytes hash = Digest(alg, data);
        Result<Bytes> pss_sig = token.Sign(key.handle, InnerMechanism::kRsaPss, hash, &pss);
        REQUIRE_MESSAGE(pss_sig.ok(), pss_sig.status().ToString());
        Status pss_verified = RsaPssVerifyHash(pub->get(), hash, pss, *pss_sig);
        CHECK_MESSAGE(pss_verified.ok(), pss_verified.ToString());
      }
      break;
    }
    case KeyFamily::kEdwards: {
      Result<Bytes> sig = EddsaSign(token, key.handle, data);
      REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
      CHECK(sig->size() == 64);
      Status verified = Ed25519Verify(pub->get(), data, *sig);
      CHECK_MESSAGE(verified.ok(), verified.ToString());
      break;
    }
  }
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace samp11::hsm_test
