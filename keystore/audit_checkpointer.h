// The module's own checkpoints of the audit log (audit_checkpoint.h): after every `every_records`
// records, and at the latest `every_seconds` after a record, a checkpoint of the newest record that
// this process made durable goes to every sink (checkpoint_sink.h); one more when the token closes
// if the log moved since. So a log's history is checkpointed off the host within that much, with
// no operator's timer.
//
// Off the signing path: a durable write only notes its record (AfterDurable, a lock and a
// compare); a thread of its own counts the ledger, signs and writes. Only records this process made
// durable are checkpointed: they are in the log for good (a crash cannot take them back), so a
// checkpoint is never ahead of the log but for a rollback. Their chain values are this process's
// own, so no head is read back. Records of other processes between them are covered by the chain.
//
// A sink that fails is logged, and the next checkpoint is tried all the same (it covers
// everything before it); checkpoints are evidence, not a gate, so a signature never waits for one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/checkpoint_sink.h"

namespace samp11 {

struct CheckpointSchedule {
  int64_t every_records = 1000;
  int64_t every_seconds = 300;
};

class AuditCheckpointer {
 public:
  // The checkpoint line of record (seq, chain), signed (Keystore::SignCheckpoint).
  using LineOf = std::function<Result<std::string>(int64_t seq, const Bytes& chain)>;

  // head_seq: the log's head when the token opened; the records before it were someone else's to
  // checkpoint.
  AuditCheckpointer(CheckpointSchedule schedule, int64_t head_seq, LineOf line_of,
                    std::vector<std::unique_ptr<CheckpointSink>> sinks);
  // Stops the thread, after a last checkpoint if the log moved since the last one.
  ~AuditCheckpointer();
  AuditCheckpointer(const AuditCheckpointer&) = delete;
  AuditCheckpointer& operator=(const AuditCheckpointer&) = delete;

  // After a synced write of this process made record (seq, chain) durable.
  void AfterDurable(int64_t seq, const Bytes& chain);

  // Checkpoints written whole to every sink, and emissions that failed somewhere (tests).
  int64_t written() const;
  int64_t failed() const;
  std::string Describe() const;

 private:
  void Loop();
  // Under no lock: makes and writes one checkpoint of (seq, chain).
  void Emit(int64_t seq, const Bytes& chain);
  // Under mu_: whether a checkpoint is due now.
  bool DueLocked(std::chrono::steady_clock::time_point now) const;

  const CheckpointSchedule schedule_;
  const LineOf line_of_;
  const std::vector<std::unique_ptr<CheckpointSink>> sinks_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  int64_t newest_seq_ = 0;  // the newest durable record noted
  Bytes newest_chain_;
  int64_t checkpointed_seq_ = 0;  // the newest record checkpointed (or the head at open)
  // When the oldest record not checkpointed yet was noted: the T-second clock starts there.
  std::chrono::steady_clock::time_point pending_since_;
  int64_t written_ = 0;
  int64_t failed_ = 0;
  bool stop_ = false;
  std::thread thread_;  // started at the first record: a process that writes none has none
};

}  // namespace samp11
