// Helpers for the audit log tests: a token with a few records, and the raw edits an attacker
// with write access to the token file makes. The settable clock is tests/support/fake_clock.h.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "keystore/audit.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11::testing {

inline AuditEvent SignEvent(const std::string& signer, const Bytes& key_id, const std::string& jti,
                            const std::string& outcome = audit_outcome::kOk,
                            const std::string& detail = "") {
  AuditEvent e;
  e.event = audit_event::kSign;
  e.outcome = outcome;
  e.signer = signer;
  e.key_id = key_id;
  e.kid = "kid-" + signer;
  e.jti = jti;
  e.detail = detail;
  return e;
}

// Appends count sign records for alice, jti "j1".."j<count>".
inline void AppendSigns(Keystore& ks, int count, int first = 1) {
  for (int i = first; i < first + count; ++i) {
    Status s = ks.audit().Append(SignEvent("alice", ToBytes("key-a"), "j" + std::to_string(i)));
    REQUIRE_MESSAGE(s.ok(), s.ToString());
  }
}

// One hash (32 bytes of hash_byte) of alice's SAD jti from "device-1", and its sign record.
inline SpentHashRow SpendOf(const std::string& jti, uint8_t hash_byte) {
  SpentHashRow row;
  row.kid = "device-1";
  row.jti = jti;
  row.hash = Bytes(32, hash_byte);
  row.key_id = Bytes{1, 2, 3};
  row.sad_exp = 4102444800;  // 2100
  return row;
}

inline AuditEvent SignOf(const std::string& jti) {
  AuditEvent event = SignEvent("alice", Bytes{1, 2, 3}, jti);
  event.kid = "device-1";
  return event;
}

// Whether the signature that spends (jti, hash_byte) may leave: its journal write succeeded and
// won the spend.
inline Result<bool> SignSpending(Keystore& ks, const std::string& jti, uint8_t hash_byte) {
  return ks.audit().RecordSignature(SpendOf(jti, hash_byte), SignOf(jti), "hash already spent");
}

// A token's log starts with its creation (keystore.cc, "token-create" at seq 1): checks that
// record, and returns the records after it.
inline std::vector<AuditRecord> AfterCreation(std::vector<AuditRecord> records) {
  REQUIRE_FALSE(records.empty());
  CHECK(records[0].seq == 1);
  CHECK(records[0].event.event == audit_event::kTokenCreate);
  records.erase(records.begin());
  return records;
}

inline AuditReport MustVerify(Keystore& ks) {
  auto report = ks.audit().Verify();
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  return std::move(report).value();
}

// "seq: what" per problem, for failure messages.
inline std::string Describe(const AuditReport& report) {
  std::string text;
  for (const AuditProblem& p : report.problems) {
    text += std::to_string(p.seq) + ": " + p.what + "\n";
  }
  return text;
}

// True if some problem has this seq and mentions words.
inline bool HasProblem(const AuditReport& report, int64_t seq, const std::string& words) {
  for (const AuditProblem& p : report.problems) {
    if (p.seq == seq && p.what.find(words) != std::string::npos) return true;
  }
  return false;
}

// Swaps everything but seq between records a and b: the rows trade places in the log.
inline void SwapAuditRows(RawDb& db, int64_t a, int64_t b) {
  const std::string cols = "at, pid, event, outcome, signer, key_id, kid, jti, detail, chain, mac";
  db.Exec("CREATE TEMP TABLE swap AS SELECT seq, " + cols + " FROM audit_log WHERE seq IN (" +
          std::to_string(a) + ", " + std::to_string(b) + ")");
  db.Exec("UPDATE audit_log SET (" + cols + ") = (SELECT " + cols +
          " FROM swap WHERE swap.seq = " + std::to_string(a + b) +
          " - audit_log.seq) WHERE seq IN (" + std::to_string(a) + ", " + std::to_string(b) + ")");
  db.Exec("DROP TABLE swap");
}

}  // namespace samp11::testing
