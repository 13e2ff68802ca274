// A memory state's rows as StateContents (state/state_contents.h), read and made: the memory side
// of a migration, as state/sqlite/sqlite_contents.cc is a file's.
#include "state/memory/memory_contents.h"

#include <algorithm>

#include "state/memory/memory_stores.h"

namespace samp11 {

Result<StateContents> MemoryMaintenanceStore::Contents() {
  auto lock = c_.Lock();
  const MemoryTables& t = c_.tables();
  StateContents contents;
  contents.meta.assign(t.meta.begin(), t.meta.end());
  for (const auto& [name, row] : t.signers) contents.signers.push_back(row);
  for (const auto& [name, row] : t.pins) contents.pins.push_back(row);
  for (const auto& [key, row] : t.otp) contents.otp.push_back(row);
  for (const auto& [kid, row] : t.activation_keys) contents.activation_keys.push_back(row);
  for (const auto& [key, row] : t.subjects) contents.subjects.push_back(row);
  for (const auto& [handle, row] : t.keys) contents.keys.push_back(row);
  for (const auto& [handle, row] : t.certs) contents.certs.push_back(row);
  for (const auto& [key, row] : t.spent_hashes) contents.spent_hashes.push_back(row);
  for (const auto& [key, row] : t.deposits) contents.deposits.push_back(row);
  if (!t.audit.empty() || t.audit_head) {
    AuditChainContents& chain = contents.chains[""];
    for (const auto& [seq, row] : t.audit) chain.rows.push_back(row);
    chain.head = t.audit_head;
  }
  contents.last_key_handle = t.last_key_handle;
  contents.last_cert_handle = t.last_cert_handle;
  return contents;
}

Result<MemoryTables> MemoryTablesFrom(const StateContents& contents) {
  MemoryTables t;
  for (const auto& [name, value] : contents.meta) {
    if (!t.meta.emplace(name, value).second) {
      return Status(Code::kAlreadyExists, "meta " + name + " is there twice");
    }
  }
  for (const SignerRow& row : contents.signers) {
    if (!t.signers.emplace(row.name, row).second) {
      return Status(Code::kAlreadyExists, "signer " + row.name + " is there twice");
    }
  }
  for (const SignerPinRow& row : contents.pins) {
    if (t.signers.count(row.name) == 0) {
      return Status(Code::kNotFound, "the PIN of signer " + row.name + " has no signer");
    }
    t.pins[row.name] = row;
  }
  for (const SignerOtpRow& row : contents.otp) {
    if (t.signers.count(row.name) == 0) {
      return Status(Code::kNotFound, "the OTP of signer " + row.name + " has no signer");
    }
    if (!t.otp.emplace(OtpKey{row.name, row.kind}, row).second) {
      return Status(Code::kAlreadyExists, "the OTP of signer " + row.name + " is there twice");
    }
  }
  for (const ActivationKeyRow& row : contents.activation_keys) {
    if (!t.activation_keys.emplace(row.kid, row).second) {
      return Status(Code::kAlreadyExists, "activation key " + row.kid + " is there twice");
    }
  }
  for (const SignerSubjectRow& row : contents.subjects) {
    if (t.signers.count(row.signer) == 0) {
      return Status(Code::kNotFound, "a subject's signer " + row.signer + " has no row");
    }
    if (!t.subjects.emplace(std::make_pair(row.issuer, row.subject), row).second) {
      return Status(Code::kAlreadyExists, "subject " + row.subject + " is there twice");
    }
  }
  for (const KeyRow& row : contents.keys) {
    if (row.handle <= 0 || t.keys.count(row.handle) != 0 || t.FindKeyById(row.id) != nullptr) {
      return Status(Code::kAlreadyExists, "a key handle or id is there twice");
    }
    if (t.signers.count(row.owner) == 0) {
      return Status(Code::kNotFound, "a key's signer " + row.owner + " has no row");
    }
    t.AddKey(row);
  }
  for (const CertRow& row : contents.certs) {
    if (row.handle <= 0 || t.FindKeyById(row.key_id) == nullptr ||
        !t.certs.emplace(row.handle, row).second) {
      return Status(Code::kArgumentsBad, "a certificate without its key, or there twice");
    }
  }
  for (const SpentHashRow& row : contents.spent_hashes) {
    t.spent_hashes[SpentHashKey{row.kid, row.jti, row.hash}] = row;
  }
  for (const DepositRow& row : contents.deposits) t.deposits[DepositKey{row.kid, row.jti}] = row;
  for (const auto& [name, chain] : contents.chains) {
    if (!name.empty()) {
      return Status(Code::kArgumentsBad,
                    "a memory state keeps one audit chain, not node " + name + "'s");
    }
    for (const AuditRow& row : chain.rows) {
      if (!t.audit.emplace(row.seq, row).second) {
        return Status(Code::kAlreadyExists, "audit record " + std::to_string(row.seq) + " twice");
      }
    }
    t.audit_head = chain.head;
  }
  int64_t keys = contents.last_key_handle;
  for (const auto& [handle, row] : t.keys) keys = std::max(keys, handle);
  int64_t certs = contents.last_cert_handle;
  for (const auto& [handle, row] : t.certs) certs = std::max(certs, handle);
  t.last_key_handle = keys;
  t.last_cert_handle = certs;
  return t;
}

}  // namespace samp11
