// Enrolled signers and the activation keys whose signatures on a SAD count: signers' devices and
// authorization servers. Every row carries an HMAC over every field (aad.h), checked before it
// is believed: an edited enrolment is kTampered, never obeyed.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "crypto/jwks.h"
#include "crypto/ossl.h"
#include "crypto/sad_alg.h"
#include "keystore/audit_log.h"
#include "keystore/keystore_context.h"
#include "keystore/lifecycle.h"
#include "state/maintenance_store.h"

namespace samp11 {

enum class ActivationKeyRole { kDevice, kAuthorizationServer };
const char* RoleName(ActivationKeyRole role);

struct ActivationKey {
  std::string kid;
  ActivationKeyRole role;
  std::string owner;  // signer (device) or issuer name (authorization server)
  SadAlg alg;
  SharedPkey public_key;
  // An authorization server's keys may be disabled (`samp11 issuer disable`): their SADs are
  // refused until enabled again. Authenticated with the row.
  bool enabled = true;
};

// The row authenticated under mac_key (its MAC), then decoded: kTampered naming the key if either
// fails.
Result<ActivationKey> ActivationKeyFromRow(const SecureBytes& mac_key, const ActivationKeyRow& row);

class Signers {
 public:
  Signers(KeystoreContext& context, AuditLog& audit) : context_(context), audit_(audit) {}
  Signers(const Signers&) = delete;
  Signers& operator=(const Signers&) = delete;

  Status AddSigner(const std::string& name);  // audited
  // MAC checked: kTampered if edited. A disabled signer exists; a removed one does not.
  Result<bool> SignerExists(const std::string& name);
  Result<std::vector<std::string>> ListSigners();  // enrolled, not removed
  // The signer rows, MACs checked, removed ones included (for `samp11 signer list`).
  Result<std::vector<SignerRow>> ListSignerRecords();
  // The row with both MACs checked; kNotFound if there is none.
  Result<SignerRow> CheckedSignerRow(const std::string& name);

  // Registers a public key (P-256, P-384, Ed25519). kid defaults to the RFC 7638 thumbprint.
  // A device key's owner must be an enrolled signer. Audited.
  Result<std::string> AddActivationKey(ActivationKeyRole role, const std::string& owner,
                                       EVP_PKEY* public_key, const std::string& kid = "");
  // MAC checked; kept in memory after the first successful check while KeyStateVersion stays
  // the same, so that a key removed by any process is refused at its next use here.
  Result<ActivationKey> GetActivationKey(const std::string& kid);
  // Revokes an activation key: deletes it, so that every SAD it signed is refused from now on in
  // every process (logins, deposits, requests answered later, and signatures of a SAD already
  // logged in). role and owner must be the key's (a signer's device key, or an authorization
  // server's): kArgumentsBad otherwise, kNotFound if there is no such key, kTampered if its row
  // fails its MAC. Audited, with reason.
  Status RemoveActivationKey(ActivationKeyRole role, const std::string& owner,
                             const std::string& kid, const std::string& reason);
  Result<std::vector<ActivationKey>> ListActivationKeys();
  // Disables or enables every key of the authorization server `issuer` at once (all or none):
  // while disabled, its SADs are refused at the next call of every process (logins, deposits,
  // SADs already logged in). kNotFound if it has no keys; kTampered if a row fails its MAC.
  // Audited (issuer-disable, issuer-enable), with reason. Already so: Ok, nothing written.
  Status SetIssuerEnabled(const std::string& issuer, bool enabled, const std::string& reason);

  // An authorization server's JWK Set (issuer_jwks.cc). replace false: registers every key of
  // jwks for issuer (kAlreadyExists if a kid is registered). replace true: the issuer's keys
  // become jwks' (new kids added, kids no longer in the set removed, the others kept; kNotFound if
  // the issuer has no keys; kArgumentsBad if a kept kid now names another key or algorithm, or the
  // issuer is disabled). One atomic write either way; one audit record per kid added or removed.
  struct JwksChange {
    std::vector<std::string> added, removed, kept;
  };
  Result<JwksChange> SetIssuerJwks(const std::string& issuer, const Jwks& jwks, bool replace);

  // Subjects (signer_subjects.cc): an access token of `issuer` whose sub is `subject` speaks for
  // `signer` and no one else. AddSubject needs an enrolled signer (not removed) and an issuer
  // name of 1..255 bytes; kAlreadyExists if the subject is enrolled. Audited.
  Status AddSubject(const std::string& signer, const std::string& issuer,
                    const std::string& subject);
  Status RemoveSubject(const std::string& issuer, const std::string& subject,
                       const std::string& reason);  // kNotFound if none; audited
  // The signer (issuer, subject) is enrolled as, its row's MAC checked (kTampered if edited);
  // kNotFound if none.
  Result<std::string> SignerForSubject(const std::string& issuer, const std::string& subject);
  Result<std::vector<SignerSubjectRow>> ListSubjects();  // MACs checked

  // Lifecycle (lifecycle.h), each audited; reason, when given, goes into the record.
  Status DisableSigner(const std::string& name, const std::string& reason);
  Status EnableSigner(const std::string& name, const std::string& reason);
  // Marks the signer removed and deletes its device keys, PIN and subjects. destroy_keys, when
  // given, runs first (inside the audited step) and must leave the signer without live keys;
  // without it a signer that still has keys is refused.
  Status RemoveSigner(const std::string& name, const std::string& reason,
                      const std::function<Status()>& destroy_keys);

 private:
  Status SetSignerStatus(const std::string& name, const char* status, const char* event,
                         const std::string& reason);

  KeystoreContext& context_;
  AuditLog& audit_;
  std::mutex cache_mu_;
  std::unordered_map<std::string, ActivationKey> activation_cache_;  // cache_mu_
  StateVersion cache_version_;                                       // cache_mu_
};

}  // namespace samp11
