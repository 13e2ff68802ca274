// One data object (CKA_APPLICATION "samp11 rollback anchor", CKA_LABEL the token identity) whose
// CKA_VALUE is one anchor slot (keystore/rollback_anchor_slot.h). Where the token will not change
// the value in place, a write makes a new object and then removes the old (InnerToken::WriteData),
// so a reader may find two: the one with the higher generation is the anchor.
//
// Processes take no lock around read-and-write here: one that writes an older point after another
// wrote a newer one moves the anchor back a little (it guards a little less until the next synced
// write), and never ahead of the log, so it never raises a false alarm.
#include "token/inner_token_anchor.h"

#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "keystore/rollback_anchor_slot.h"

namespace samp11 {

namespace {

constexpr char kApplication[] = "samp11 rollback anchor";

class InnerTokenAnchor : public RollbackAnchor {
 public:
  InnerTokenAnchor(std::shared_ptr<InnerToken> inner, std::string identity)
      : inner_(std::move(inner)),
        label_(std::move(identity)),
        identity_hash_(AnchorIdentityHash(label_)) {}

  Status Advance(const Update& update) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(std::vector<Bytes> values, inner_->ReadData(kApplication, label_));
    SAMP11_ASSIGN_OR_RETURN(std::optional<AnchorSlot> best,
                            BestAnchorSlot(values, identity_hash_, Describe(), nullptr));
    std::optional<AnchorPoint> stored;
    if (best) stored = best->point;
    SAMP11_ASSIGN_OR_RETURN(std::optional<AnchorPoint> next, update(stored));
    if (!next) return Status::Ok();
    SAMP11_ASSIGN_OR_RETURN(
        Bytes slot, EncodeAnchorSlot(best ? best->generation + 1 : 1, *next, identity_hash_));
    return inner_->WriteData(kApplication, label_, slot);
  }

  Status Reset(const AnchorPoint& point) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(std::vector<Bytes> values, inner_->ReadData(kApplication, label_));
    SAMP11_ASSIGN_OR_RETURN(
        Bytes slot, EncodeAnchorSlot(HighestAnchorGeneration(values) + 1, point, identity_hash_));
    return inner_->WriteData(kApplication, label_, slot);
  }

  std::string Describe() const override {
    return "data object '" + std::string(kApplication) + "' of the inner " + inner_->Describe();
  }

 private:
  const std::shared_ptr<InnerToken> inner_;
  const std::string label_;
  const Bytes identity_hash_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<RollbackAnchor> MakeInnerTokenAnchor(std::shared_ptr<InnerToken> inner,
                                                     const std::string& identity) {
  return std::make_unique<InnerTokenAnchor>(std::move(inner), identity);
}

}  // namespace samp11
