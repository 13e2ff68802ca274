// Every row a store shows, as one text: two dumps are equal when nothing visible changed (the
// shared suites' check that a refused or failed write left everything as it was).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "state_test_util.h"

namespace samp11::testing {

inline std::string Hex(const Bytes& b) { return HexEncode(b); }

inline void DumpRow(std::ostream& o, const SignerRow& r) {
  o << "signer " << r.name << ' ' << r.created << ' ' << Hex(r.mac) << ' ' << r.status << ' '
    << r.status_changed << ' ' << Hex(r.status_mac) << '\n';
}
inline void DumpRow(std::ostream& o, const ActivationKeyRow& r) {
  o << "activation " << r.kid << ' ' << r.role << ' ' << r.owner << ' ' << r.alg << ' '
    << Hex(r.public_spki) << ' ' << r.created << ' ' << Hex(r.mac) << '\n';
}
inline void DumpRow(std::ostream& o, const KeyRow& r) {
  o << "key " << r.handle << ' ' << Hex(r.id) << ' ' << r.label << ' ' << r.key_type << ' '
    << r.owner << ' ' << r.scal << ' ' << r.policy_json << ' ' << Hex(r.public_spki) << ' '
    << Hex(r.wrapped_private) << ' ' << r.backend << ' ' << r.origin << ' ' << r.created << ' '
    << r.status << ' ' << r.status_changed << ' ' << r.certified << ' ' << Hex(r.status_mac)
    << '\n';
}
inline void DumpRow(std::ostream& o, const CertRow& r) {
  o << "cert " << r.handle << ' ' << Hex(r.key_id) << ' ' << r.label << ' ' << Hex(r.der) << ' '
    << Hex(r.subject_der) << ' ' << Hex(r.issuer_der) << ' ' << Hex(r.serial_der) << ' '
    << r.subject_text << ' ' << r.not_before << ' ' << r.not_after << ' ' << r.created << ' '
    << Hex(r.mac) << '\n';
}
inline void DumpRow(std::ostream& o, const SignerPinRow& r) {
  o << "pin " << r.name << ' ' << Hex(r.salt) << ' ' << Hex(r.hash) << ' ' << r.failures << ' '
    << Hex(r.mac) << '\n';
}
inline void DumpRow(std::ostream& o, const SignerSubjectRow& r) {
  o << "subject " << r.issuer << ' ' << r.subject << ' ' << r.signer << ' ' << r.created << ' '
    << Hex(r.mac) << '\n';
}
inline void DumpRow(std::ostream& o, const SignerOtpRow& r) {
  o << "otp " << r.name << ' ' << r.kind << ' ' << r.params << ' ' << Hex(r.wrapped_secret) << ' '
    << r.created << ' ' << r.last_step << ' ' << r.failures << '\n';
}
inline void DumpRow(std::ostream& o, const AuditRow& r) {
  o << "audit " << r.seq << ' ' << r.at << ' ' << r.pid << ' ' << r.event << ' ' << r.outcome << ' '
    << r.signer << ' ' << Hex(r.key_id) << ' ' << r.kid << ' ' << r.jti << ' ' << r.detail << ' '
    << Hex(r.chain) << ' ' << Hex(r.mac) << '\n';
}
inline void DumpRow(std::ostream& o, const SadRequestRow& r) {
  o << "request " << r.id << ' ' << r.created << ' ' << r.expires << ' ' << r.signer << ' '
    << Hex(r.key_id) << ' ' << r.request_json << ' ' << r.state << ' ' << r.detail << ' '
    << r.updated << '\n';
}

// Meta has no listing, spent hashes and deposits no listing either: the names, the hashes (of
// Spent(jti, hash)) and the (key, hash) pairs of Deposit(...) to look up are given.
struct DumpScope {
  std::vector<std::string> meta = {"x", "y", "schema_version"};
  std::vector<std::pair<std::string, std::string>> spent;     // (jti, hash), kid-1
  std::vector<std::pair<std::string, std::string>> deposits;  // (key id, hash)
  std::vector<std::string> requests;                          // ids
};

inline std::string Dump(StateStore& store, const DumpScope& scope = {}) {
  std::ostringstream o;
  for (const std::string& name : scope.meta) {
    auto value = Must(store.meta().GetMeta(name));
    o << "meta " << name << ' ' << (value ? *value : "<none>") << '\n';
  }
  for (const auto& row : Must(store.signers().ListSigners())) DumpRow(o, row);
  for (const auto& row : Must(store.signers().ListActivationKeys())) DumpRow(o, row);
  for (const auto& row : Must(store.signers().ListSignerSubjects())) DumpRow(o, row);
  // Destroyed keys too: by handle, up to the highest a listing or lookup has shown.
  int64_t last = 0;
  for (const auto& row : Must(store.keys().ListKeys(0, 100000))) last = row.handle;
  for (int64_t handle = 1; handle <= last + 16; ++handle) {
    auto row = Must(store.keys().FindKeyByHandle(handle));
    if (row) DumpRow(o, *row);
  }
  for (const auto& row : Must(store.certs().ListCerts(0, 100000))) DumpRow(o, row);
  for (const auto& row : Must(store.pins().ListSignerPins())) DumpRow(o, row);
  for (const auto& signer : Must(store.signers().ListSigners())) {
    for (const char* kind : {"totp", "ocra"}) {
      auto row = Must(store.otp().FindSignerOtp(signer.name, kind));
      if (row) DumpRow(o, *row);
    }
  }
  for (const auto& row : Must(store.audit().ListAuditRows(0, 100000, {}))) DumpRow(o, row);
  AuditTail tail = Must(store.audit().GetAuditTail());
  if (tail.head) {
    o << "head " << tail.head->seq << ' ' << Hex(tail.head->chain) << ' ' << Hex(tail.head->mac)
      << '\n';
  }
  for (const auto& [jti, hash] : scope.spent) {
    o << "spent " << jti << ' ' << hash << ' '
      << Must(store.replay().IsHashSpent("kid-1", jti, ToBytes(hash))) << '\n';
  }
  for (const auto& [key, hash] : scope.deposits) {
    o << "deposits " << key << ' ' << hash;
    for (const auto& sad :
         Must(store.deposits().FindDeposits(ToBytes(key), ToBytes(hash), 0, 100))) {
      o << ' ' << sad;
    }
    o << '\n';
  }
  for (const std::string& id : scope.requests) {
    auto row = Must(store.requests().FindSadRequest(id));
    if (row) DumpRow(o, *row);
  }
  return o.str();
}

}  // namespace samp11::testing
