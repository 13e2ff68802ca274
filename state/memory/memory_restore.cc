#include "state/memory/memory_restore.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace samp11 {
namespace {

// Whether the live row's status is newer than the restored one's: the rule sqlite_restore.cc's
// CarryKeyStatuses and CarrySignerStatuses select by.
template <typename Row>
bool LiveStatusWins(const Row& live, const Row& restored, const char* final_status) {
  if (restored.status == final_status) return false;  // nothing comes back from the end
  return live.status_changed > restored.status_changed || live.status == final_status ||
         (live.status_changed == restored.status_changed && live.status != restored.status);
}

int64_t MergeSpentHashes(const MemoryTables& live, MemoryTables& restored) {
  int64_t merged = 0;
  for (const auto& [key, row] : live.spent_hashes) {
    if (restored.spent_hashes.emplace(key, row).second) ++merged;
  }
  return merged;
}

Result<int64_t> CarryKeyStatuses(const MemoryTables& live, MemoryTables& restored,
                                 const TombstoneMacs& macs) {
  int64_t carried = 0;
  for (const auto& [handle, live_row] : live.keys) {
    KeyRow* stored = restored.FindKeyById(live_row.id);
    if (stored == nullptr || !LiveStatusWins(live_row, *stored, "destroyed")) continue;
    // What the status MAC covers: the live status on the restored row (certified stays the
    // restored row's, consistent with its certificates).
    KeyRow status;
    status.id = live_row.id;
    status.status = live_row.status;
    status.status_changed = live_row.status_changed;
    status.certified = stored->certified;
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.key(status));
    stored->status = status.status;
    stored->status_changed = status.status_changed;
    stored->status_mac = std::move(mac);
    if (stored->status == "destroyed") {
      OPENSSL_cleanse(stored->wrapped_private.data(), stored->wrapped_private.size());
      Bytes().swap(stored->wrapped_private);
    }
    ++carried;
  }
  return carried;
}

Result<int64_t> CarrySignerStatuses(const MemoryTables& live, MemoryTables& restored,
                                    const TombstoneMacs& macs) {
  int64_t carried = 0;
  for (const auto& [name, live_row] : live.signers) {
    auto found = restored.signers.find(name);
    if (found == restored.signers.end()) continue;
    SignerRow& stored = found->second;
    if (!LiveStatusWins(live_row, stored, "removed")) continue;
    SignerRow status;
    status.name = name;
    status.created = stored.created;
    status.status = live_row.status;
    status.status_changed = live_row.status_changed;
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.signer(status));
    stored.status = status.status;
    stored.status_changed = status.status_changed;
    stored.status_mac = std::move(mac);
    ++carried;
  }
  return carried;
}

// A removed signer's device keys, PIN and subjects go, whichever state removed it.
void DropRemovedSignersSecrets(MemoryTables& restored) {
  auto removed = [&](const std::string& name) {
    auto found = restored.signers.find(name);
    return found != restored.signers.end() && found->second.status == "removed";
  };
  for (auto it = restored.activation_keys.begin(); it != restored.activation_keys.end();) {
    const ActivationKeyRow& key = it->second;
    it = key.role == "device" && removed(key.owner) ? restored.activation_keys.erase(it)
                                                    : std::next(it);
  }
  for (auto it = restored.pins.begin(); it != restored.pins.end();) {
    it = removed(it->first) ? restored.pins.erase(it) : std::next(it);
  }
  for (auto it = restored.subjects.begin(); it != restored.subjects.end();) {
    it = removed(it->second.signer) ? restored.subjects.erase(it) : std::next(it);
  }
  for (auto it = restored.otp.begin(); it != restored.otp.end();) {
    it = removed(it->first.first) ? restored.otp.erase(it) : std::next(it);
  }
}

}  // namespace

Result<ReplaceCounts> ReplaceMemoryContents(MemoryState& live, MemoryState& staged,
                                            const TombstoneMacs& macs, MemoryTables* aside) {
  std::scoped_lock lock(live.mu, staged.mu);
  MemoryTables restored = staged.tables;
  ReplaceCounts counts;
  counts.spent_hashes_merged = MergeSpentHashes(live.tables, restored);
  SAMP11_ASSIGN_OR_RETURN(counts.key_statuses, CarryKeyStatuses(live.tables, restored, macs));
  SAMP11_ASSIGN_OR_RETURN(counts.signer_statuses, CarrySignerStatuses(live.tables, restored, macs));
  // A revocation made since the backup stands (as in the SQLite state).
  for (auto it = restored.activation_keys.begin(); it != restored.activation_keys.end();) {
    if (live.tables.activation_keys.count(it->first) == 0) {
      it = restored.activation_keys.erase(it);
      ++counts.activation_keys_removed;
    } else {
      ++it;
    }
  }
  for (auto& [kid, stored] : restored.activation_keys) {
    const ActivationKeyRow& live_row = live.tables.activation_keys.at(kid);  // the others went
    const bool newer =
        live_row.status_changed > stored.status_changed ||
        (live_row.status_changed == stored.status_changed && live_row.status != stored.status);
    if (!newer) continue;
    ActivationKeyRow row = stored;
    row.status = live_row.status;
    row.status_changed = live_row.status_changed;
    SAMP11_ASSIGN_OR_RETURN(row.mac, macs.activation_key(row));
    stored = std::move(row);
    ++counts.activation_key_statuses;
  }
  DropRemovedSignersSecrets(restored);
  // Transient: neither deposits nor pending requests come back.
  restored.deposits.clear();
  restored.requests.clear();
  // Handles the live state gave stay given.
  restored.last_key_handle = std::max(restored.last_key_handle, live.tables.last_key_handle);
  restored.last_cert_handle = std::max(restored.last_cert_handle, live.tables.last_cert_handle);
  *aside = std::move(live.tables);
  live.tables = std::move(restored);
  ++live.writes;  // by no store: every store on the live state sees another's write
  return counts;
}

}  // namespace samp11
