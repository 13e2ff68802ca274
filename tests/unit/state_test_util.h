// The shared state suites (state_*.cc): each TEST_CASE_TEMPLATE runs once per implementation of
// the state interfaces, through a factory of locations, with rows made by the helpers below.
// What only SQLite has (a file's mode, schema migration, processes, WAL) is in state_sqlite.cc;
// what only the memory implementation has (its spaces), in state_memory.cc.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "state/journal/journaled_state.h"
#include "state/memory/memory_state.h"
#include "state/sqlite/sqlite_state_store.h"
#include "state/state_location.h"
#include "temp_dir.h"
#ifdef SAMP11_STATE_TEST_POSTGRES
#include <atomic>
#include <cctype>
#include <stdexcept>

#include "state/postgres/pg_state_store.h"
#include "tests/support/pg_cluster.h"
#endif

namespace samp11::testing {

// Token files in a temporary folder.
struct SqliteStates {
  static constexpr bool kJournal = false;
  static constexpr bool kVersionIsKeyStateOnly = false;
  TempFolder dir;
  // A place of its own for each leaf name.
  std::unique_ptr<StateLocation> Location(const std::string& leaf) {
    return SqliteStateLocation(dir.File(leaf));
  }
  // The location a name another location gave names (a restore's aside).
  std::unique_ptr<StateLocation> Named(const std::string& name) {
    return SqliteStateLocation(name);
  }
};

// Token files with the signature journal in front (state/journal/), its segments kept small so
// that the suites rotate them and fold them in the background as a long-running signer does.
struct JournaledStates {
  // The signing path's writes go to the journal: they do not move another store's
  // KeyStateVersion (no key, signer or certificate row changed), and an append out of order is
  // refused before it is written.
  static constexpr bool kJournal = true;
  static constexpr bool kVersionIsKeyStateOnly = false;
  static constexpr int64_t kSegmentBytes = 4096;
  TempFolder dir;
  std::unique_ptr<StateLocation> Location(const std::string& leaf) { return Named(dir.File(leaf)); }
  std::unique_ptr<StateLocation> Named(const std::string& name) {
    return JournaledStateLocation(SqliteStateLocation(name), name, kSegmentBytes);
  }
};

#ifdef SAMP11_STATE_TEST_POSTGRES
// States in a PostgreSQL cluster of the test process's own (tests/support/pg_cluster.h): a schema
// each, in one database, as node "test-node".
struct PgStates {
  static constexpr bool kJournal = true;  // the signing path moves no version (pg_maintenance.cc)
  // KeyStateVersion counts every writer's writes to the rows it vouches for alike, and nothing
  // else (a trigger: pg_schema.cc).
  static constexpr bool kVersionIsKeyStateOnly = true;
  // The same leaf of one PgStates is the same state.
  std::unique_ptr<StateLocation> Location(const std::string& leaf) { return Named(Schema(leaf)); }
  std::string Schema(const std::string& leaf) const {
    std::string schema = prefix_;
    for (char c : leaf) {
      const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0;
      schema += plain ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
    }
    return schema;
  }
  std::unique_ptr<StateLocation> Named(const std::string& schema) {
    PgStateConfig config;
    config.options.conninfo = Database();
    config.options.schema = schema;
    config.node = "test-node";
    return PgStateLocation(config);
  }

