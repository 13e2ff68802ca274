#include "tests/support/softhsm.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "crypto/random.h"
#include "cryptoki/rv_names.h"
#include "hsm/inner_module.h"

namespace samp11::testing {
namespace {

void Check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("SoftHSM sandbox: " + what);
}

void CheckRv(CK_RV rv, const std::string& what) {
  Check(rv == CKR_OK, what + " failed (" + CkrName(rv) + ")");
}

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    Check(out.good(), "cannot write " + path);
  }
  Check(::chmod(path.c_str(), mode) == 0, "cannot chmod " + path);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RandomHex(size_t bytes) {
  Result<Bytes> random = RandomBytes(bytes);
  Check(random.ok(), "no random bytes");
  return HexEncode(*random);
}

std::string Trimmed(const CK_UTF8CHAR* text, size_t size) {
  std::string s(reinterpret_cast<const char*>(text), size);
  return s.substr(0, s.find_last_not_of(' ') + 1);
}

}  // namespace

SoftHsmSandbox& SoftHsmSandbox::Get() {
  // Never destroyed before exit; its destructor removes the folder then.
  static SoftHsmSandbox sandbox;
  return sandbox;
}

SoftHsmSandbox::SoftHsmSandbox() {
  Check(::access(kSoftHsmModule, R_OK) == 0,
        std::string(kSoftHsmModule) + " is missing (install softhsm2: scripts/install-deps.sh)");
  std::string pattern = (std::filesystem::temp_directory_path() / "samp11-softhsm-XXXXXX").string();
  Check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
  dir_ = pattern;
  std::filesystem::create_directory(dir_ + "/tokens");
  conf_path_ = dir_ + "/softhsm2.conf";
  WriteFile(
      conf_path_,
      "directories.tokendir = " + dir_ + "/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
      0600);
  // Before SoftHSM is loaded anywhere in this process; processes the tests start inherit it.
  ::setenv("SOFTHSM2_CONF", conf_path_.c_str(), 1);

  // Random PINs: nothing about the sandbox should work with a PIN guessed from the source.
  pin_ = RandomHex(8);
  std::string so_pin = RandomHex(8);
  std::string log = dir_ + "/init-token.log";
  std::string command = "softhsm2-util --init-token --free --label " + token_label_ + " --pin " +
                        pin_ + " --so-pin " + so_pin + " >" + log + " 2>&1";
  Check(std::system(command.c_str()) == 0, "softhsm2-util --init-token failed: " + ReadText(log));
  pin_file_ = dir_ + "/inner.pin";
  WriteFile(pin_file_, pin_ + "\n", 0600);

  // samp11's own registry, holding SoftHSM initialised for the whole process: otherwise each
  // test's last inner token would C_Finalize SoftHSM and the next would initialise it again,
  // which costs time and makes every test a reconnection test.
  Result<InnerModuleRef> module = InnerModuleRef::Acquire(kSoftHsmModule);
  Check(module.ok(), module.status().ToString());
  module_ = std::make_unique<InnerModuleRef>(std::move(module).value());
  CK_FUNCTION_LIST* p11 = module_->functions();
  CK_ULONG count = 0;
  CheckRv(p11->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  CheckRv(p11->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  bool found = false;
  for (CK_ULONG i = 0; i < count && !found; ++i) {
    CK_TOKEN_INFO info{};
    if (p11->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
    if (Trimmed(info.label, sizeof info.label) == token_label_) {
      slot_ = slots[i];
      found = true;
    }
  }
  Check(found, "the token '" + token_label_ + "' is not in any slot");
}

SoftHsmSandbox::~SoftHsmSandbox() {
  // SoftHSM first (finalized if this process's registry initialised it), then its files.
  module_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

InnerTokenConfig SoftHsmSandbox::Config() const {
  InnerTokenConfig config;
  config.module = kSoftHsmModule;
  config.token_label = token_label_;
  config.pin_file = pin_file_;
  return config;
}

}  // namespace samp11::testing
