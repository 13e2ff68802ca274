// Bulk key insertion for benchmarks (bench/): many file keys in one transaction, wrapped and
// MAC'd exactly as GenerateKey does (StoreNewKey), but without one durable commit and one audit
// record per key. Not for production use: the keys have no audit record of their own; one
// summary record is written at the end.
#include <ctime>

#include "crypto/keys.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/key_policy.h"
#include "keystore/keystore.h"
#include "keystore/row_mac.h"
#include "keystore/sqlite_keys.h"
#include "keystore/sqlite_util.h"

namespace samp11 {

Status Keystore::BulkAddFileKeysForBenchmark(const std::string& owner, KeyType type,
                                             const Bytes& id_prefix, int64_t first, int64_t count) {
  SAMP11_ASSIGN_OR_RETURN(bool enrolled, SignerExists(owner));
  if (!enrolled) return Status(Code::kNotFound, "no signer '" + owner + "'");
  SAMP11_ASSIGN_OR_RETURN(std::string policy_json, KeyPolicyJson(2, std::nullopt));
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    SqliteDbPtr closer(raw);
    return SqliteError(raw, "open " + path_);
  }
  SqliteDbPtr db(raw);
  sqlite3_busy_timeout(db.get(), 10000);
  SAMP11_RETURN_IF_ERROR(SqliteExec(db.get(), "BEGIN IMMEDIATE"));
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto insert_all = [&]() -> Status {
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
      SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, KeyStatusMacInput(row)));
      SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, ::samp11::GenerateKey(type));
      SAMP11_ASSIGN_OR_RETURN(row.public_spki, PublicKeyToSpki(key.get()));
      SAMP11_ASSIGN_OR_RETURN(SecureBytes material, PrivateKeyToPkcs8(key.get()));
      SAMP11_ASSIGN_OR_RETURN(row.wrapped_private, AeadSeal(keys_.wrap, KeyWrapAad(row),
                                                            material.data(), material.size()));
      SAMP11_ASSIGN_OR_RETURN(SqliteStatement stmt, SqliteKeyInsert(db.get(), row));
      SAMP11_RETURN_IF_ERROR(stmt.Run());
    }
    return Status::Ok();
  };
  Status inserted = insert_all();
  if (!inserted.ok()) {
    (void)SqliteExec(db.get(), "ROLLBACK");
    return inserted;
  }
  SAMP11_RETURN_IF_ERROR(SqliteExec(db.get(), "COMMIT"));
  AuditEvent audit;
  audit.event = audit_event::kKeyGenerate;
  audit.signer = owner;
  audit.detail = std::to_string(count) + " " + KeyTypeName(type) +
                 " SCAL2 file keys in bulk (benchmark keystore), ids " + HexEncode(id_prefix) +
                 "+counter from " + std::to_string(first);
  return AuditResult(std::move(audit), Status::Ok());
}

}  // namespace samp11
