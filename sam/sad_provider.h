// A SAD provider carries an activation request from the SAM to the signer's device and the
// device's SAD back (docs/sad.md, "Asking the signer"). It can never make the SAM sign: what it
// brings is handed to the SAM's acceptor, which verifies it like any other SAD and checks that it
// binds exactly the request's key and hash; the SAM then spends it and signs, or refuses.
//   exec:    runs a configured command, the request as JSON on its stdin, the SAD on its stdout,
//            its exit code for a refusal (exec_provider.cc)
//   deposit: records the request in the keystore and waits for a deposit that answers it, made by
//            `samp11 sad deposit` or an approval service (deposit_provider.cc)
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/cancel_signal.h"
#include "common/clock.h"
#include "common/status.h"
#include "config/sad_provider_config.h"
#include "keystore/keystore.h"
#include "sad/request.h"
#include "sam/activation.h"

namespace samp11 {

// The SAM's verdict on a SAD the device sent: verified and bound to the request, or why not.
using SadAcceptor =
    std::function<Result<std::shared_ptr<const VerifiedSad>>(std::string_view sad_text)>;

class SadProvider {
 public:
  virtual ~SadProvider() = default;
  virtual const char* name() const = 0;
  virtual int64_t timeout_seconds() const = 0;

  // Delivers request to the signer's device and waits, until deadline_millis (monotonic) or until
  // cancel fires, for a SAD that accept takes. kRejected: the signer refused, or the device's
  // answer is not a usable SAD; kTimedOut: no answer in time; the cancel's reason when cancelled;
  // kDevice: the device cannot be reached or misbehaved; kStorage: the request cannot be recorded.
  virtual Result<std::shared_ptr<const VerifiedSad>> Ask(const ActivationRequest& request,
                                                         int64_t deadline_millis,
                                                         CancelSignal* cancel,
                                                         const SadAcceptor& accept) = 0;
};

// kConfig for an unknown type or a command that is not an absolute path.
Result<std::unique_ptr<SadProvider>> MakeSadProvider(const SadProviderConfig& config,
                                                     Keystore& keystore, const Clock& clock);
std::unique_ptr<SadProvider> MakeExecProvider(const SadProviderConfig& config);
std::unique_ptr<SadProvider> MakeDepositProvider(const SadProviderConfig& config,
                                                 Keystore& keystore, const Clock& clock);

}  // namespace samp11
