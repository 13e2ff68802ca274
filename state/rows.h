// The rows a token's durable state is made of, as every state implementation stores them
// (state_store.h). Rows are not trusted: keystore/ authenticates them (MACs, AES-GCM associated
// data) before anything acts on them, so a row here is only ever data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace samp11 {

// Lifecycle (keystore/lifecycle.h): a signer or key row carries its status, the time it last
// changed, and status_mac, an HMAC over them (keystore/aad.h), separate from the row's own MAC or
// wrapping so that a status change rewrites three columns and nothing else.
struct SignerRow {
  std::string name;
  int64_t created = 0;
  Bytes mac;
  std::string status = "enabled";  // enabled, disabled, removed
  int64_t status_changed = 0;
  Bytes status_mac;  // empty only in a store not yet migrated to schema 3
};

// PINs: a signer's PIN (keystore/pin_hash.h). mac covers (name, salt, hash); failures is a plain
// counter, changed only by single atomic updates so that concurrent checks, in any process, all
// count.
struct SignerPinRow {
  std::string name;
  Bytes salt;
  Bytes hash;
  int64_t failures = 0;
  Bytes mac;
};

// A signer's one-time-password enrolment (keystore/signer_otp.h): kind "totp" (RFC 6238, the
// second factor of a SCAL1 PIN login) or "ocra" (RFC 6287, a SCAL2 activation bound to a
// document hash). The shared secret is AES-GCM-wrapped under the master key with (name, kind,
// params, created) as associated data, which authenticates the whole binding. last_step and
// failures are plain counters, changed only by single atomic updates: last_step is the last TOTP
// (or OCRA time) step accepted, failures the wrong OCRA responses in a row.
struct SignerOtpRow {
  std::string name;
  std::string kind;    // "totp" or "ocra"
  std::string params;  // totp: "ALG:DIGITS:PERIOD" (e.g. "SHA1:6:30"); ocra: the suite
  Bytes wrapped_secret;
  int64_t created = 0;
  int64_t last_step = 0;
  int64_t failures = 0;
};

struct ActivationKeyRow {
  std::string kid;
  std::string role;   // "device" or "authorization-server"
  std::string owner;  // signer name (device) or issuer name (authorization server)
  std::string alg;    // "ES256", "ES384", "EdDSA"
  Bytes public_spki;
  int64_t created = 0;
  Bytes mac;  // over every field above and, once the status changed, status and its time too
  // Lifecycle (schema 5): an authorization server's keys are disabled and enabled together
  // (`samp11 issuer disable|enable`). A row never changed is "enabled" at 0.
  std::string status = "enabled";  // enabled, disabled
  int64_t status_changed = 0;
};

// An authorization server's subject enrolled as a signer (`samp11 signer add NAME --subject S
// --issuer I`): an access token whose iss is I and whose sub is S speaks for NAME, and for no one
// else. (issuer, subject) is unique; mac covers every field (keystore/aad.h). Schema 6.
struct SignerSubjectRow {
  std::string issuer;
  std::string subject;
  std::string signer;
  int64_t created = 0;
  Bytes mac;
};

struct KeyRow {
  int64_t handle = 0;  // assigned by the store, > 0, never reused
  Bytes id;            // CKA_ID, unique
  std::string label;
  std::string key_type;  // KeyTypeName()
  std::string owner;     // signer name, for life
  int scal = 2;
  std::string policy_json;
  Bytes public_spki;
  Bytes wrapped_private;             // AES-256-GCM, see keystore/aad.h for the associated data
  std::string backend = "file";      // where the private half lives (keystore/key_backend.h)
  std::string origin = "generated";  // key_origin:: how the key came to samp11
  int64_t created = 0;
  std::string status = "enabled";  // enabled, disabled, destroyed (wrapped_private then empty)
  int64_t status_changed = 0;
  bool certified = false;  // a certificate was imported: from then on one must be valid to sign
  Bytes status_mac;
};

struct CertRow {
  int64_t handle = 0;
  Bytes key_id;  // CKA_ID of the key it certifies
  std::string label;
  Bytes der;
  Bytes subject_der;
  Bytes issuer_der;
  Bytes serial_der;
  std::string subject_text;
  int64_t not_before = 0;
  int64_t not_after = 0;
  int64_t created = 0;
  Bytes mac;  // HMAC over key_id, der, validity and created (keystore/aad.h)
};

// One bound hash of one SAD, spent. (kid, jti, hash) is unique: the SAD issuer's key scopes its
// jti namespace.
struct SpentHashRow {
  std::string kid;
  std::string jti;
  Bytes hash;
  Bytes key_id;
  int64_t sad_exp = 0;  // after exp + skew the SAD is refused anyway; the row may then be purged
  int64_t spent_at = 0;
};

// A SAD deposited ahead of the signature it activates, indexed by every hash it binds.
struct DepositRow {
  std::string kid;
  std::string jti;
  Bytes key_id;
  std::string sad;  // the whole JWS: it is verified again when used, so the row needs no MAC
  std::vector<Bytes> hashes;
  int64_t sad_exp = 0;
  int64_t deposited_at = 0;
};

// A request for a SAD waiting for the signer's device, recorded for the deposit SAD provider
// (sam/deposit_provider.cc): `samp11 sad requests` lists the pending ones, an approval service
// answers with a deposit or a refusal. Not authenticated: a row grants nothing (only a SAD does,
// verified when it comes), and a forged refusal only refuses.
struct SadRequestRow {
  std::string id;
  int64_t created = 0;
  int64_t expires = 0;
  std::string signer;
  Bytes key_id;
  std::string request_json;       // the request as a device reads it (sad/request.h)
  std::string state = "pending";  // pending, answered, refused, timed-out, cancelled
  std::string detail;             // a refusal's reason, as the device gave it
  int64_t updated = 0;
};

// Audit: one record of the audit log as stored. The store only keeps rows and runs the append;
// the chain and MACs are computed and checked by keystore/audit_log.h.
struct AuditRow {
  int64_t seq = 0;  // consecutive from 1
  int64_t at = 0;
  int64_t pid = 0;
  std::string event;
  std::string outcome;
  std::string signer;
  Bytes key_id;
  std::string kid;
  std::string jti;
  std::string detail;
  Bytes chain;
  Bytes mac;
};

// The log's last seq and chain, rewritten with every append.
struct AuditHeadRow {
  int64_t seq = 0;
  Bytes chain;
  Bytes mac;
};

// What an append continues from, read atomically with the append: the row with the highest seq
// and the head, each absent on an empty log.
struct AuditTail {
  std::optional<AuditRow> last_row;
  std::optional<AuditHeadRow> head;
};

struct AuditAppend {
  AuditRow row;
  AuditHeadRow head;
};

// Empty or zero fields do not filter. since and until are inclusive; max_seq bounds seq.
struct AuditRowFilter {
  std::string signer;
  Bytes key_id;
  int64_t since = 0;
  int64_t until = 0;
  std::string event;
  int64_t max_seq = 0;
};

}  // namespace samp11
