// Everything a token's state holds, as rows, in no engine's own format: what
// MaintenanceStore::Contents reads at one instant and StateLocation::StageContents makes a new
// state of. A token moves between implementations through it (`samp11 migrate`: a keystore file
// to PostgreSQL and back, keystore/keystore_migrate.cc); a backup's image stays each
// implementation's own (Snapshot, Stage), since it only ever goes back where it came from.
//
// Rows are data, as everywhere in state/: keystore/ checks every one of them before it copies
// them and again where they arrive.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "state/rows.h"

namespace samp11 {

// One audit chain: its rows by seq, and its head row.
struct AuditChainContents {
  std::vector<AuditRow> rows;
  std::optional<AuditHeadRow> head;
};

struct StateContents {
  // Every meta row but the engine's own bookkeeping (a SQLite file's schema_version: the state
  // that receives the rows keeps its own).
  std::vector<std::pair<std::string, std::string>> meta;
  std::vector<SignerRow> signers;
  std::vector<SignerPinRow> pins;  // failures (the PIN try counters) included
  std::vector<SignerOtpRow> otp;   // last_step and failures included
  std::vector<ActivationKeyRow> activation_keys;
  std::vector<SignerSubjectRow> subjects;  // by issuer, subject
  std::vector<KeyRow> keys;                // handles kept
  std::vector<CertRow> certs;
  std::vector<SpentHashRow> spent_hashes;
  std::vector<DepositRow> deposits;
  // Every audit chain that has a row or a head, by its name (AuditStore::ChainName): "" is the
  // token's one chain (a file's), a node's name one signing node's chain (PostgreSQL).
  std::map<std::string, AuditChainContents> chains;
  // The highest key and certificate handles the state ever gave (never given again).
  int64_t last_key_handle = 0;
  int64_t last_cert_handle = 0;
  // Not held: activation requests (sad_requests). Each belongs to a C_Sign waiting in a process on
  // the state it was made in, and grants nothing: a restore drops them too.
};

}  // namespace samp11
