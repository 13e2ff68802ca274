// TEMPORARY, NEVER COMMITTED: definitions of what is not ported yet, so that the rest links.
// Each helper deletes the definitions it implements in its own pg_<what>.cc.
#include "state/postgres/pg_location.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {
Status Todo() { return Status(Code::kInternal, "not ported to PostgreSQL yet"); }
}  // namespace

// --- group B: journal, audit, deposits, requests
Result<std::vector<bool>> PgJournalStore::WriteJournal(const std::vector<Entry>&, bool) { return Todo(); }
Result<std::vector<bool>> PgJournalStore::ClaimSpentHashes(
    const std::vector<SpentHashRow>&,
    const std::function<Result<AuditAppend>(const AuditTail&, size_t)>&) { return Todo(); }
Result<AuditTail> PgAuditStore::GetAuditTail() { return Todo(); }
Result<std::vector<AuditRow>> PgAuditStore::ListAuditRows(int64_t, size_t, const AuditRowFilter&) { return Todo(); }
Result<AuditTail> PgReadAuditTail(PgConnection&, const PgNodeContext&, bool) { return Todo(); }
Status PgAppendAuditInTransaction(PgConnection&, const PgNodeContext&,
                                  const std::function<Result<AuditAppend>(const AuditTail&)>&) { return Todo(); }
Status PgDepositStore::InsertDeposit(const DepositRow&) { return Todo(); }
Result<std::vector<std::string>> PgDepositStore::FindDeposits(const Bytes&, const Bytes&, int64_t, size_t) { return Todo(); }
Result<int64_t> PgDepositStore::PurgeDeposits(int64_t) { return Todo(); }
Status PgRequestStore::InsertSadRequest(const SadRequestRow&) { return Todo(); }
Result<std::optional<SadRequestRow>> PgRequestStore::FindSadRequest(std::string_view) { return Todo(); }
Result<std::vector<SadRequestRow>> PgRequestStore::ListPendingSadRequests(int64_t, size_t) { return Todo(); }
Result<bool> PgRequestStore::EndSadRequest(std::string_view, std::string_view, std::string_view, int64_t) { return Todo(); }

// --- group C: maintenance, restore
Result<StateVersion> PgMaintenanceStore::KeyStateVersion() { return Todo(); }
Result<int64_t> PgMaintenanceStore::FillMissingLifecycleMacs(const LifecycleMacs&) { return Todo(); }
Status PgMaintenanceStore::Rekey(const RekeyPlan&) { return Todo(); }
Result<StateImage> PgMaintenanceStore::Snapshot() { return Todo(); }
Result<std::unique_ptr<StateStore>> PgLocation::Stage(const SecureBytes&) { return Todo(); }
Result<ReplaceCounts> PgLocation::ReplaceLive(const std::string&, const TombstoneMacs&, std::string*) { return Todo(); }
Status PgLocation::PromoteStaged(const std::string&, std::string*) { return Todo(); }
void PgLocation::DiscardStaged() {}

}  // namespace samp11
