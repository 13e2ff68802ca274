#include "tools/samp11/device_policy.h"

#include <filesystem>

#include "crypto/json.h"
#include "tools/samp11/cli_common.h"

namespace samp11::cli {
namespace {

Status Bad(const std::string& path, const std::string& message) {
  return Status(Code::kArgumentsBad, "device policy " + path + ": " + message);
}

bool LabelMatches(const std::string& pattern, const std::string& label) {
  if (!pattern.empty() && pattern.back() == '*') {
    return label.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  }
  return pattern == label;
}

bool Matches(const DeviceRule& rule, const ActivationRequest& r) {
  if (rule.signer && *rule.signer != r.signer) return false;
  if (rule.key_id && *rule.key_id != r.key_id) return false;
  if (rule.mechanism && *rule.mechanism != r.mechanism) return false;
  if (rule.caller && *rule.caller != r.caller_executable &&
      *rule.caller != std::filesystem::path(r.caller_executable).filename().string()) {
    return false;
  }
  if (rule.label && !LabelMatches(*rule.label, r.label)) return false;
  return true;
}

}  // namespace

Result<DevicePolicy> LoadDevicePolicy(const std::string& path) {
  SAMP11_ASSIGN_OR_RETURN(Bytes content, ReadFile(path));
  SAMP11_ASSIGN_OR_RETURN(nlohmann::json j,
                          ParseJsonObject(ToString(content), Code::kArgumentsBad));
  DevicePolicy policy;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "rules" && it.key() != "lifetime_seconds") {
      return Bad(path, "unknown member '" + it.key() + "'");
    }
  }
  if (j.contains("lifetime_seconds")) {
    const nlohmann::json& lifetime = j.at("lifetime_seconds");
    if (!lifetime.is_number_integer() || lifetime.get<int64_t>() < 1 ||
        lifetime.get<int64_t>() > 3600) {
      return Bad(path, "lifetime_seconds must be an integer from 1 to 3600");
    }
    policy.lifetime_seconds = lifetime.get<int64_t>();
  }
  if (!j.contains("rules") || !j.at("rules").is_array()) return Bad(path, "no 'rules' array");
  for (const nlohmann::json& entry : j.at("rules")) {
    if (!entry.is_object()) return Bad(path, "a rule must be an object");
    DeviceRule rule;
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      const std::string& name = it.key();
      if (!it->is_string()) return Bad(path, "rule member '" + name + "' must be a string");
      const std::string value = it->get<std::string>();
      if (name == "signer") {
        rule.signer = value;
      } else if (name == "key_id") {
        rule.key_id = value;
      } else if (name == "mechanism") {
        rule.mechanism = value;
      } else if (name == "caller") {
        rule.caller = value;
      } else if (name == "label") {
        rule.label = value;
      } else if (name == "reason") {
        rule.reason = value;
      } else if (name == "decision") {
        if (value == "approve") {
          rule.decision = DeviceDecision::kApprove;
        } else if (value == "refuse") {
          rule.decision = DeviceDecision::kRefuse;
        } else if (value == "ignore") {
          rule.decision = DeviceDecision::kIgnore;
        } else {
          return Bad(path, "decision must be approve, refuse or ignore");
        }
      } else {
        return Bad(path, "unknown rule member '" + name + "'");
      }
    }
    if (!entry.contains("decision")) return Bad(path, "a rule has no 'decision'");
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

DeviceVerdict Decide(const DevicePolicy& policy, const ActivationRequest& request) {
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const DeviceRule& rule = policy.rules[i];
    if (!Matches(rule, request)) continue;
    std::string reason = rule.reason;
    if (reason.empty()) reason = "policy rule " + std::to_string(i + 1);
    return {rule.decision, reason};
  }
  return {DeviceDecision::kRefuse, "no policy rule approves it"};
}

}  // namespace samp11::cli
