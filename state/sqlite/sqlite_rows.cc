#include "state/sqlite/sqlite_rows.h"

#include <limits>

namespace samp11 {

const char kKeyColumns[] =
    "handle, id, label, key_type, owner, scal, policy_json, public_spki, wrapped_private, created, "
    "backend, origin, status, status_changed, certified, status_mac";
const char kSignerColumns[] = "name, created, mac, status, status_changed, status_mac";
const char kActivationKeyColumns[] =
    "kid, role, owner, alg, public_spki, created, mac, status, status_changed";
const char kCertColumns[] =
    "handle, key_id, label, der, subject_der, issuer_der, serial_der, subject_text, not_before, "
    "not_after, created, mac";
const char kPinColumns[] = "name, salt, hash, failures, mac";
const char kSubjectColumns[] = "issuer, subject, signer, created, mac";
const char kOtpColumns[] = "name, kind, params, secret, created, last_step, failures";
const char kSadRequestColumns[] =
    "id, created, expires, signer, key_id, request_json, state, detail, updated";
const char kAuditColumns[] =
    "seq, at, pid, event, outcome, signer, key_id, kid, jti, detail, "
    "chain, mac";

KeyRow ReadKeyRow(SqliteStatement& stmt) {
  KeyRow row;
  row.handle = stmt.ColumnInt64(0);
  row.id = stmt.ColumnBlob(1);
  row.label = stmt.ColumnText(2);
  row.key_type = stmt.ColumnText(3);
  row.owner = stmt.ColumnText(4);
  row.scal = static_cast<int>(stmt.ColumnInt64(5));
  row.policy_json = stmt.ColumnText(6);
  row.public_spki = stmt.ColumnBlob(7);
  row.wrapped_private = stmt.ColumnBlob(8);
  row.created = stmt.ColumnInt64(9);
  row.backend = stmt.ColumnText(10);
  row.origin = stmt.ColumnText(11);
  row.status = stmt.ColumnText(12);
  row.status_changed = stmt.ColumnInt64(13);
  row.certified = stmt.ColumnInt64(14) != 0;
  row.status_mac = stmt.ColumnBlob(15);
  return row;
}

SignerRow ReadSignerRow(SqliteStatement& stmt) {
  SignerRow row;
  row.name = stmt.ColumnText(0);
  row.created = stmt.ColumnInt64(1);
  row.mac = stmt.ColumnBlob(2);
  row.status = stmt.ColumnText(3);
  row.status_changed = stmt.ColumnInt64(4);
  row.status_mac = stmt.ColumnBlob(5);
  return row;
}

ActivationKeyRow ReadActivationKeyRow(SqliteStatement& stmt) {
  ActivationKeyRow row;
  row.kid = stmt.ColumnText(0);
  row.role = stmt.ColumnText(1);
  row.owner = stmt.ColumnText(2);
  row.alg = stmt.ColumnText(3);
  row.public_spki = stmt.ColumnBlob(4);
  row.created = stmt.ColumnInt64(5);
  row.mac = stmt.ColumnBlob(6);
  row.status = stmt.ColumnText(7);
  row.status_changed = stmt.ColumnInt64(8);
  return row;
}

SignerSubjectRow ReadSubjectRow(SqliteStatement& stmt) {
  SignerSubjectRow row;
  row.issuer = stmt.ColumnText(0);
  row.subject = stmt.ColumnText(1);
  row.signer = stmt.ColumnText(2);
  row.created = stmt.ColumnInt64(3);
  row.mac = stmt.ColumnBlob(4);
  return row;
}

CertRow ReadCertRow(SqliteStatement& stmt) {
  CertRow row;
  row.handle = stmt.ColumnInt64(0);
  row.key_id = stmt.ColumnBlob(1);
  row.label = stmt.ColumnText(2);
  row.der = stmt.ColumnBlob(3);
  row.subject_der = stmt.ColumnBlob(4);
  row.issuer_der = stmt.ColumnBlob(5);
  row.serial_der = stmt.ColumnBlob(6);
  row.subject_text = stmt.ColumnText(7);
  row.not_before = stmt.ColumnInt64(8);
  row.not_after = stmt.ColumnInt64(9);
  row.created = stmt.ColumnInt64(10);
  row.mac = stmt.ColumnBlob(11);
  return row;
}

SignerPinRow ReadPinRow(SqliteStatement& stmt) {
  SignerPinRow row;
  row.name = stmt.ColumnText(0);
  row.salt = stmt.ColumnBlob(1);
  row.hash = stmt.ColumnBlob(2);
  row.failures = stmt.ColumnInt64(3);
  row.mac = stmt.ColumnBlob(4);
  return row;
}

SignerOtpRow ReadOtpRow(SqliteStatement& stmt) {
  SignerOtpRow row;
  row.name = stmt.ColumnText(0);
  row.kind = stmt.ColumnText(1);
  row.params = stmt.ColumnText(2);
  row.wrapped_secret = stmt.ColumnBlob(3);
  row.created = stmt.ColumnInt64(4);
  row.last_step = stmt.ColumnInt64(5);
  row.failures = stmt.ColumnInt64(6);
  return row;
}

SadRequestRow ReadSadRequestRow(SqliteStatement& stmt) {
  SadRequestRow row;
  row.id = stmt.ColumnText(0);
  row.created = stmt.ColumnInt64(1);
  row.expires = stmt.ColumnInt64(2);
  row.signer = stmt.ColumnText(3);
  row.key_id = stmt.ColumnBlob(4);
  row.request_json = stmt.ColumnText(5);
  row.state = stmt.ColumnText(6);
  row.detail = stmt.ColumnText(7);
  row.updated = stmt.ColumnInt64(8);
  return row;
}

AuditRow ReadAuditRow(SqliteStatement& stmt) {
  AuditRow row;
  row.seq = stmt.ColumnInt64(0);
  row.at = stmt.ColumnInt64(1);
  row.pid = stmt.ColumnInt64(2);
  row.event = stmt.ColumnText(3);
  row.outcome = stmt.ColumnText(4);
  row.signer = stmt.ColumnText(5);
  row.key_id = stmt.ColumnBlob(6);
  row.kid = stmt.ColumnText(7);
  row.jti = stmt.ColumnText(8);
  row.detail = stmt.ColumnText(9);
  row.chain = stmt.ColumnBlob(10);
  row.mac = stmt.ColumnBlob(11);
  return row;
}

int64_t LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

}  // namespace samp11
