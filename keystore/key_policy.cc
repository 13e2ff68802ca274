#include "keystore/key_policy.h"

#include <nlohmann/json.hpp>

namespace samp11 {
namespace {

constexpr char kActivation[] = "activation";
constexpr char kMaxSignatures[] = "max_signatures";
constexpr char kMaxSeconds[] = "max_seconds";
constexpr char kRequireOtp[] = "require_otp";

Status Unsupported(const std::string& why) {
  return Status(Code::kUnsupported, "key policy not understood: " + why);
}

Result<int64_t> ReadLimit(const nlohmann::json& activation, const char* name) {
  const nlohmann::json& value = activation.at(name);
  if (!value.is_number_integer()) return Unsupported(std::string(name) + " is not an integer");
  return value.get<int64_t>();
}

}  // namespace

Status CheckActivationLimits(const ActivationLimits& limits) {
  if (!limits.max_signatures && !limits.max_seconds) {
    return Status(Code::kArgumentsBad,
                  "a SCAL1 key needs an activation limit: max signatures, max seconds or both");
  }
  if (limits.max_signatures &&
      (*limits.max_signatures < 1 || *limits.max_signatures > kMaxActivationSignatures)) {
    return Status(Code::kArgumentsBad, "max signatures must be between 1 and 1000000");
  }
  if (limits.max_seconds &&
      (*limits.max_seconds < 1 || *limits.max_seconds > kMaxActivationSeconds)) {
    return Status(Code::kArgumentsBad, "max seconds must be between 1 and 86400");
  }
  return Status::Ok();
}

Result<std::string> KeyPolicyJson(int scal, const std::optional<ActivationLimits>& limits) {
  if (scal >= 2) {
    if (limits) {
      return Status(Code::kArgumentsBad,
                    "activation limits are for SCAL1 keys: a SCAL2 key needs a SAD per signature");
    }
    return std::string("{}");
  }
  if (!limits) {
    return Status(Code::kArgumentsBad,
                  "a SCAL1 key needs an activation limit: max signatures, max seconds or both");
  }
  SAMP11_RETURN_IF_ERROR(CheckActivationLimits(*limits));
  // ordered_json: the same limits always give the same text (it is authenticated data).
  nlohmann::ordered_json activation = nlohmann::ordered_json::object();
  if (limits->max_signatures) activation[kMaxSignatures] = *limits->max_signatures;
  if (limits->max_seconds) activation[kMaxSeconds] = *limits->max_seconds;
  if (limits->require_otp) activation[kRequireOtp] = true;
  nlohmann::ordered_json policy;
  policy[kActivation] = std::move(activation);
  return policy.dump();
}

Result<std::optional<ActivationLimits>> ActivationLimitsOf(const std::string& policy_json) {
  nlohmann::json policy = nlohmann::json::parse(policy_json, nullptr, /*allow_exceptions=*/false);
  if (policy.is_discarded() || !policy.is_object()) return Unsupported("not a JSON object");
  for (auto it = policy.begin(); it != policy.end(); ++it) {
    if (it.key() != kActivation) return Unsupported("unknown member '" + it.key() + "'");
  }
  if (!policy.contains(kActivation)) return std::optional<ActivationLimits>();
  const nlohmann::json& activation = policy.at(kActivation);
  if (!activation.is_object()) return Unsupported("activation is not an object");
  ActivationLimits limits;
  for (auto it = activation.begin(); it != activation.end(); ++it) {
    if (it.key() == kMaxSignatures) {
      SAMP11_ASSIGN_OR_RETURN(limits.max_signatures, ReadLimit(activation, kMaxSignatures));
    } else if (it.key() == kMaxSeconds) {
      SAMP11_ASSIGN_OR_RETURN(limits.max_seconds, ReadLimit(activation, kMaxSeconds));
    } else if (it.key() == kRequireOtp) {
      // Only ever written as true: any other value is a policy this version did not write.
      if (!it.value().is_boolean() || !it.value().get<bool>()) {
        return Unsupported("require_otp is not true");
      }
      limits.require_otp = true;
    } else {
      return Unsupported("unknown activation member '" + it.key() + "'");
    }
  }
  Status valid = CheckActivationLimits(limits);
  if (!valid.ok()) return Unsupported(valid.message());
  return std::optional<ActivationLimits>(limits);
}

}  // namespace samp11
