// Where a token's state lives (a SQLite file; a database), and what only the whole of it can do:
// be created, be opened, be replaced by a backup's image, and be made from a migrated token's
// rows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "state/state_store.h"

namespace samp11 {

// What a restore carried from the live state into the restored one.
struct ReplaceCounts {
  int64_t spent_hashes_merged = 0;  // spent in the live state, absent from the restored one
  int64_t key_statuses = 0;     // changed in the live state since the backup (destroyed included)
  int64_t signer_statuses = 0;  // likewise (removed included)
  // Activation keys removed from the live state since the backup (revoked with `signer
  // remove-key` or `issuer remove`, or with their signer): they stay removed.
  int64_t activation_keys_removed = 0;
  // Activation key statuses (an issuer disabled or enabled) changed since the backup.
  int64_t activation_key_statuses = 0;
};

// The status MACs of statuses carried into the restored state, made under its master key.
struct TombstoneMacs {
  std::function<Result<Bytes>(const KeyRow&)> key;        // id, status, status_changed, certified
  std::function<Result<Bytes>(const SignerRow&)> signer;  // name, created, status, status_changed
  std::function<Result<Bytes>(const ActivationKeyRow&)> activation_key;  // the whole row's MAC
};

class StateLocation {
 public:
  virtual ~StateLocation() = default;

  // For messages: the file's path, the database's name.
  virtual const std::string& name() const = 0;
  virtual bool Exists() = 0;
  // A new, empty state (schema made, nothing else): kAlreadyExists if there is one.
  virtual Result<std::unique_ptr<StateStore>> Create() = 0;
  // The existing state, its schema checked and migrated: kNotFound if there is none.
  virtual Result<std::unique_ptr<StateStore>> Open() = 0;

  // A restore (keystore/keystore_backup.cc) runs: Stage, then checks through the store Stage
  // returns (and lets it go), then ReplaceLive when the live state can be read, else
  // PromoteStaged; DiscardStaged after any failure. Only one restore runs at a time.
  //
  // The image (MaintenanceStore::Snapshot) as a state of its own beside the live one, left over
  // stages discarded first. kArgumentsBad for an image this implementation did not make.
  virtual Result<std::unique_ptr<StateStore>> Stage(const SecureBytes& image) = 0;
  // In one atomic write on the live state (writers in every process wait, none is lost): keeps a
  // copy of the live contents aside (named with aside_tag; its name is returned in *aside), and
  // carries into the staged contents every spent hash of the live state and every key and
  // signer status changed since the backup (a restore never re-enables a spent hash, a disabled
  // key or a destroyed one; removed signers' device keys and PINs go): for a key or signer in
  // both whose staged status is not final (destroyed, removed), the live status wins if it is
  // final, newer, or as new and different; it gets its status MAC from macs, and a destroyed
  // key's wrapped key is erased. Then replaces the live contents by the staged ones, deposits
  // and activation requests dropped; handles the live state gave are never given again. Users
  // of the live state see the restored contents at their next read (their KeyStateVersion
  // moves). On an error nothing changes and nothing is left aside. The stage is gone afterwards.
  virtual Result<ReplaceCounts> ReplaceLive(const std::string& aside_tag, const TombstoneMacs& macs,
                                            std::string* aside) = 0;
  // There is no live state, or it cannot be read: the unreadable one, if any, is moved aside
  // (named with aside_tag, returned in *aside, empty if there was none) and the staged state
  // becomes the live one.
  virtual Status PromoteStaged(const std::string& aside_tag, std::string* aside) = 0;
  virtual void DiscardStaged() = 0;

  // A migration (keystore/keystore_migrate.cc) runs: StageContents, then checks through the store
  // it returns (and lets it go), then PromoteStaged, or DiscardStaged after any failure.
  //
  // Whether the state keeps one audit chain per signing node (AuditStore::ChainName): contents
  // staged here may then hold several chains; otherwise only the token's one chain ("").
  virtual bool HoldsNodeChains() const { return false; }
  // contents as a new state of its own beside the place of the live one, handles kept, the
  // engine's bookkeeping its own. kAlreadyExists, with nothing made, if that place is taken (a
  // file at the path; a schema of that name, even an empty one); kArgumentsBad for contents this
  // implementation cannot hold (named chains where HoldsNodeChains is false). Left-over stages
  // are discarded first; on an error nothing is left.
  virtual Result<std::unique_ptr<StateStore>> StageContents(const StateContents& contents) = 0;
};

}  // namespace samp11