 private:
  const std::string prefix_ = "s" + std::to_string(NextNumber()) + "_";
  static int NextNumber() {
    static std::atomic<int> next{0};
    return ++next;
  }
  static std::string Database() {
    static const std::string conninfo = [] {
      PgCluster& cluster = SharedPgCluster();
      Status created = cluster.CreateDatabase("states");
      if (!created.ok()) throw std::runtime_error(created.ToString());
      return cluster.ConnInfo("states");
    }();
    return conninfo;
  }
};
#endif

// States in a memory space of their own.
struct MemoryStates {
  static constexpr bool kJournal = false;
  static constexpr bool kVersionIsKeyStateOnly = false;
  std::shared_ptr<MemoryStateSpace> space = NewMemoryStateSpace();
  std::unique_ptr<StateLocation> Location(const std::string& leaf) { return space->Location(leaf); }
  std::unique_ptr<StateLocation> Named(const std::string& name) { return space->Location(name); }
};

// The name a restore gives the live state it keeps aside (StateLocation::ReplaceLive): beside a
// file, "<file>.before-restore-<tag>"; in PostgreSQL, the schema "<live>_aside_<tag>".
template <typename States>
std::string AsideName(States& states, const std::string& leaf, const std::string& tag) {
#ifdef SAMP11_STATE_TEST_POSTGRES
  if constexpr (std::is_same_v<States, PgStates>) return states.Schema(leaf) + "_aside_" + tag;
#endif
  return states.Location(leaf)->name() + ".before-restore-" + tag;
}

template <typename T>
T Must(Result<T> result) {
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  return std::move(result).value();
}

inline void MustOk(const Status& status) { REQUIRE_MESSAGE(status.ok(), status.ToString()); }

template <typename States>
std::unique_ptr<StateStore> NewStore(States& states, const std::string& leaf = "t") {
  return Must(states.Location(leaf)->Create());
}

template <typename States>
std::unique_ptr<StateStore> OpenStore(States& states, const std::string& leaf = "t") {
  return Must(states.Location(leaf)->Open());
}

inline SignerRow Signer(const std::string& name, int64_t created = 1) {
  SignerRow row;
  row.name = name;
  row.created = created;
  row.mac = ToBytes("mac-" + name);
  row.status_mac = ToBytes("status-mac-" + name);
  return row;
}

inline ActivationKeyRow ActivationKey(const std::string& kid, const std::string& owner,
                                      const std::string& role = "device") {
  ActivationKeyRow row;
  row.kid = kid;
  row.role = role;
  row.owner = owner;
  row.alg = "ES256";
  row.public_spki = ToBytes("spki-" + kid);
  row.created = 2;
  row.mac = ToBytes("mac-" + kid);
  return row;
}

inline SignerSubjectRow Subject(const std::string& issuer, const std::string& subject,
                                const std::string& signer) {
  SignerSubjectRow row;
  row.issuer = issuer;
  row.subject = subject;
  row.signer = signer;
  row.created = 3;
  row.mac = ToBytes("mac-" + subject);
  return row;
}

inline KeyRow Key(const std::string& id, const std::string& label, const std::string& owner) {
  KeyRow row;
  row.id = ToBytes(id);
  row.label = label;
  row.key_type = "ec-p256";
  row.owner = owner;
  row.scal = 2;
  row.policy_json = "{}";
  row.public_spki = ToBytes("spki-" + id);
  row.wrapped_private = ToBytes("wrapped-" + id);
  row.created = 1;
  row.status_mac = ToBytes("status-mac-" + id);
  return row;
}

inline CertRow Cert(const std::string& key_id, const std::string& label) {
  CertRow row;
  row.key_id = ToBytes(key_id);
  row.label = label;
  row.der = ToBytes("der-" + key_id);
  row.subject_der = ToBytes("subject");
  row.issuer_der = ToBytes("issuer");
  row.serial_der = ToBytes("serial");
  row.subject_text = "CN=" + key_id;
  row.not_before = 10;
  row.not_after = 20;
  row.created = 5;
  row.mac = ToBytes("cert-mac");
  return row;
}

inline SpentHashRow Spent(const std::string& jti, const std::string& hash, int64_t exp = 100,
                          const std::string& kid = "kid-1") {
  SpentHashRow row;
  row.kid = kid;
  row.jti = jti;
  row.hash = ToBytes(hash);
  row.key_id = ToBytes("key");
  row.sad_exp = exp;
  row.spent_at = 1000;
  return row;
}

inline DepositRow Deposit(const std::string& jti, const std::string& key_id,
                          std::vector<std::string> hashes, int64_t exp, int64_t at) {
  DepositRow row;
  row.kid = "kid-1";
  row.jti = jti;
  row.key_id = ToBytes(key_id);
  row.sad = "sad-" + jti;
  for (const std::string& hash : hashes) row.hashes.push_back(ToBytes(hash));
  row.sad_exp = exp;
  row.deposited_at = at;
  return row;
}

inline SadRequestRow Request(const std::string& id, int64_t created, int64_t expires) {
  SadRequestRow row;
  row.id = id;
  row.created = created;
  row.expires = expires;
  row.signer = "alice";
  row.key_id = ToBytes("key");
  row.request_json = "{\"id\":\"" + id + "\"}";
  row.updated = created;
  return row;
}

inline SignerPinRow Pin(const std::string& name, const std::string& hash = "hash") {
  SignerPinRow row;
  row.name = name;
  row.salt = ToBytes("salt");
  row.hash = ToBytes(hash);
  row.mac = ToBytes("pin-mac-" + hash);
  return row;
}

// The next record of the log, continuing from tail: seq + 1, a chain naming its seq.
inline AuditAppend NextRecord(const AuditTail& tail, const std::string& event) {
  AuditAppend append;
  const int64_t seq = tail.last_row ? tail.last_row->seq + 1 : 1;
  append.row.seq = seq;
  append.row.at = 100 + seq;
  append.row.pid = 7;
  append.row.event = event;
  append.row.outcome = "ok";
  append.row.chain = ToBytes("chain-" + std::to_string(seq));
  append.row.mac = ToBytes("mac-" + std::to_string(seq));
  append.head.seq = seq;
  append.head.chain = append.row.chain;
  append.head.mac = ToBytes("head-mac-" + std::to_string(seq));
  return append;
}

inline std::function<Result<AuditAppend>(const AuditTail&)> Record(const std::string& event) {
  return [event](const AuditTail& tail) -> Result<AuditAppend> { return NextRecord(tail, event); };
}

// One audit record appended as the keystore appends every record: a journal entry with no spend.
inline Status AppendRecord(StateStore& store,
                           std::function<Result<AuditAppend>(const AuditTail&)> make_append) {
  JournalStore::Entry entry;
  entry.make_append = [make = std::move(make_append)](const AuditTail& tail, bool) {
    return make(tail);
  };
  Result<std::vector<bool>> written = store.journal().WriteJournal({entry}, /*synced=*/true);
  return written.status();
}

inline Status Refusal() { return Status(Code::kInternal, "the callback refuses"); }

// Every audit row's seq, ascending.
inline std::vector<int64_t> AuditSeqs(StateStore& store) {
  std::vector<int64_t> seqs;
  for (const AuditRow& row : Must(store.audit().ListAuditRows(0, 1000, {})))
    seqs.push_back(row.seq);
  return seqs;
}

}  // namespace samp11::testing

TYPE_TO_STRING_AS("sqlite", samp11::testing::SqliteStates);
TYPE_TO_STRING_AS("memory", samp11::testing::MemoryStates);
TYPE_TO_STRING_AS("journal", samp11::testing::JournaledStates);

// The implementations every shared case runs against: in unit_state the embedded ones, in
// unit_postgres (compiled with SAMP11_STATE_TEST_POSTGRES) PostgreSQL.
#ifdef SAMP11_STATE_TEST_POSTGRES
TYPE_TO_STRING_AS("postgres", samp11::testing::PgStates);
#define SAMP11_STATE_IMPLEMENTATIONS samp11::testing::PgStates
#else
#define SAMP11_STATE_IMPLEMENTATIONS \
  samp11::testing::SqliteStates, samp11::testing::MemoryStates, samp11::testing::JournaledStates
#endif
