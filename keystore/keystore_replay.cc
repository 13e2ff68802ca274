// The replay record: each hash a SAD binds may be signed once.

#include "keystore/keystore.h"

namespace samp11 {
namespace {

Status CheckReplayKey(const std::string& kid, const std::string& jti, const Bytes& hash) {
  if (kid.empty() || jti.empty() || hash.empty()) {
    return Status(Code::kArgumentsBad, "a spent hash needs a kid, a jti and a hash");
  }
  return Status::Ok();
}

}  // namespace

Result<bool> Keystore::SpendHash(const std::string& kid, const std::string& jti, const Bytes& hash,
                                 const Bytes& key_id, int64_t sad_exp) {
  SAMP11_RETURN_IF_ERROR(CheckReplayKey(kid, jti, hash));
  SpentHashRow row;
  row.kid = kid;
  row.jti = jti;
  row.hash = hash;
  row.key_id = key_id;
  row.sad_exp = sad_exp;
  row.spent_at = clock_.NowSeconds();
  return state_->replay().InsertSpentHash(row);
}

Result<bool> Keystore::IsHashSpent(const std::string& kid, const std::string& jti,
                                   const Bytes& hash) {
  SAMP11_RETURN_IF_ERROR(CheckReplayKey(kid, jti, hash));
  return state_->replay().IsHashSpent(kid, jti, hash);
}

}  // namespace samp11
