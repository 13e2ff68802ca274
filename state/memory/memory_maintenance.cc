// What touches the whole memory state: the key-state version, the status MAC fill, master-key
// rotation (memory_rekey.cc) and the image a backup seals (memory_image.h).
#include <utility>
#include <vector>

#include "state/memory/memory_image.h"
#include "state/memory/memory_stores.h"

namespace samp11 {

Result<StateVersion> MemoryMaintenanceStore::KeyStateVersion() {
  auto lock = c_.Lock();
  return c_.Version();
}

Result<int64_t> MemoryMaintenanceStore::FillMissingLifecycleMacs(const LifecycleMacs& macs) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  // Every MAC is made before any is stored: a failing callback leaves every row as it was.
  std::vector<std::pair<SignerRow*, Bytes>> signers;
  std::vector<std::pair<KeyRow*, Bytes>> keys;
  std::vector<std::pair<CertRow*, Bytes>> certs;
  for (auto& [name, row] : tables.signers) {
    if (!row.status_mac.empty()) continue;
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.signer(row));
    signers.emplace_back(&row, std::move(mac));
  }
  for (auto& [handle, row] : tables.keys) {
    if (!row.status_mac.empty()) continue;
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.key(row));
    keys.emplace_back(&row, std::move(mac));
  }
  for (auto& [handle, row] : tables.certs) {
    if (!row.mac.empty()) continue;
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.cert(row));
    certs.emplace_back(&row, std::move(mac));
  }
  for (auto& [row, mac] : signers) row->status_mac = std::move(mac);
  for (auto& [row, mac] : keys) row->status_mac = std::move(mac);
  for (auto& [row, mac] : certs) row->mac = std::move(mac);
  const auto filled = static_cast<int64_t>(signers.size() + keys.size() + certs.size());
  if (filled > 0) c_.Wrote(/*signing_path=*/false);
  return filled;
}

Status MemoryMaintenanceStore::Rekey(const RekeyPlan& plan) {
  auto lock = c_.Lock();
  MemoryTables rewritten = c_.tables();  // kept only if every row was rewritten
  SAMP11_RETURN_IF_ERROR(MemoryRekey(rewritten, plan));
  c_.tables() = std::move(rewritten);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<StateImage> MemoryMaintenanceStore::Snapshot() {
  auto lock = c_.Lock();
  StateImage image;
  image.bytes = EncodeMemoryImage(c_.tables());
  image.schema_version = kMemoryImageVersion;
  const auto& head = c_.tables().audit_head;
  image.audit_last_seq = head ? head->seq : 0;
  return image;
}

}  // namespace samp11
