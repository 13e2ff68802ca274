#include "keystore/audit_chain.h"

#include <string>

#include "crypto/digest.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"

namespace samp11 {
namespace {

Result<Bytes> LabelledMac(const SecureBytes& key, const char* label, int64_t seq,
                          const Bytes& chain) {
  return HmacSha256(key, CanonicalEncoder().Add(label).AddDecimal(seq).Add(chain).bytes());
}

}  // namespace

Bytes AuditGenesis(std::string_view identity) {
  // The identity is fixed-length hex, so plain concatenation is unambiguous.
  return Digest(HashAlg::kSha256,
                ToBytes(std::string("samp11 audit genesis") + std::string(identity)));
}

Bytes AuditChainGenesis(std::string_view identity, std::string_view chain) {
  if (chain.empty()) return AuditGenesis(identity);
  return Digest(
      HashAlg::kSha256,
      CanonicalEncoder().Add("samp11 audit genesis of a node").Add(identity).Add(chain).bytes());
}

Bytes AuditRecordInput(const AuditRow& row) {
  return CanonicalEncoder()
      .Add("audit-record-v1")
      .AddDecimal(row.seq)
      .AddDecimal(row.at)
      .AddDecimal(row.pid)
      .Add(row.event)
      .Add(row.outcome)
      .Add(row.signer)
      .Add(row.key_id)
      .Add(row.kid)
      .Add(row.jti)
      .Add(row.detail)
      .bytes();
}

Bytes AuditChainNext(const Bytes& previous, const AuditRow& row) {
  Bytes input = previous;
  Bytes record = AuditRecordInput(row);
  input.insert(input.end(), record.begin(), record.end());
  return Digest(HashAlg::kSha256, input);
}

Result<Bytes> AuditRecordMac(const SecureBytes& key, int64_t seq, const Bytes& chain) {
  return LabelledMac(key, "audit-mac-v1", seq, chain);
}

Result<Bytes> AuditHeadMac(const SecureBytes& key, int64_t seq, const Bytes& chain) {
  return LabelledMac(key, "audit-head-v1", seq, chain);
}

}  // namespace samp11
