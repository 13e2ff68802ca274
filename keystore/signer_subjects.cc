// Subjects of authorization servers enrolled as signers (signers.h): the only way an access
// token's sub becomes a signer, never by its spelling.
#include "keystore/aad.h"
#include "keystore/row_mac.h"
#include "keystore/signers.h"

namespace samp11 {
namespace {

constexpr size_t kMaxName = 255;

std::string SubjectName(const std::string& issuer, const std::string& subject) {
  return "subject '" + subject + "' of issuer '" + issuer + "'";
}

Status CheckName(const char* what, const std::string& value) {
  if (value.empty() || value.size() > kMaxName) {
    return Status(Code::kArgumentsBad, std::string("a ") + what + " must be 1 to 255 bytes");
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status(Code::kArgumentsBad, std::string("a ") + what + " has no control character");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Signers::AddSubject(const std::string& signer, const std::string& issuer,
                           const std::string& subject) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  auto add = [&]() -> Status {
    SAMP11_RETURN_IF_ERROR(CheckName("subject", subject));
    SAMP11_RETURN_IF_ERROR(CheckName("issuer name", issuer));
    SAMP11_ASSIGN_OR_RETURN(bool enrolled, SignerExists(signer));
    if (!enrolled) return Status(Code::kNotFound, "no signer '" + signer + "'");
    SignerSubjectRow row;
    row.issuer = issuer;
    row.subject = subject;
    row.signer = signer;
    row.created = context_.clock.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, SignerSubjectMacInput(row)));
    return context_.state.signers().InsertSignerSubject(row);
  };
  AuditEvent audit;
  audit.event = audit_event::kSubjectAdd;
  audit.signer = signer;
  audit.detail = SubjectName(issuer, subject);
  return audit_.Record(std::move(audit), add());
}

Status Signers::RemoveSubject(const std::string& issuer, const std::string& subject,
                              const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  std::string signer;
  auto run = [&]() -> Status {
    // Checked, not just read: the record names the signer, which must be the enrolled one.
    SAMP11_ASSIGN_OR_RETURN(signer, SignerForSubject(issuer, subject));
    return context_.state.signers().DeleteSignerSubject(issuer, subject);
  };
  Status result = run();
  AuditEvent audit;
  audit.event = audit_event::kSubjectRemove;
  audit.signer = signer;
  audit.detail = SubjectName(issuer, subject) + (reason.empty() ? "" : ": " + reason);
  return audit_.Record(std::move(audit), result);
}

Result<std::string> Signers::SignerForSubject(const std::string& issuer,
                                              const std::string& subject) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerSubjectRow> row,
                          context_.state.signers().FindSignerSubject(issuer, subject));
  if (!row) return Status(Code::kNotFound, SubjectName(issuer, subject) + " is not enrolled");
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(context_.keys.mac, SignerSubjectMacInput(*row), row->mac,
                                      SubjectName(issuer, subject)));
  return std::move(row->signer);
}

Result<std::vector<SignerSubjectRow>> Signers::ListSubjects() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerSubjectRow> rows,
                          context_.state.signers().ListSignerSubjects());
  for (const SignerSubjectRow& row : rows) {
    SAMP11_RETURN_IF_ERROR(VerifyRowMac(context_.keys.mac, SignerSubjectMacInput(row), row.mac,
                                        SubjectName(row.issuer, row.subject)));
  }
  return rows;
}

}  // namespace samp11
