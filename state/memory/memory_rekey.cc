// Master-key rotation on a memory state (MaintenanceStore::Rekey): the caller runs it on a copy of
// the tables and keeps the copy only if every step succeeded. As in SQLite, only the columns a
// rotation rewrites are taken back from each callback's row.
#include <functional>

#include "state/memory/memory_stores.h"

namespace samp11 {
namespace {

// Lets rewrite change a copy of each row of table, then takes back what keep copies.
template <typename Key, typename Row>
Status RekeyTable(std::map<Key, Row>& table, const std::function<Status(Row&)>& rewrite,
                  void (*keep)(Row& stored, const Row& rewritten)) {
  for (auto& [key, stored] : table) {
    Row row = stored;
    SAMP11_RETURN_IF_ERROR(rewrite(row));
    keep(stored, row);
  }
  return Status::Ok();
}

void KeepSignerMacs(SignerRow& stored, const SignerRow& row) {
  stored.mac = row.mac;
  stored.status_mac = row.status_mac;
}
void KeepActivationKeyMac(ActivationKeyRow& stored, const ActivationKeyRow& row) {
  stored.mac = row.mac;
}
void KeepKeyWrapping(KeyRow& stored, const KeyRow& row) {
  stored.wrapped_private = row.wrapped_private;
  stored.status_mac = row.status_mac;
}
void KeepCertMac(CertRow& stored, const CertRow& row) { stored.mac = row.mac; }
void KeepPinMac(SignerPinRow& stored, const SignerPinRow& row) { stored.mac = row.mac; }
void KeepSubjectMac(SignerSubjectRow& stored, const SignerSubjectRow& row) { stored.mac = row.mac; }
void KeepOtpWrapping(SignerOtpRow& stored, const SignerOtpRow& row) {
  stored.wrapped_secret = row.wrapped_secret;
}
void KeepAuditMac(AuditRow& stored, const AuditRow& row) { stored.mac = row.mac; }

}  // namespace

Status MemoryRekey(MemoryTables& tables, const RekeyPlan& plan) {
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.signers, plan.signer, KeepSignerMacs));
  SAMP11_RETURN_IF_ERROR(
      RekeyTable(tables.activation_keys, plan.activation_key, KeepActivationKeyMac));
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.keys, plan.key, KeepKeyWrapping));
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.certs, plan.cert, KeepCertMac));
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.pins, plan.pin, KeepPinMac));
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.subjects, plan.subject, KeepSubjectMac));
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.otp, plan.otp, KeepOtpWrapping));
  for (const auto& [name, value] : plan.meta) {
    if (value) {
      tables.meta[name] = *value;
    } else {
      tables.meta.erase(name);
    }
  }
  SAMP11_RETURN_IF_ERROR(RekeyTable(tables.audit, plan.audit_row, KeepAuditMac));
  if (tables.audit_head) {
    AuditHeadRow head = *tables.audit_head;
    SAMP11_RETURN_IF_ERROR(plan.audit_head(head));
    tables.audit_head->mac = head.mac;
  }
  return MemoryAppendAudit(tables, plan.append);
}

}  // namespace samp11
