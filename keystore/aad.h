// Every byte string the keystore authenticates is built here, in one place, so the associated
// data written at key generation and the one checked at unwrap can never drift apart. Each is a
// canonical encoding (common/canonical_encoding.h) whose first field names the row kind and its
// version, so a MAC over one kind of row can never verify as another.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/canonical_encoding.h"
#include "state/rows.h"

namespace samp11 {

// ("signer-v1", name, created)
Bytes SignerMacInput(const SignerRow& row);
// ("signer-pin-v1", name, salt, hash): failures is not covered (it changes by SQL alone).
Bytes SignerPinMacInput(const SignerPinRow& row);
// ("signer-otp-v1", name, kind, params, created): the AES-GCM associated data of a signer's
// wrapped OTP secret, which binds the secret to its signer, kind and parameters (digits, period,
// OCRA suite): none of them can be changed or moved to another signer without failing to open.
Bytes OtpWrapAad(const SignerOtpRow& row);
// ("activation-key-v1", kid, role, owner, alg, public_spki, created)
Bytes ActivationKeyMacInput(const ActivationKeyRow& row);
// ("signer-subject-v1", issuer, subject, signer, created)
Bytes SignerSubjectMacInput(const SignerSubjectRow& row);
// ("key-v1", id, key_type, owner, scal, policy_json, public_spki, created) for a file key, and
// ("key-v2", backend, origin, id, ...) for a key in another backend: the AES-GCM associated data of
// the wrapped private key (or of the reference to it). The label is not bound: it is a display name
// an operator may change, and carries no authority.
Bytes KeyWrapAad(const KeyRow& row);
// ("key-status-v1", id, status, status_changed, certified): the lifecycle of a key. The id, not
// the handle, names the key: it is unique, never reused, and bound into the key's wrapping.
Bytes KeyStatusMacInput(const KeyRow& row);
// ("signer-status-v1", name, created, status, status_changed)
Bytes SignerStatusMacInput(const SignerRow& row);
// ("cert-v1", key_id, der, not_before, not_after, created): the label is a display name.
Bytes CertMacInput(const CertRow& row);
// "samp11 master-check v1|" + identity: HMAC'd with the check key and stored at creation, so
// a wrong master key is told at open instead of as a failure on every key. A token whose audit
// log is anchored (audit_anchored: its log starts with its creation, keystore.cc) has
// "samp11 master-check v2 audit-anchored|" + identity instead: the mark cannot be taken off
// without the master key, so a log emptied by hand cannot pass for one never written.
Bytes MasterCheckInput(std::string_view identity, bool audit_anchored);

// ("sad-not-before-v1", identity, time): the restore cut-off for SADs (keystore_backup.cc).
Bytes SadNotBeforeMacInput(const std::string& identity, int64_t not_before);

}  // namespace samp11
