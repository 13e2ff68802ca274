// The decisions of the reference signer device (`samp11 device`) when it runs unattended: a JSON
// policy file of rules, the first rule that matches a request deciding it (docs/sad.md, "Asking
// the signer"). Without a policy the device asks its user on the terminal.
//   {"rules": [{"signer": "alice", "key_id": "a11ce001", "caller": "pdfsig", "decision":
//   "approve"},
//              {"label": "test*", "decision": "refuse", "reason": "not on a Sunday"}],
//    "lifetime_seconds": 60}
// A rule's fields all match when present: signer, key_id (hex), mechanism, caller (the calling
// executable's path or its file name) and label (exact, or a prefix when it ends in '*').
// decision: approve | refuse | ignore (never answer: the SAM's wait times out). No rule matching
// means refuse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sad/request.h"

namespace samp11::cli {

enum class DeviceDecision { kApprove, kRefuse, kIgnore };

struct DeviceRule {
  std::optional<std::string> signer, key_id, mechanism, caller, label;
  DeviceDecision decision = DeviceDecision::kRefuse;
  std::string reason;
};

struct DevicePolicy {
  std::vector<DeviceRule> rules;
  int64_t lifetime_seconds = 60;  // of the SADs it issues
};

struct DeviceVerdict {
  DeviceDecision decision;
  std::string reason;  // for a refusal, or which rule approved
};

Result<DevicePolicy> LoadDevicePolicy(const std::string& path);
DeviceVerdict Decide(const DevicePolicy& policy, const ActivationRequest& request);

}  // namespace samp11::cli
