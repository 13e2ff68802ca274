#include "keystore/contents_check.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/canonical_encoding.h"
#include "crypto/digest.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/audit_chain.h"
#include "keystore/audit_verify.h"
#include "keystore/certificates.h"
#include "keystore/lifecycle.h"
#include "keystore/row_mac.h"
#include "keystore/signers.h"

namespace samp11 {
namespace {

constexpr char kMetaIdentity[] = "identity";
constexpr char kMetaMasterCheck[] = "master_check";
constexpr char kMetaSadNotBefore[] = "sad_not_before";
constexpr char kMetaSadNotBeforeMac[] = "sad_not_before_mac";
constexpr char kNodeMark[] = "node:";
// A state rewritten wholesale would otherwise make the list as long as the state.
constexpr size_t kMaxProblems = 50;

class Findings {
 public:
  explicit Findings(ContentsFindings& out) : out_(out) {}
  void Problem(std::string what) {
    ++count_;
    if (out_.problems.size() < kMaxProblems) out_.problems.push_back(std::move(what));
  }
  void Check(const Status& status) {
    if (!status.ok()) Problem(status.message());
  }
  void Finish() {
    if (count_ > out_.problems.size()) {
      out_.problems.push_back("and " + std::to_string(count_ - out_.problems.size()) +
                              " more problems");
    }
  }

