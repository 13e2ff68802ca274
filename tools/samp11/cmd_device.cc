// samp11 device: the reference signer device, "the phone" of the demo (docs/sad.md, "Asking the
// signer"). It holds the device key of one signer, reads an activation request, shows what is to
// be signed (signer, key, hash, caller, label) and, on its user's confirmation or by a policy
// file, answers with a SAD bound to exactly that hash, as the enrolled device.
//   samp11 device answer: one request on stdin, the SAD on stdout: the command of an exec SAD
//                         provider. Exit 0 approved, 1 refused, 2 no answer, 3 failure.
//   samp11 device watch:  the requests of a deposit SAD provider, read from the keystore;
//                         approvals are deposited there, refusals recorded.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <set>
#include <thread>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "sad/request.h"
#include "sad/sad.h"
#include "sam/sam.h"
#include "tools/samp11/commands.h"
#include "tools/samp11/device_policy.h"

namespace samp11::cli {
namespace {

constexpr int kExitApproved = 0;
constexpr int kExitRefused = 1;
constexpr int kExitNoAnswer = 2;
constexpr int kExitFailure = 3;
constexpr size_t kMaxRequest = 65536;

struct DeviceOptions {
  std::string device_key;
  std::string kid;
  std::string signer;
  std::string policy;
  int64_t lifetime = 0;  // 0: the policy's, else 60
  int64_t count = 0;     // watch: stop after this many answers (0: no limit)
  int64_t seconds = 0;   // watch: stop after this long (0: no limit)
};

// The device's key and the policy it decides by (none: its user decides on the terminal).
struct Device {
  EvpPkeyPtr key;
  std::string kid;
  std::string signer;
  std::optional<DevicePolicy> policy;
  int64_t lifetime = 60;

  static Result<Device> Load(const DeviceOptions& o) {
    Device d;
    SAMP11_ASSIGN_OR_RETURN(Bytes pem, ReadFile(o.device_key));
    SAMP11_ASSIGN_OR_RETURN(d.key, PrivateKeyFromPem(ToString(pem)));
    d.kid = o.kid;
    if (d.kid.empty()) {
      SAMP11_ASSIGN_OR_RETURN(d.kid, JwkThumbprint(d.key.get()));
    }
    d.signer = o.signer;
    if (!o.policy.empty()) {
      SAMP11_ASSIGN_OR_RETURN(DevicePolicy policy, LoadDevicePolicy(o.policy));
      d.lifetime = policy.lifetime_seconds;
      d.policy = std::move(policy);
    }
    if (o.lifetime > 0) d.lifetime = o.lifetime;
    return d;
  }

  // A SAD bound to exactly the request's key and hash, issued now by this device.
  Result<std::string> Issue(const ActivationRequest& r) const {
    SadClaims claims;
    claims.iss = claims.sub = signer;
    claims.aud = r.token_identity;
    claims.credential_id = r.key_id;
    claims.hash_alg = r.hash_alg;
    claims.hashes = {r.hash};
    claims.iat = Now();
    claims.exp = claims.iat + lifetime;
    SAMP11_ASSIGN_OR_RETURN(Bytes jti, RandomBytes(16));
    claims.jti = Base64UrlEncode(jti);
    return IssueSad(claims, kid, key.get());
  }
};

std::string Describe(const ActivationRequest& r) {
  std::string text;
  text +=
      "signature request " + r.request_id + " from token '" + DisplayText(r.token_label) + "'\n";
  text += "  signer:  " + DisplayText(r.signer) + "\n";
  text += "  key:     " + DisplayText(r.key_id) + " (" + DisplayText(r.key_type) + "), " +
          DisplayText(r.mechanism) + "\n";
  text += "  hash:    " + std::string(HashName(r.hash_alg)) + " " + HexEncode(r.hash) + "\n";
  text += "  caller:  pid " + std::to_string(r.caller_pid) + " " +
          DisplayText(r.caller_executable) + "\n";
  if (!r.label.empty()) text += "  label:   \"" + DisplayText(r.label) + "\" (the caller says)\n";
  text += "  expires: in " + std::to_string(r.expires - Now()) + " s\n";
  return text;
}

// The device's user decides, on the terminal (not stdin: that carries the request).
Result<DeviceVerdict> AskUser(const ActivationRequest& r) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return Status(Code::kDevice, "no terminal to ask on, and no --policy to decide by");
  }
  std::fprintf(tty, "samp11 device: %sApprove? [y/N] ", Describe(r).c_str());
  std::fflush(tty);
  char line[64] = {0};
  const bool answered = std::fgets(line, sizeof line, tty) != nullptr;
  std::fclose(tty);
  if (answered && (line[0] == 'y' || line[0] == 'Y')) {
    return DeviceVerdict{DeviceDecision::kApprove, "approved on the terminal"};
  }
  return DeviceVerdict{DeviceDecision::kRefuse, "refused on the terminal"};
}

