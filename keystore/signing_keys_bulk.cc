// Bulk key insertion for benchmarks (bench/): many file keys in one atomic write, wrapped and
// MAC'd exactly as GenerateKey does (StoreNewKey), but without one durable write and one audit
// record per key. Not for production use: the keys have no audit record of their own; one
// summary record is written at the end.
#include "crypto/keys.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/key_policy.h"
#include "keystore/row_mac.h"
#include "keystore/signing_keys.h"

namespace samp11 {

Status SigningKeys::BulkAddFileKeysForBenchmark(const std::string& owner, KeyType type,
                                                const Bytes& id_prefix, int64_t first,
                                                int64_t count) {
  SAMP11_ASSIGN_OR_RETURN(bool enrolled, signers_.SignerExists(owner));
  if (!enrolled) return Status(Code::kNotFound, "no signer '" + owner + "'");
  SAMP11_ASSIGN_OR_RETURN(std::string policy_json, KeyPolicyJson(2, std::nullopt));
  const int64_t now = context_.clock.NowSeconds();
  std::vector<KeyRow> rows;
  rows.reserve(static_cast<size_t>(count));
  for (int64_t i = first; i < first + count; ++i) {
    KeyRow row;
    row.id = id_prefix;
    for (int shift = 56; shift >= 0; shift -= 8) {
      row.id.push_back(static_cast<uint8_t>((static_cast<uint64_t>(i) >> shift) & 0xff));
    }
    row.label = "bulk";
    row.key_type = KeyTypeName(type);
    row.owner = owner;
    row.scal = 2;
    row.policy_json = policy_json;
    row.created = now;
    row.status_changed = now;
    row.backend = key_backend::kFile;
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, KeyStatusMacInput(row)));
    SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, ::samp11::GenerateKey(type));
    SAMP11_ASSIGN_OR_RETURN(row.public_spki, PublicKeyToSpki(key.get()));
    SAMP11_ASSIGN_OR_RETURN(SecureBytes material, PrivateKeyToPkcs8(key.get()));
    SAMP11_ASSIGN_OR_RETURN(row.wrapped_private, AeadSeal(context_.keys.wrap, KeyWrapAad(row),
                                                          material.data(), material.size()));
    rows.push_back(std::move(row));
  }
  SAMP11_RETURN_IF_ERROR(context_.state.keys().InsertKeys(rows));
  AuditEvent audit;
  audit.event = audit_event::kKeyGenerate;
  audit.signer = owner;
  audit.detail = std::to_string(count) + " " + KeyTypeName(type) +
                 " SCAL2 file keys in bulk (benchmark keystore), ids " + HexEncode(id_prefix) +
                 "+counter from " + std::to_string(first);
  return audit_.Record(std::move(audit), Status::Ok());
}

}  // namespace samp11
