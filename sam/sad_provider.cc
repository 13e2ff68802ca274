#include "sam/sad_provider.h"

namespace samp11 {

Result<std::unique_ptr<SadProvider>> MakeSadProvider(const SadProviderConfig& config,
                                                     Keystore& keystore, const Clock& clock) {
  if (config.type == sad_provider::kExec) {
    if (config.command.empty() || config.command[0].empty() || config.command[0][0] != '/') {
      return Status(Code::kConfig, "sad_provider.command must start with an absolute path");
    }
    return MakeExecProvider(config);
  }
  if (config.type == sad_provider::kDeposit) return MakeDepositProvider(config, keystore, clock);
  return Status(Code::kConfig, "sad_provider.type must be \"exec\" or \"deposit\"");
}

}  // namespace samp11
