// Enrolled signers and the activation keys (signers' devices, authorization servers) whose
// signatures on a SAD count.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class SignerStore {
 public:
  virtual ~SignerStore() = default;

  virtual Status InsertSigner(const SignerRow& row) = 0;  // kAlreadyExists
  virtual Result<std::optional<SignerRow>> FindSigner(std::string_view name) = 0;
  virtual Result<std::vector<SignerRow>> ListSigners() = 0;  // by name, removed ones included
  // Writes status, status_changed and status_mac; kNotFound if there is no such signer.
  virtual Status UpdateSignerStatus(const SignerRow& row) = 0;
  // Marks the signer removed (row) and deletes its device keys, PIN and subjects, atomically. Its
  // keys must all be destroyed already (kArgumentsBad otherwise, nothing changed): their rows keep
  // the name, so it is not reused. kNotFound if there is no such signer.
  virtual Status RemoveSigner(const SignerRow& row) = 0;

  virtual Status InsertActivationKey(const ActivationKeyRow& row) = 0;  // kAlreadyExists
  virtual Result<std::optional<ActivationKeyRow>> FindActivationKey(std::string_view kid) = 0;
  virtual Result<std::vector<ActivationKeyRow>> ListActivationKeys() = 0;  // by kid
  // Writes status, status_changed and mac of each row, by kid, all or none: kNotFound, nothing
  // written, if one is missing. Its SADs see the change wherever the key is looked up again
  // (every process: KeyStateVersion moves).
  virtual Status UpdateActivationKeys(const std::vector<ActivationKeyRow>& rows) = 0;
  // Deletes the activation key kid; kNotFound if there is none. Its SADs are then refused
  // wherever the key is looked up again (every process: KeyStateVersion moves).
  virtual Status DeleteActivationKey(std::string_view kid) = 0;
  // Inserts `inserted` and deletes the keys `deleted`, all or none (an authorization server's
  // key set replaced by a new JWK Set): kAlreadyExists if an inserted kid exists, kNotFound if a
  // deleted one does not, nothing written then.
  virtual Status ReplaceActivationKeys(const std::vector<ActivationKeyRow>& inserted,
                                       const std::vector<std::string>& deleted) = 0;

  // Subjects (rows.h, SignerSubjectRow). kAlreadyExists if (issuer, subject) is enrolled.
  virtual Status InsertSignerSubject(const SignerSubjectRow& row) = 0;
  virtual Result<std::optional<SignerSubjectRow>> FindSignerSubject(std::string_view issuer,
                                                                    std::string_view subject) = 0;
  virtual Result<std::vector<SignerSubjectRow>> ListSignerSubjects() = 0;  // by issuer, subject
  // kNotFound if there is no such row.
  virtual Status DeleteSignerSubject(std::string_view issuer, std::string_view subject) = 0;
};

}  // namespace samp11
