#include "keystore/aad.h"

namespace samp11 {

Bytes SignerMacInput(const SignerRow& row) {
  return CanonicalEncoder().Add("signer-v1").Add(row.name).AddDecimal(row.created).bytes();
}

Bytes SignerStatusMacInput(const SignerRow& row) {
  return CanonicalEncoder()
      .Add("signer-status-v1")
      .Add(row.name)
      .AddDecimal(row.created)
      .Add(row.status)
      .AddDecimal(row.status_changed)
      .bytes();
}

Bytes KeyStatusMacInput(const KeyRow& row) {
  return CanonicalEncoder()
      .Add("key-status-v1")
      .Add(row.id)
      .Add(row.status)
      .AddDecimal(row.status_changed)
      .AddDecimal(row.certified ? 1 : 0)
      .bytes();
}

Bytes CertMacInput(const CertRow& row) {
  return CanonicalEncoder()
      .Add("cert-v1")
      .Add(row.key_id)
      .Add(row.der)
      .AddDecimal(row.not_before)
      .AddDecimal(row.not_after)
      .AddDecimal(row.created)
      .bytes();
}

Bytes SignerPinMacInput(const SignerPinRow& row) {
  return CanonicalEncoder().Add("signer-pin-v1").Add(row.name).Add(row.salt).Add(row.hash).bytes();
}

Bytes SignerSubjectMacInput(const SignerSubjectRow& row) {
  return CanonicalEncoder()
      .Add("signer-subject-v1")
      .Add(row.issuer)
      .Add(row.subject)
      .Add(row.signer)
      .AddDecimal(row.created)
      .bytes();
}

Bytes OtpWrapAad(const SignerOtpRow& row) {
  return CanonicalEncoder()
      .Add("signer-otp-v1")
      .Add(row.name)
      .Add(row.kind)
      .Add(row.params)
      .AddDecimal(row.created)
      .bytes();
}

Bytes ActivationKeyMacInput(const ActivationKeyRow& row) {
  // A key whose status never changed keeps the form it was MAC'd in before schema 5; once it
  // changed, the MAC covers the status and its time. Setting a changed row back to "enabled at
  // 0" then needs the old MAC of that very row (a rollback, docs/keystore.md "Limits").
  const bool never_changed = row.status == "enabled" && row.status_changed == 0;
  CanonicalEncoder input;
  input.Add(never_changed ? "activation-key-v1" : "activation-key-v2")
      .Add(row.kid)
      .Add(row.role)
      .Add(row.owner)
      .Add(row.alg)
      .Add(row.public_spki)
      .AddDecimal(row.created);
  if (!never_changed) input.Add(row.status).AddDecimal(row.status_changed);
  return input.bytes();
}

Bytes KeyWrapAad(const KeyRow& row) {
  CanonicalEncoder encoder;
  // File keys keep the v1 form they had before there were backend and origin columns, so
  // keystores made then still open (a file key's origin is always "generated": InfoFromRow
  // checks it); every other backend is named in the associated data with the key's origin, so a
  // row cannot be moved from one backend to another nor its history rewritten.
  if (row.backend == "file") {
    encoder.Add("key-v1");
  } else {
    encoder.Add("key-v2").Add(row.backend).Add(row.origin);
  }
  return encoder.Add(row.id)
      .Add(row.key_type)
      .Add(row.owner)
      .AddDecimal(row.scal)
      .Add(row.policy_json)
      .Add(row.public_spki)
      .AddDecimal(row.created)
      .bytes();
}

Bytes MasterCheckInput(std::string_view identity, bool audit_anchored) {
  return ToBytes(std::string(audit_anchored ? "samp11 master-check v2 audit-anchored|"
                                            : "samp11 master-check v1|") +
                 std::string(identity));
}

Bytes SadNotBeforeMacInput(const std::string& identity, int64_t not_before) {
  return CanonicalEncoder().Add("sad-not-before-v1").Add(identity).AddDecimal(not_before).bytes();
}

}  // namespace samp11
