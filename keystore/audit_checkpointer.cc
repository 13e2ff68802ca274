#include "keystore/audit_checkpointer.h"

#include "common/log.h"

namespace samp11 {

AuditCheckpointer::AuditCheckpointer(CheckpointSchedule schedule, int64_t head_seq, LineOf line_of,
                                     std::vector<std::unique_ptr<CheckpointSink>> sinks)
    : schedule_(schedule),
      line_of_(std::move(line_of)),
      sinks_(std::move(sinks)),
      newest_seq_(head_seq),
      checkpointed_seq_(head_seq) {}

AuditCheckpointer::~AuditCheckpointer() {
  int64_t seq = 0;
  Bytes chain;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (newest_seq_ <= checkpointed_seq_) return;
    seq = newest_seq_;
    chain = newest_chain_;
  }
  Emit(seq, chain);
}

void AuditCheckpointer::AfterDurable(int64_t seq, const Bytes& chain) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_ || seq <= newest_seq_) return;  // a group's writes may report out of order
  if (newest_seq_ == checkpointed_seq_) pending_since_ = std::chrono::steady_clock::now();
  newest_seq_ = seq;
  newest_chain_ = chain;
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  if (seq - checkpointed_seq_ >= schedule_.every_records) wake_.notify_all();
}

bool AuditCheckpointer::DueLocked(std::chrono::steady_clock::time_point now) const {
  if (newest_seq_ <= checkpointed_seq_) return false;
  return newest_seq_ - checkpointed_seq_ >= schedule_.every_records ||
         now - pending_since_ >= std::chrono::seconds(schedule_.every_seconds);
}

void AuditCheckpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const auto now = std::chrono::steady_clock::now();
    if (!DueLocked(now)) {
      if (newest_seq_ > checkpointed_seq_) {
        wake_.wait_until(lock, pending_since_ + std::chrono::seconds(schedule_.every_seconds));
      } else {
        wake_.wait(lock);
      }
      continue;
    }
    const int64_t seq = newest_seq_;
    const Bytes chain = newest_chain_;
    // Taken as done before it is written: a failed one is not retried for itself, the next
    // record's checkpoint covers it.
    checkpointed_seq_ = seq;
    lock.unlock();
    Emit(seq, chain);
    lock.lock();
  }
}

void AuditCheckpointer::Emit(int64_t seq, const Bytes& chain) {
  Result<std::string> line = line_of_(seq, chain);
  bool whole = line.ok();
  if (!line.ok()) {
    SAMP11_LOG(kError, "no checkpoint of audit record " << seq << ": " << line.status().message());
  } else {
    for (const auto& sink : sinks_) {
      Status written = sink->Write(*line);
      if (!written.ok()) {
        whole = false;
        SAMP11_LOG(kError,
                   "checkpoint of audit record " << seq << " not written: " << written.message());
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  (whole ? written_ : failed_) += 1;
}

int64_t AuditCheckpointer::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

int64_t AuditCheckpointer::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

std::string AuditCheckpointer::Describe() const {
  std::string sinks;
  for (const auto& sink : sinks_) sinks += (sinks.empty() ? "" : ", ") + sink->Describe();
  return "every " + std::to_string(schedule_.every_records) + " records or " +
         std::to_string(schedule_.every_seconds) + " s, to " + sinks;
}

}  // namespace samp11
