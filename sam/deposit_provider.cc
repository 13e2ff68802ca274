// The deposit SAD provider: the request is recorded in the keystore, where an approval service
// (or `samp11 device watch`, or an operator with `samp11 sad requests` and `samp11 sad deposit`)
// finds it; the SAM waits for a deposited SAD that answers it, or for a refusal
// (`samp11 sad refuse`). Every process on the keystore sees the same requests.
#include <set>

#include "common/log.h"
#include "crypto/digest.h"
#include "sam/sad_provider.h"

namespace samp11 {
namespace {

namespace state {
constexpr char kAnswered[] = "answered";
constexpr char kRefused[] = "refused";
constexpr char kTimedOut[] = "timed-out";
constexpr char kCancelled[] = "cancelled";
}  // namespace state

class DepositProvider : public SadProvider {
 public:
  DepositProvider(Keystore& keystore, const Clock& clock, const SadProviderConfig& config)
      : keystore_(keystore),
        clock_(clock),
        timeout_seconds_(config.timeout_seconds),
        poll_millis_(config.poll_milliseconds) {}

  const char* name() const override { return sad_provider::kDeposit; }
  int64_t timeout_seconds() const override { return timeout_seconds_; }

  Result<std::shared_ptr<const VerifiedSad>> Ask(const ActivationRequest& request,
                                                 int64_t deadline_millis, CancelSignal* cancel,
                                                 const SadAcceptor& accept) override {
    SadRequestRow row;
    row.id = request.request_id;
    row.created = request.created;
    row.expires = request.expires;
    row.signer = request.signer;
    row.key_id = *HexDecode(request.key_id);
    row.request_json = ActivationRequestToJson(request);
    row.updated = request.created;
    SAMP11_RETURN_IF_ERROR(keystore_.requests().Record(row));
    SAMP11_LOG(kInfo, "activation request " << row.id << " recorded for signer '" << row.signer
                                            << "': waiting for a deposit");
    Result<std::shared_ptr<const VerifiedSad>> answer =
        Wait(request, row.key_id, deadline_millis, cancel, accept);
    if (!answer.ok() && answer.status().code() != Code::kRejected) {
      const char* ended =
          answer.status().code() == Code::kTimedOut ? state::kTimedOut : state::kCancelled;
      (void)keystore_.requests().End(row.id, ended, answer.status().message(), clock_.NowSeconds());
    }
    return answer;
  }

 private:
  Result<std::shared_ptr<const VerifiedSad>> Wait(const ActivationRequest& request,
                                                  const Bytes& key_id, int64_t deadline_millis,
                                                  CancelSignal* cancel, const SadAcceptor& accept) {
    std::set<Bytes> tried;  // digests of deposits already refused: each is looked at once
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(
          std::vector<std::string> texts,
          keystore_.replay().FindDepositedSads(key_id, request.hash, clock_.NowSeconds()));
      for (const std::string& text : texts) {
        if (!tried.insert(Digest(HashAlg::kSha256, ToBytes(text))).second) continue;
        Result<std::shared_ptr<const VerifiedSad>> accepted = accept(text);
        if (accepted.ok()) {
          (void)keystore_.requests().End(request.request_id, state::kAnswered, "",
                                         clock_.NowSeconds());
          return accepted;
        }
        if (accepted.status().code() == Code::kStorage) return accepted.status();
        SAMP11_LOG(kWarn, "activation request "
                              << request.request_id
                              << ": a deposit does not answer it: " << accepted.status().message());
      }
      SAMP11_ASSIGN_OR_RETURN(std::optional<SadRequestRow> row,
                              keystore_.requests().Find(request.request_id));
      if (!row) {
        return Status(Code::kDevice,
                      "activation request " + request.request_id + " vanished from the keystore");
      }
      if (row->state == state::kRefused) {
        return Status(Code::kRejected,
                      "the signer refused" +
                          (row->detail.empty() ? std::string() : ": " + DisplayText(row->detail)));
      }
      const int64_t next = MonotonicMillis() + poll_millis_;
      SAMP11_ASSIGN_OR_RETURN(
          WaitOutcome waited,
          WaitReadable(-1, next < deadline_millis ? next : deadline_millis, cancel));
      if (waited == WaitOutcome::kCancelled) return *cancel->reason();
      if (MonotonicMillis() >= deadline_millis) {
        return Status(Code::kTimedOut, "no deposit answered the request within " +
                                           std::to_string(timeout_seconds_) + " s");
      }
    }
  }

  Keystore& keystore_;
  const Clock& clock_;
  int64_t timeout_seconds_;
  int64_t poll_millis_;
};

}  // namespace

std::unique_ptr<SadProvider> MakeDepositProvider(const SadProviderConfig& config,
                                                 Keystore& keystore, const Clock& clock) {
  return std::make_unique<DepositProvider>(keystore, clock, config);
}

}  // namespace samp11
