// Subjects enrolled as signers, and an authorization server's key set replaced at once.
#include <set>

#include "state/memory/memory_stores.h"

namespace samp11 {

Status MemorySignerStore::ReplaceActivationKeys(const std::vector<ActivationKeyRow>& inserted,
                                                const std::vector<std::string>& deleted) {
  auto lock = c_.Lock();
  auto& keys = c_.tables().activation_keys;
  // Everything is checked before anything changes: all or none.
  std::set<std::string> gone(deleted.begin(), deleted.end());
  for (const std::string& kid : deleted) {
    if (keys.count(kid) == 0) return Status(Code::kNotFound, "no activation key '" + kid + "'");
  }
  std::set<std::string> added;
  for (const ActivationKeyRow& row : inserted) {
    if ((keys.count(row.kid) != 0 && gone.count(row.kid) == 0) || !added.insert(row.kid).second) {
      return Status(Code::kAlreadyExists, "activation key '" + row.kid + "' already exists");
    }
  }
  for (const std::string& kid : deleted) keys.erase(kid);
  for (const ActivationKeyRow& row : inserted) keys.emplace(row.kid, row);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Status MemorySignerStore::InsertSignerSubject(const SignerSubjectRow& row) {
  auto lock = c_.Lock();
  // The foreign key the SQL states have.
  if (c_.tables().signers.count(row.signer) == 0) {
    return Status(Code::kNotFound, "no signer '" + row.signer + "'");
  }
  auto [slot, inserted] =
      c_.tables().subjects.emplace(std::make_pair(row.issuer, row.subject), row);
  if (!inserted) {
    return Status(Code::kAlreadyExists, "subject '" + row.subject + "' of issuer '" + row.issuer +
                                            "' is already enrolled");
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<SignerSubjectRow>> MemorySignerStore::FindSignerSubject(
    std::string_view issuer, std::string_view subject) {
  auto lock = c_.Lock();
  auto found = c_.tables().subjects.find({std::string(issuer), std::string(subject)});
  if (found == c_.tables().subjects.end()) return std::optional<SignerSubjectRow>();
  return std::optional<SignerSubjectRow>(found->second);
}

Result<std::vector<SignerSubjectRow>> MemorySignerStore::ListSignerSubjects() {
  auto lock = c_.Lock();
  std::vector<SignerSubjectRow> rows;
  for (const auto& [key, row] : c_.tables().subjects) rows.push_back(row);
  return rows;
}

Status MemorySignerStore::DeleteSignerSubject(std::string_view issuer, std::string_view subject) {
  auto lock = c_.Lock();
  if (c_.tables().subjects.erase({std::string(issuer), std::string(subject)}) == 0) {
    return Status(Code::kNotFound, "subject '" + std::string(subject) + "' of issuer '" +
                                       std::string(issuer) + "' is not enrolled");
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

}  // namespace samp11
