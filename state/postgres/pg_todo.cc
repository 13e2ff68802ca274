// TEMPORARY, NEVER COMMITTED: definitions of what is not ported yet, so that the rest links.
// Each helper deletes the definitions it implements in its own pg_<what>.cc.
#include "state/postgres/pg_location.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {
Status Todo() { return Status(Code::kInternal, "not ported to PostgreSQL yet"); }
}  // namespace

// --- group A: meta, signers, keys, certs, pins
Result<std::optional<std::string>> PgMetaStore::GetMeta(std::string_view) { return Todo(); }
Status PgMetaStore::InsertMeta(std::string_view, std::string_view) { return Todo(); }
Status PgMetaStore::SetMeta(std::string_view, std::string_view) { return Todo(); }
Status PgSignerStore::InsertSigner(const SignerRow&) { return Todo(); }
Result<std::optional<SignerRow>> PgSignerStore::FindSigner(std::string_view) { return Todo(); }
Result<std::vector<SignerRow>> PgSignerStore::ListSigners() { return Todo(); }
Status PgSignerStore::UpdateSignerStatus(const SignerRow&) { return Todo(); }
Status PgSignerStore::RemoveSigner(const SignerRow&) { return Todo(); }
Status PgSignerStore::InsertActivationKey(const ActivationKeyRow&) { return Todo(); }
Result<std::optional<ActivationKeyRow>> PgSignerStore::FindActivationKey(std::string_view) { return Todo(); }
Result<std::vector<ActivationKeyRow>> PgSignerStore::ListActivationKeys() { return Todo(); }
Status PgSignerStore::UpdateActivationKeys(const std::vector<ActivationKeyRow>&) { return Todo(); }
Status PgSignerStore::DeleteActivationKey(std::string_view) { return Todo(); }
Status PgKeyStore::InsertKey(KeyRow&) { return Todo(); }
Status PgKeyStore::InsertKeys(std::vector<KeyRow>&) { return Todo(); }
Result<std::optional<KeyRow>> PgKeyStore::FindKeyByHandle(int64_t) { return Todo(); }
Result<std::optional<KeyRow>> PgKeyStore::FindKeyById(const Bytes&) { return Todo(); }
Result<std::vector<KeyRow>> PgKeyStore::FindKeysByLabel(std::string_view, int64_t, size_t) { return Todo(); }
Result<std::vector<KeyRow>> PgKeyStore::ListKeys(int64_t, size_t) { return Todo(); }
Result<std::vector<KeyRow>> PgKeyStore::ListKeysByOwner(std::string_view, int64_t, size_t) { return Todo(); }
Status PgKeyStore::UpdateKeyStatus(const KeyRow&) { return Todo(); }
Status PgKeyStore::DestroyKey(const KeyRow&) { return Todo(); }
Status PgCertStore::InsertCert(CertRow&) { return Todo(); }
Result<std::optional<CertRow>> PgCertStore::FindCertByHandle(int64_t) { return Todo(); }
Result<std::vector<CertRow>> PgCertStore::FindCertsByKeyId(const Bytes&) { return Todo(); }
Result<std::vector<CertRow>> PgCertStore::FindCertsByLabel(std::string_view, int64_t, size_t) { return Todo(); }
Result<std::vector<CertRow>> PgCertStore::ListCerts(int64_t, size_t) { return Todo(); }
Status PgPinStore::UpsertSignerPin(const SignerPinRow&) { return Todo(); }
Result<std::optional<SignerPinRow>> PgPinStore::FindSignerPin(std::string_view) { return Todo(); }
Result<std::vector<SignerPinRow>> PgPinStore::ListSignerPins() { return Todo(); }
Result<bool> PgPinStore::TakePinTry(std::string_view, int64_t) { return Todo(); }
Status PgPinStore::ResetPinFailures(std::string_view) { return Todo(); }

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

}  // namespace samp11
