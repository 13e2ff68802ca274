// The exec SAD provider: the pattern of credential helpers, so that any push-approval service
// plugs in with a small command. The command gets the request as one JSON line on stdin and
// answers with its exit code:
//   0  approved: the SAD on stdout (surrounding whitespace ignored)
//   1  the signer refused (stdout may hold a one-line reason)
//   2  the signer did not answer in time (the device's own timeout)
//   other, or killed by a signal: the device could not be reached
// The SAM's own timeout kills the command. It runs in the caller's process group, so that a device
// may ask its user on the terminal.
#include <memory>

#include "common/log.h"
#include "common/subprocess.h"
#include "sam/sad_provider.h"

namespace samp11 {
namespace {

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

class ExecProvider : public SadProvider {
 public:
  ExecProvider(std::vector<std::string> command, int64_t timeout_seconds)
      : command_(std::move(command)), timeout_seconds_(timeout_seconds) {}

  const char* name() const override { return sad_provider::kExec; }
  int64_t timeout_seconds() const override { return timeout_seconds_; }

  Result<std::shared_ptr<const VerifiedSad>> Ask(const ActivationRequest& request,
                                                 int64_t deadline_millis, CancelSignal* cancel,
                                                 const SadAcceptor& accept) override {
    SubprocessSpec spec;
    spec.argv = command_;
    spec.input = ActivationRequestToJson(request) + "\n";
    spec.max_output = kMaxSadLength + 1024;
    spec.deadline_millis = deadline_millis;
    spec.cancel = cancel;
    Result<SubprocessResult> run = RunSubprocess(spec);
    if (!run.ok()) {
      if (run.status().code() == Code::kTimedOut) {
        return Status(Code::kTimedOut, "the signer's device did not answer within " +
                                           std::to_string(timeout_seconds_) + " s");
      }
      return run.status();
    }
    const std::string& device = command_[0];
    if (!run->exited) {
      return Status(Code::kDevice, device + " was killed by signal " + std::to_string(run->signal));
    }
    const std::string answer = Trim(run->output);
    switch (run->exit_code) {
      case 0:
        break;
      case 1:
        return Status(Code::kRejected,
                      "the signer refused" +
                          (answer.empty() ? std::string() : ": " + DisplayText(answer, 200)));
      case 2:
        return Status(Code::kTimedOut, "the signer did not answer (" + device + " gave up)");
      default:
        return Status(Code::kDevice, device + " failed (exit " + std::to_string(run->exit_code) +
                                         "): the signer's device could not be reached");
    }
    if (answer.empty()) return Status(Code::kDevice, device + " approved but wrote no SAD");
    Result<std::shared_ptr<const VerifiedSad>> accepted = accept(answer);
    if (!accepted.ok()) {
      if (accepted.status().code() == Code::kStorage ||
          accepted.status().code() == Code::kTampered) {
        return accepted.status();
      }
      return Status(Code::kRejected, "the device's answer is not a SAD for this signature: " +
                                         accepted.status().message());
    }
    return accepted;
  }

 private:
  std::vector<std::string> command_;
  int64_t timeout_seconds_;
};

}  // namespace

std::unique_ptr<SadProvider> MakeExecProvider(const SadProviderConfig& config) {
  return std::make_unique<ExecProvider>(config.command, config.timeout_seconds);
}

}  // namespace samp11