 private:
  ContentsFindings& out_;
  size_t count_ = 0;
};

// SHA-256 over the encodings in byte order: the same rows give the same digest in any order.
Bytes DigestOf(std::vector<Bytes> encodings) {
  std::sort(encodings.begin(), encodings.end());
  CanonicalEncoder all;
  all.AddDecimal(static_cast<int64_t>(encodings.size()));
  for (const Bytes& encoding : encodings) all.Add(encoding);
  return Digest(HashAlg::kSha256, all.bytes());
}

Bytes Encode(const SignerRow& r) {
  return CanonicalEncoder()
      .Add(r.name)
      .AddDecimal(r.created)
      .Add(r.mac)
      .Add(r.status)
      .AddDecimal(r.status_changed)
      .Add(r.status_mac)
      .bytes();
}
Bytes Encode(const SignerPinRow& r) {
  return CanonicalEncoder()
      .Add(r.name)
      .Add(r.salt)
      .Add(r.hash)
      .AddDecimal(r.failures)
      .Add(r.mac)
      .bytes();
}
Bytes Encode(const SignerSubjectRow& r) {
  return CanonicalEncoder()
      .Add(r.issuer)
      .Add(r.subject)
      .Add(r.signer)
      .AddDecimal(r.created)
      .Add(r.mac)
      .bytes();
}
Bytes Encode(const SignerOtpRow& r) {
  return CanonicalEncoder()
      .Add(r.name)
      .Add(r.kind)
      .Add(r.params)
      .Add(r.wrapped_secret)
      .AddDecimal(r.created)
      .AddDecimal(r.last_step)
      .AddDecimal(r.failures)
      .bytes();
}
Bytes Encode(const ActivationKeyRow& r) {
  return CanonicalEncoder()
      .Add(r.kid)
      .Add(r.role)
      .Add(r.owner)
      .Add(r.alg)
      .Add(r.public_spki)
      .AddDecimal(r.created)
      .Add(r.mac)
      .Add(r.status)
      .AddDecimal(r.status_changed)
      .bytes();
}
Bytes Encode(const KeyRow& r) {
  return CanonicalEncoder()
      .AddDecimal(r.handle)
      .Add(r.id)
      .Add(r.label)
      .Add(r.key_type)
      .Add(r.owner)
      .AddDecimal(r.scal)
      .Add(r.policy_json)
      .Add(r.public_spki)
      .Add(r.wrapped_private)
      .Add(r.backend)
      .Add(r.origin)
      .AddDecimal(r.created)
      .Add(r.status)
      .AddDecimal(r.status_changed)
      .AddDecimal(r.certified ? 1 : 0)
      .Add(r.status_mac)
      .bytes();
}
Bytes Encode(const CertRow& r) {
  return CanonicalEncoder()
      .AddDecimal(r.handle)
      .Add(r.key_id)
      .Add(r.label)
      .Add(r.der)
      .Add(r.subject_der)
      .Add(r.issuer_der)
      .Add(r.serial_der)
      .Add(r.subject_text)
      .AddDecimal(r.not_before)
      .AddDecimal(r.not_after)
      .AddDecimal(r.created)
      .Add(r.mac)
      .bytes();
}
Bytes Encode(const SpentHashRow& r) {
  return CanonicalEncoder()
      .Add(r.kid)
      .Add(r.jti)
      .Add(r.hash)
      .Add(r.key_id)
      .AddDecimal(r.sad_exp)
      .AddDecimal(r.spent_at)
      .bytes();
}
Bytes Encode(const DepositRow& r) {
  CanonicalEncoder e;
  e.Add(r.kid).Add(r.jti).Add(r.key_id).Add(r.sad).AddDecimal(r.sad_exp).AddDecimal(r.deposited_at);
  std::vector<Bytes> hashes = r.hashes;
  std::sort(hashes.begin(), hashes.end());
  for (const Bytes& hash : hashes) e.Add(hash);
  return e.bytes();
}

template <typename Row>
Bytes TableDigest(const std::vector<Row>& rows) {
  std::vector<Bytes> encodings;
  encodings.reserve(rows.size());
  for (const Row& row : rows) encodings.push_back(Encode(row));
  return DigestOf(std::move(encodings));
}

std::string KeyName(const Bytes& id) { return "key " + HexEncode(id); }

void CheckMeta(const StateContents& contents, const KeystoreContext& context, Findings& found) {
  std::map<std::string, std::string> meta(contents.meta.begin(), contents.meta.end());
  auto value = [&](const char* name) -> const std::string* {
    auto it = meta.find(name);
    return it == meta.end() ? nullptr : &it->second;
  };
  const std::string* identity = value(kMetaIdentity);
  if (identity == nullptr || *identity != context.identity) {
    found.Problem("the token's identity is not the one it opened with");
  }
  const std::string* check = value(kMetaMasterCheck);
  if (check == nullptr || *check != context.master_check_hex) {
    found.Problem("the master key check is not the one the token opened with");
  }
  if (const std::string* not_before = value(kMetaSadNotBefore)) {
    int64_t at = 0;
    try {
      at = std::stoll(*not_before);
    } catch (const std::exception&) {
      found.Problem("the restore cut-off (sad_not_before) is malformed");
      return;
    }
    const std::string* mac_hex = value(kMetaSadNotBeforeMac);
    std::optional<Bytes> mac = mac_hex ? HexDecode(*mac_hex) : std::nullopt;
    if (!mac) {
      found.Problem("the restore cut-off (sad_not_before) has no MAC");
    } else {
      found.Check(VerifyRowMac(context.keys.mac, SadNotBeforeMacInput(context.identity, at), *mac,
                               "sad_not_before"));
    }
  }
}

void CheckChains(const StateContents& contents, const KeystoreContext& context, bool one_chain,
                 Findings& found, ContentsFindings& out) {
  std::set<std::string> names;
  for (const auto& [name, chain] : contents.chains) names.insert(name);
  for (const auto& [name, value] : contents.meta) {
    if (name.rfind(kNodeMark, 0) == 0) names.insert(name.substr(sizeof kNodeMark - 1));
  }
  if (one_chain) names.insert("");
  static const AuditChainContents kEmpty;
  for (const std::string& name : names) {
    auto it = contents.chains.find(name);
    const AuditChainContents& chain = it == contents.chains.end() ? kEmpty : it->second;
    const Bytes genesis = AuditChainGenesis(context.identity, name);
    AuditTail tail;
    if (!chain.rows.empty()) tail.last_row = chain.rows.back();
    tail.head = chain.head;
    out.heads[name] =
        chain.head ? AnchorPoint{chain.head->seq, chain.head->chain} : AnchorPoint{0, genesis};
    const std::string where = ChainDescription(name) + ": ";
    Result<AuditVerifier> verifier =
        AuditVerifier::Create(context.keys.audit, genesis, tail, context.audit_anchored);
    if (!verifier.ok()) {
      found.Problem(where + verifier.status().message());
      continue;
    }
    const int64_t bound = verifier->WalkBound();
    Status walked = Status::Ok();
    for (const AuditRow& row : chain.rows) {
      if (row.seq > bound) break;
      walked = verifier->Add(row);
      if (!walked.ok()) break;
    }
    if (!walked.ok()) {
      found.Problem(where + walked.message());
      continue;
    }
    Result<AuditReport> report = verifier->Finish();
    if (!report.ok()) {
      found.Problem(where + report.status().message());
      continue;
    }
    for (const AuditProblem& problem : report->problems) found.Problem(where + problem.what);
  }
}

}  // namespace

std::string ChainDescription(const std::string& chain) {
  return chain.empty() ? "the keystore file's audit chain" : "node " + chain + "'s audit chain";
}

ContentsFindings CheckContents(const StateContents& contents, const KeystoreContext& context,
                               bool one_chain) {
  ContentsFindings out;
  Findings found(out);
  CheckMeta(contents, context, found);

  std::map<std::string, const SignerRow*> signers;
  for (const SignerRow& row : contents.signers) {
    signers[row.name] = &row;
    const std::string name = "signer '" + row.name + "'";
    found.Check(VerifyRowMac(context.keys.mac, SignerMacInput(row), row.mac, name));
    found.Check(VerifyRowMac(context.keys.mac, SignerStatusMacInput(row), row.status_mac,
                             "the status of " + name));
    if (row.status != signer_status::kEnabled && row.status != signer_status::kDisabled &&
        row.status != signer_status::kRemoved) {
      found.Problem(name + " has an unknown status");
    }
  }
  for (const SignerPinRow& row : contents.pins) {
    const std::string name = "the PIN of signer '" + row.name + "'";
    found.Check(VerifyRowMac(context.keys.mac, SignerPinMacInput(row), row.mac, name));
    if (signers.count(row.name) == 0) found.Problem(name + " has no signer row");
  }
  for (const SignerOtpRow& row : contents.otp) {
    const std::string name = "the " + row.kind + " enrolment of signer '" + row.name + "'";
    // Opening the wrapping proves the binding (aad.h); the secret is wiped as it goes.
    if (!AeadOpen(context.keys.wrap, OtpWrapAad(row), row.wrapped_secret).ok()) {
      found.Problem(name + " failed its integrity check");
    }
    if (signers.count(row.name) == 0) found.Problem(name + " has no signer row");
  }
  for (const ActivationKeyRow& row : contents.activation_keys) {
    Result<ActivationKey> key = ActivationKeyFromRow(context.keys.mac, row);
    if (!key.ok()) {
      found.Problem(key.status().message());
    } else if (key->role == ActivationKeyRole::kDevice && signers.count(row.owner) == 0) {
      found.Problem("activation key '" + row.kid + "' is a device key of signer '" + row.owner +
                    "', who has no signer row");
    }
  }
  for (const SignerSubjectRow& row : contents.subjects) {
    const std::string name = "subject '" + row.subject + "' of issuer '" + row.issuer + "'";
    found.Check(VerifyRowMac(context.keys.mac, SignerSubjectMacInput(row), row.mac, name));
    if (signers.count(row.signer) == 0) {
      found.Problem(name + " is enrolled as signer '" + row.signer + "', who has no signer row");
    }
  }
  std::multiset<Bytes> certified_ids;
  for (const CertRow& row : contents.certs) certified_ids.insert(row.key_id);
  std::set<Bytes> key_ids;
  for (const KeyRow& row : contents.keys) {
    key_ids.insert(row.id);
    found.Check(VerifyRowMac(context.keys.mac, KeyStatusMacInput(row), row.status_mac,
                             "the status of " + KeyName(row.id)));
    if (row.status == key_status::kDestroyed) {
      ++out.destroyed_keys;
      continue;
    }
    if (row.status != key_status::kEnabled && row.status != key_status::kDisabled) {
      found.Problem(KeyName(row.id) + " has an unknown status");
    }
    // Opening the wrapping proves every authoritative field of the row (aad.h); the plaintext is
    // wiped as it goes.
    Result<SecureBytes> opened = AeadOpen(context.keys.wrap, KeyWrapAad(row), row.wrapped_private);
    if (!opened.ok()) {
      found.Problem(KeyName(row.id) +
                    " failed its integrity check (edited, swapped or foreign row)");
    }
    if (signers.count(row.owner) == 0) {
      found.Problem(KeyName(row.id) + " belongs to signer '" + row.owner +
                    "', who has no signer row");
    }
    if (row.certified && certified_ids.count(row.id) == 0) {
      found.Problem(KeyName(row.id) + " had a certificate and its row is gone");
    }
  }
  for (const CertRow& row : contents.certs) {
    found.Check(CheckCertRow(context, row));
    if (key_ids.count(row.key_id) == 0) {
      found.Problem("a certificate of " + KeyName(row.key_id) + " has no key row");
    }
  }
  CheckChains(contents, context, one_chain, found, out);
  found.Finish();

  out.signers = static_cast<int64_t>(contents.signers.size());
  out.activation_keys = static_cast<int64_t>(contents.activation_keys.size());
  out.keys = static_cast<int64_t>(contents.keys.size());
  out.certs = static_cast<int64_t>(contents.certs.size());
  out.pins = static_cast<int64_t>(contents.pins.size());
  out.subjects = static_cast<int64_t>(contents.subjects.size());
  out.otp = static_cast<int64_t>(contents.otp.size());
  out.spent_hashes = static_cast<int64_t>(contents.spent_hashes.size());
  out.deposits = static_cast<int64_t>(contents.deposits.size());
  out.digests["signers"] = TableDigest(contents.signers);
  out.digests["signer PINs"] = TableDigest(contents.pins);
  out.digests["signer OTPs"] = TableDigest(contents.otp);
  out.digests["activation keys"] = TableDigest(contents.activation_keys);
  out.digests["signer subjects"] = TableDigest(contents.subjects);
  out.digests["keys"] = TableDigest(contents.keys);
  out.digests["certificates"] = TableDigest(contents.certs);
  out.digests["spent hashes"] = TableDigest(contents.spent_hashes);
  out.digests["deposits"] = TableDigest(contents.deposits);
  // The highest handle given, as a state that never gives one twice must keep it.
  int64_t key_handle = contents.last_key_handle;
  for (const KeyRow& row : contents.keys) key_handle = std::max(key_handle, row.handle);
  int64_t cert_handle = contents.last_cert_handle;
  for (const CertRow& row : contents.certs) cert_handle = std::max(cert_handle, row.handle);
  out.digests["handles"] =
      CanonicalEncoder().AddDecimal(key_handle).AddDecimal(cert_handle).bytes();
  return out;
}

}  // namespace samp11
