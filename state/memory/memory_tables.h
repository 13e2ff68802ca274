// The rows of one in-memory state (memory_state.h), table by table, as the SQLite schema keeps
// them (state/sqlite/sqlite_schema.cc): the same keys, the same uniqueness, the same orders.
// Plain data: whoever holds a MemoryState's mutex reads and writes it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "common/bytes.h"
#include "state/rows.h"

namespace samp11 {

// (kid, jti, hash): a spent hash's primary key.
using SpentHashKey = std::tuple<std::string, std::string, Bytes>;
// (kid, jti): a deposited SAD's primary key.
using DepositKey = std::pair<std::string, std::string>;
// (name, kind): a signer's OTP enrolment's primary key.
using OtpKey = std::pair<std::string, std::string>;

// Erases the rows of a table whose SAD expired before `sad_exp_before` (spent hashes and
// deposits are purged alike); returns how many went.
template <typename Table>
int64_t EraseExpiredSads(Table& table, int64_t sad_exp_before) {
  int64_t removed = 0;
  for (auto it = table.begin(); it != table.end();) {
    if (it->second.sad_exp < sad_exp_before) {
      it = table.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

struct MemoryTables {
  std::map<std::string, std::string> meta;
  std::map<std::string, SignerRow> signers;                 // by name
  std::map<std::string, ActivationKeyRow> activation_keys;  // by kid
  std::map<int64_t, KeyRow> keys;                           // by handle
  std::map<int64_t, CertRow> certs;                         // by handle
  std::map<SpentHashKey, SpentHashRow> spent_hashes;
  std::map<DepositKey, DepositRow> deposits;
  std::map<std::string, SadRequestRow> requests;                             // by id
  std::map<std::string, SignerPinRow> pins;                                  // by signer name
  std::map<std::pair<std::string, std::string>, SignerSubjectRow> subjects;  // (issuer, subject)
  std::map<OtpKey, SignerOtpRow> otp;                                        // (name, kind)
  std::map<int64_t, AuditRow> audit;                                         // by seq
  std::optional<AuditHeadRow> audit_head;
  // The highest handle ever given (AUTOINCREMENT): a handle is never reused, not even after a
  // restore brought back a state that had not given it yet.
  int64_t last_key_handle = 0;
  int64_t last_cert_handle = 0;

  // Indexes of keys, which are never deleted and whose id, label and owner never change: kept by
  // AddKey, rebuilt by Reindex after the rows were replaced wholesale.
  std::map<Bytes, int64_t> key_by_id;
  std::set<std::pair<std::string, int64_t>> keys_by_label;
  std::set<std::pair<std::string, int64_t>> keys_by_owner;

  // Stores a key row whose handle is set and whose id is free, and indexes it.
  void AddKey(const KeyRow& row);
  void Reindex();
  KeyRow* FindKeyById(const Bytes& id);
};

}  // namespace samp11
