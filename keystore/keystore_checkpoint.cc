// Keystore's checkpoints of its audit log (audit_checkpoint.h).
#include <cstddef>
#include <string>
#include <vector>

#include "common/time_text.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "crypto/symmetric.h"
#include "keystore/audit_chain.h"
#include "keystore/keystore.h"

namespace samp11 {

Result<AuditCheckpoint> Keystore::MakeCheckpoint() {
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, state_->audit().GetAuditTail());
  if (!tail.head) return Status(Code::kTampered, "the audit log has no head to checkpoint");
  // A checkpoint vouches for the head: a forged one must not get a signature.
  SAMP11_ASSIGN_OR_RETURN(Bytes mac,
                          AuditHeadMac(context_.keys.audit, tail.head->seq, tail.head->chain));
  if (!ConstantTimeEqual(mac, tail.head->mac)) {
    return Status(Code::kTampered,
                  "the audit log's head failed its check: run `samp11 audit verify`");
  }
  return SignCheckpoint(tail.head->seq, tail.head->chain);
}

Result<AuditCheckpoint> Keystore::SignCheckpoint(int64_t seq, const Bytes& chain) {
  AuditCheckpoint checkpoint;
  checkpoint.token = context_.identity;
  checkpoint.node = state_->audit().ChainName();
  checkpoint.seq = seq;
  checkpoint.chain = chain;
  // Counted after the head was taken: the ledger only grows, so it held at least this many.
  SAMP11_ASSIGN_OR_RETURN(checkpoint.spent, state_->replay().CountSpentHashes());
  checkpoint.at = context_.clock.NowSeconds();
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, CheckpointKey(context_.pin_key));
  SAMP11_ASSIGN_OR_RETURN(checkpoint.signature,
                          Ed25519Sign(key.get(), CheckpointSigningInput(checkpoint)));
  return checkpoint;
}

Status Keystore::EmitCheckpoints(CheckpointSchedule schedule,
                                 std::vector<std::unique_ptr<CheckpointSink>> sinks) {
  if (checkpointer_) return Status(Code::kInternal, "checkpoints are emitted already");
  if (sinks.empty()) return Status(Code::kConfig, "checkpoints need a file or syslog to go to");
  for (const auto& sink : sinks) SAMP11_RETURN_IF_ERROR(sink->Check());
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, state_->audit().GetAuditTail());
  checkpointer_ = std::make_unique<AuditCheckpointer>(
      schedule, tail.head ? tail.head->seq : 0,
      [this](int64_t seq, const Bytes& chain) -> Result<std::string> {
        SAMP11_ASSIGN_OR_RETURN(AuditCheckpoint checkpoint, SignCheckpoint(seq, chain));
        return CheckpointLine(checkpoint);
      },
      std::move(sinks));
  context_.checkpoints = checkpointer_.get();
  return Status::Ok();
}

Result<Bytes> Keystore::CheckpointPublicKey() {
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, CheckpointKey(context_.pin_key));
  return PublicKeyToSpki(key.get());
}

Result<std::vector<AuditProblem>> Keystore::CheckCheckpoints(const std::vector<std::string>& lines,
                                                             bool chain_lines_only) {
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, CheckpointKey(context_.pin_key));
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, state_->audit().GetAuditTail());
  const int64_t head = tail.head ? tail.head->seq : 0;
  // After the tail's read, which folded the journal: every spend is counted.
  SAMP11_ASSIGN_OR_RETURN(const int64_t spent, state_->replay().CountSpentHashes());
  const std::string chain_name = state_->audit().ChainName();
  std::vector<AuditProblem> problems;
  // What is wrong with a line itself is said once, by the keystore that checks every line.
  auto line_problem = [&](std::string what) {
    if (!chain_lines_only) problems.push_back({0, std::move(what)});
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "checkpoint line " + std::to_string(i + 1);
    Result<AuditCheckpoint> parsed = ParseCheckpointLine(lines[i]);
    if (!parsed.ok()) {
      line_problem(where + ": " + parsed.status().message());
      continue;
    }
    const AuditCheckpoint& checkpoint = *parsed;
    if (checkpoint.token != context_.identity) {
      line_problem(where + ": a checkpoint of another token (" + checkpoint.token + ")");
      continue;
    }
    if (!Ed25519Verify(key.get(), CheckpointSigningInput(checkpoint), checkpoint.signature).ok()) {
      line_problem(where + ": not signed by this token's checkpoint key (forged or edited)");
      continue;
    }
    if (checkpoint.node != chain_name) {
      // Another node's line is its chain's to check (cmd_audit.cc opens every node's view).
      if (chain_name.empty()) {
        line_problem(where + ": a checkpoint of node " + checkpoint.node +
                     ", but this token keeps one log, in a file");
      }
      // A line from the file's days is the closed chain's (`samp11 migrate`); cmd_audit.cc names
      // a line whose chain is not in the database at all.
      continue;
    }
    const std::string named =
        where + " (" + UtcText(checkpoint.at) + ", record " + std::to_string(checkpoint.seq) + ")";
    if (checkpoint.spent > spent) {
      // Nothing removes a spent hash: rows were deleted by hand, or put back with an old copy.
      problems.push_back(
          {checkpoint.seq, named + ": the replay ledger holds " + std::to_string(spent) +
                               " spent hashes, the checkpoint counted " +
                               std::to_string(checkpoint.spent) +
                               ": spent hashes were removed since, and the SADs they belonged to "
                               "could sign again"});
    }
    if (checkpoint.seq > head) {
      problems.push_back({checkpoint.seq, named + ": the log is behind it, at record " +
                                              std::to_string(head) +
                                              ": records were removed or the keystore was put "
                                              "back to an earlier state"});
      continue;
    }
    SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRow> rows,
                            state_->audit().ListAuditRows(checkpoint.seq - 1, 1, AuditRowFilter{}));
    if (rows.empty() || rows.front().seq != checkpoint.seq) {
      problems.push_back({checkpoint.seq, named + ": the log lacks that record"});
    } else if (rows.front().chain != checkpoint.chain) {
      problems.push_back({checkpoint.seq, named + ": the log went another way since: its record " +
                                              std::to_string(checkpoint.seq) +
                                              " is not the one checkpointed (the keystore was "
                                              "put back and written again, or rewritten)"});
    }
  }
  return problems;
}

}  // namespace samp11
