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
