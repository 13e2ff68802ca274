#include "keystore/audit_checkpoint.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/canonical_encoding.h"
#include "common/time_text.h"
#include "crypto/symmetric.h"

namespace samp11 {

namespace {

constexpr char kCheckpointLabel[] = "samp11 audit checkpoint v1";
constexpr char kNodeCheckpointLabel[] = "samp11 audit node checkpoint v1";
constexpr char kKeyLabel[] = "samp11 audit checkpoint key v1";
constexpr std::string_view kLineStart = "{\"samp11_checkpoint\"";

}  // namespace

Result<EvpPkeyPtr> CheckpointKey(const SecureBytes& carried_key) {
  SAMP11_ASSIGN_OR_RETURN(SecureBytes seed, HkdfSha256(carried_key, kKeyLabel, 32));
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) return Status(Code::kInternal, "cannot make the checkpoint key");
  return key;
}

Bytes CheckpointSigningInput(const AuditCheckpoint& checkpoint) {
  CanonicalEncoder input;
  if (checkpoint.node.empty()) {
    input.Add(kCheckpointLabel).Add(checkpoint.token);
  } else {
    input.Add(kNodeCheckpointLabel).Add(checkpoint.token).Add(checkpoint.node);
  }
  return input.AddDecimal(checkpoint.seq)
      .Add(checkpoint.chain)
      .AddDecimal(checkpoint.spent)
      .AddDecimal(checkpoint.at)
      .bytes();
}

std::string CheckpointLine(const AuditCheckpoint& checkpoint) {
  nlohmann::ordered_json line;
  line["samp11_checkpoint"] = 1;
  line["token"] = checkpoint.token;
  if (!checkpoint.node.empty()) line["node"] = checkpoint.node;
  line["seq"] = checkpoint.seq;
  line["chain"] = HexEncode(checkpoint.chain);
  line["spent"] = checkpoint.spent;
  line["at"] = checkpoint.at;
  line["time"] = UtcText(checkpoint.at);
  line["sig"] = Base64Encode(checkpoint.signature);
  return line.dump();
}

Result<AuditCheckpoint> ParseCheckpointLine(std::string_view text) {
  const Status bad(Code::kArgumentsBad, "not a samp11 checkpoint line");
  // After whatever a syslog daemon put in front of it.
  const size_t start = text.find(kLineStart);
  if (start == std::string_view::npos) return bad;
  nlohmann::json line =
      nlohmann::json::parse(text.substr(start), nullptr, /*allow_exceptions=*/false);
  if (!line.is_object() || !line.contains("samp11_checkpoint") || line["samp11_checkpoint"] != 1) {
    return bad;
  }
  for (const char* name : {"token", "chain", "sig"}) {
    if (!line.contains(name) || !line[name].is_string()) return bad;
  }
  for (const char* name : {"seq", "spent", "at"}) {
    if (!line.contains(name) || !line[name].is_number_integer()) return bad;
  }
  AuditCheckpoint checkpoint;
  if (line.contains("node")) {
    if (!line["node"].is_string() || line["node"].get_ref<const std::string&>().empty()) return bad;
    checkpoint.node = line["node"].get<std::string>();
  }
  checkpoint.token = line["token"].get<std::string>();
  checkpoint.seq = line["seq"].get<int64_t>();
  checkpoint.spent = line["spent"].get<int64_t>();
  checkpoint.at = line["at"].get<int64_t>();
  std::optional<Bytes> chain = HexDecode(line["chain"].get<std::string>());
  std::optional<Bytes> sig = Base64Decode(line["sig"].get<std::string>());
  if (!chain || chain->size() != 32 || !sig || checkpoint.seq < 1 || checkpoint.spent < 0) {
    return bad;
  }
  checkpoint.chain = std::move(*chain);
  checkpoint.signature = std::move(*sig);
  return checkpoint;
}

}  // namespace samp11