Result<DeviceVerdict> DecideRequest(const Device& device, const ActivationRequest& r) {
  if (r.signer != device.signer) {
    return DeviceVerdict{DeviceDecision::kRefuse, "this device is " + device.signer + "'s, not " +
                                                      DisplayText(r.signer) + "'s"};
  }
  if (!device.policy) return AskUser(r);
  std::cerr << "samp11 device: " << Describe(r);
  DeviceVerdict verdict = Decide(*device.policy, r);
  std::cerr << "samp11 device: "
            << (verdict.decision == DeviceDecision::kApprove  ? "approved"
                : verdict.decision == DeviceDecision::kRefuse ? "refused"
                                                              : "left unanswered")
            << " (" << verdict.reason << ")\n";
  return verdict;
}

int RunAnswer(const DeviceOptions& o) {
  Result<Device> device = Device::Load(o);
  if (!device.ok()) {
    Fail(device.status());
    return kExitFailure;
  }
  std::string input;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0 && input.size() <= kMaxRequest) {
    input.append(buffer, n);
  }
  Result<ActivationRequest> request = ParseActivationRequest(input);
  if (!request.ok()) {
    Fail(request.status());
    return kExitFailure;
  }
  Result<DeviceVerdict> verdict = DecideRequest(*device, *request);
  if (!verdict.ok()) {
    Fail(verdict.status());
    return kExitFailure;
  }
  switch (verdict->decision) {
    case DeviceDecision::kApprove: {
      Result<std::string> sad = device->Issue(*request);
      if (!sad.ok()) {
        Fail(sad.status());
        return kExitFailure;
      }
      std::cout << *sad << "\n";
      return kExitApproved;
    }
    case DeviceDecision::kRefuse:
      std::cout << verdict->reason << "\n";
      return kExitRefused;
    case DeviceDecision::kIgnore:
      // A phone that never answers: the SAM's own timeout ends this (it kills the command).
      std::this_thread::sleep_for(std::chrono::seconds(
          std::max<int64_t>(0, std::min<int64_t>(request->expires - Now() + 5, 3600))));
      return kExitNoAnswer;
  }
  return kExitFailure;
}

Status RunWatch(const GlobalOptions& global, const DeviceOptions& o) {
  SAMP11_ASSIGN_OR_RETURN(Device device, Device::Load(o));
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenTokenKeystore(token));
  Sam sam(*ks, token.policy, DefaultClock());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(o.seconds);
  std::set<std::string> seen;
  int64_t answered = 0;
  std::cerr << "samp11 device: watching token '" << ks->label() << "' for " << device.signer
            << "'s requests\n";
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<SadRequestRow> pending, ks->requests().ListPending(Now()));
    for (const SadRequestRow& row : pending) {
      if (row.signer != device.signer || !seen.insert(row.id).second) continue;
      Result<ActivationRequest> request = ParseActivationRequest(row.request_json);
      if (!request.ok()) {
        std::cerr << "samp11 device: request " << row.id << ": " << request.status().message()
                  << "\n";
        continue;
      }
      SAMP11_ASSIGN_OR_RETURN(DeviceVerdict verdict, DecideRequest(device, *request));
      if (verdict.decision == DeviceDecision::kApprove) {
        SAMP11_ASSIGN_OR_RETURN(std::string sad, device.Issue(*request));
        SAMP11_RETURN_IF_ERROR(sam.DepositInKeystore(sad).status());
        ++answered;
      } else if (verdict.decision == DeviceDecision::kRefuse) {
        SAMP11_RETURN_IF_ERROR(
            ks->requests().End(row.id, "refused", verdict.reason, Now()).status());
        ++answered;
      }
    }
    if (o.count > 0 && answered >= o.count) return Status::Ok();
    if (o.seconds > 0 && std::chrono::steady_clock::now() >= until) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void AddDeviceOptions(CLI::App* cmd, DeviceOptions* o) {
  cmd->add_option("--device-key", o->device_key, "the device's private key (PEM)")->required();
  cmd->add_option("--signer", o->signer, "whose device this is")->required();
  cmd->add_option("--kid", o->kid, "its registered key id (default: JWK thumbprint)");
  cmd->add_option("--policy", o->policy, "decide by this policy file instead of asking");
  cmd->add_option("--lifetime", o->lifetime, "seconds the SADs it issues live (default 60)");
}

}  // namespace

void AddDeviceCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* device =
      app.add_subcommand("device", "the reference signer device: answer activation requests");
  device->require_subcommand(1);
  auto o = std::make_shared<DeviceOptions>();
  CLI::App* answer = device->add_subcommand(
      "answer", "read one request on stdin, answer with a SAD on stdout (an exec SAD provider)");
  AddDeviceOptions(answer, o.get());
  answer->footer(
      "Exit status (what the exec SAD provider reads): 0 approved, the SAD on stdout; 1 refused, "
      "the reason on stdout; 2 left unanswered (after the request expired); 3 a failure (a bad "
      "request, an unreadable key or policy): the device could not answer.\n");
  answer->callback([o, exit_code] { *exit_code = RunAnswer(*o); });

  CLI::App* watch = device->add_subcommand(
      "watch", "answer the token's pending requests (a deposit SAD provider)");
  AddDeviceOptions(watch, o.get());
  watch->add_option("--count", o->count, "stop after answering this many (default: never)");
  watch->add_option("--for", o->seconds, "stop after this many seconds (default: never)");
  watch->callback([&global, o, exit_code] {
    Status s = RunWatch(global, *o);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
