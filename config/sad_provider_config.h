// Which SAD provider a token asks when a SCAL2 signature reaches C_Sign without a SAD
// (docs/sad.md, "Asking the signer"; docs/configuration.md, "sad_provider").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace samp11 {

namespace sad_provider {
inline constexpr char kExec[] = "exec";
inline constexpr char kDeposit[] = "deposit";
}  // namespace sad_provider

struct SadProviderConfig {
  std::string type;                  // sad_provider::kExec or kDeposit
  std::vector<std::string> command;  // exec: the device command, argv[0] an absolute path
  int64_t timeout_seconds = 120;     // longest wait for the signer's answer (1..3600)
  int64_t poll_milliseconds = 100;   // deposit: how often the keystore is looked at (10..5000)
};

}  // namespace samp11
