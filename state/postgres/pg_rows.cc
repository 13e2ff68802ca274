#include "state/postgres/pg_rows.h"

#include <limits>

namespace samp11 {

const char kPgKeyColumns[] =
    "handle, id, label, key_type, owner, scal, policy_json, public_spki, wrapped_private, created, "
    "backend, origin, status, status_changed, certified, status_mac";
const char kPgSignerColumns[] = "name, created, mac, status, status_changed, status_mac";
const char kPgActivationKeyColumns[] =
    "kid, role, owner, alg, public_spki, created, mac, status, status_changed";
const char kPgCertColumns[] =
    "handle, key_id, label, der, subject_der, issuer_der, serial_der, subject_text, not_before, "
    "not_after, created, mac";
const char kPgPinColumns[] = "name, salt, hash, failures, mac";
const char kPgSubjectColumns[] = "issuer, subject, signer, created, mac";
const char kPgOtpColumns[] = "name, kind, params, secret, created, last_step, failures";
const char kPgAuditColumns[] =
    "seq, at, pid, event, outcome, signer, key_id, kid, jti, detail, chain, mac";

namespace {

// PgRows::Blob would give the same for NULL; said here, where the NULL columns are read.
Bytes NullableBlob(const PgRows& rows, int r, int c) {
  return rows.IsNull(r, c) ? Bytes() : rows.Blob(r, c);
}

}  // namespace

KeyRow PgReadKeyRow(const PgRows& rows, int r) {
  KeyRow row;
  row.handle = rows.Int64(r, 0);
  row.id = rows.Blob(r, 1);
  row.label = rows.Text(r, 2);
  row.key_type = rows.Text(r, 3);
  row.owner = rows.Text(r, 4);
  row.scal = static_cast<int>(rows.Int64(r, 5));
  row.policy_json = rows.Text(r, 6);
  row.public_spki = rows.Blob(r, 7);
  row.wrapped_private = rows.Blob(r, 8);
  row.created = rows.Int64(r, 9);
  row.backend = rows.Text(r, 10);
  row.origin = rows.Text(r, 11);
  row.status = rows.Text(r, 12);
  row.status_changed = rows.Int64(r, 13);
  row.certified = rows.Int64(r, 14) != 0;
  row.status_mac = NullableBlob(rows, r, 15);
  return row;
}

SignerRow PgReadSignerRow(const PgRows& rows, int r) {
  SignerRow row;
  row.name = rows.Text(r, 0);
  row.created = rows.Int64(r, 1);
  row.mac = rows.Blob(r, 2);
  row.status = rows.Text(r, 3);
  row.status_changed = rows.Int64(r, 4);
  row.status_mac = NullableBlob(rows, r, 5);
  return row;
}

ActivationKeyRow PgReadActivationKeyRow(const PgRows& rows, int r) {
  ActivationKeyRow row;
  row.kid = rows.Text(r, 0);
  row.role = rows.Text(r, 1);
  row.owner = rows.Text(r, 2);
  row.alg = rows.Text(r, 3);
  row.public_spki = rows.Blob(r, 4);
  row.created = rows.Int64(r, 5);
  row.mac = rows.Blob(r, 6);
  row.status = rows.Text(r, 7);
  row.status_changed = rows.Int64(r, 8);
  return row;
}

SignerSubjectRow PgReadSubjectRow(const PgRows& rows, int r) {
  SignerSubjectRow row;
  row.issuer = rows.Text(r, 0);
  row.subject = rows.Text(r, 1);
  row.signer = rows.Text(r, 2);
  row.created = rows.Int64(r, 3);
  row.mac = rows.Blob(r, 4);
  return row;
}

CertRow PgReadCertRow(const PgRows& rows, int r) {
  CertRow row;
  row.handle = rows.Int64(r, 0);
  row.key_id = rows.Blob(r, 1);
  row.label = rows.Text(r, 2);
  row.der = rows.Blob(r, 3);
  row.subject_der = rows.Blob(r, 4);
  row.issuer_der = rows.Blob(r, 5);
  row.serial_der = rows.Blob(r, 6);
  row.subject_text = rows.Text(r, 7);
  row.not_before = rows.Int64(r, 8);
  row.not_after = rows.Int64(r, 9);
  row.created = rows.Int64(r, 10);
  row.mac = NullableBlob(rows, r, 11);
  return row;
}

SignerOtpRow PgReadOtpRow(const PgRows& rows, int r) {
  SignerOtpRow row;
  row.name = rows.Text(r, 0);
  row.kind = rows.Text(r, 1);
  row.params = rows.Text(r, 2);
  row.wrapped_secret = rows.Blob(r, 3);
  row.created = rows.Int64(r, 4);
  row.last_step = rows.Int64(r, 5);
  row.failures = rows.Int64(r, 6);
  return row;
}

SignerPinRow PgReadPinRow(const PgRows& rows, int r) {
  SignerPinRow row;
  row.name = rows.Text(r, 0);
  row.salt = rows.Blob(r, 1);
  row.hash = rows.Blob(r, 2);
  row.failures = rows.Int64(r, 3);
  row.mac = rows.Blob(r, 4);
  return row;
}

int64_t PgLimit(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

Status PgRefused(const Status& failed, const std::string& exists_message,
                 const std::string& missing_parent_message) {
  if (failed.code() == Code::kAlreadyExists) return Status(Code::kAlreadyExists, exists_message);
  if (failed.code() == Code::kNotFound && !missing_parent_message.empty()) {
    return Status(Code::kNotFound, missing_parent_message);
  }
  return failed;
}

AuditRow PgReadAuditRow(const PgRows& rows, int r) {
  AuditRow row;
  row.seq = rows.Int64(r, 0);
  row.at = rows.Int64(r, 1);
  row.pid = rows.Int64(r, 2);
  row.event = rows.Text(r, 3);
  row.outcome = rows.Text(r, 4);
  row.signer = rows.Text(r, 5);
  row.key_id = rows.Blob(r, 6);
  row.kid = rows.Text(r, 7);
  row.jti = rows.Text(r, 8);
  row.detail = rows.Text(r, 9);
  row.chain = rows.Blob(r, 10);
  row.mac = rows.Blob(r, 11);
  return row;
}

}  // namespace samp11
