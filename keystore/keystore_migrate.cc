// Migration of a token's whole state to another place (keystore.h, MigrateTo): checked, copied
// as rows, the copy checked and compared, and only then put in its place. The source is read,
// never written.
#include <algorithm>
#include <utility>

#include "common/canonical_encoding.h"
#include "common/time_text.h"
#include "crypto/digest.h"
#include "keystore/audit_chain.h"
#include "keystore/keystore.h"

namespace samp11 {
namespace {

constexpr char kNodeMark[] = "node:";
constexpr size_t kProblemsInMessage = 5;

std::string Listed(const std::vector<std::string>& problems) {
  std::string out;
  for (size_t i = 0; i < problems.size() && i < kProblemsInMessage; ++i) {
    out += (i == 0 ? "" : "; ") + problems[i];
  }
  if (problems.size() > kProblemsInMessage) {
    out += "; and " + std::to_string(problems.size() - kProblemsInMessage) + " more";
  }
  return out;
}

std::string ChainLabel(const std::string& chain) { return chain.empty() ? "file" : chain; }

bool SamePoint(const AnchorPoint& a, const AnchorPoint& b) {
  return a.seq == b.seq && a.chain == b.chain;
}

std::vector<std::pair<std::string, std::string>> Sorted(
    std::vector<std::pair<std::string, std::string>> meta) {
  std::sort(meta.begin(), meta.end());
  return meta;
}

// What the copy must show of the source: the checked findings and the meta rows it was given.
struct Expected {
  ContentsFindings source;
  std::vector<std::pair<std::string, std::string>> meta;  // sorted
  std::vector<std::string> chains;                        // carried
};

// The differences between the copy (arrived, checked as there) and what was sent; own: the
// copy's own chain, which has the records the copy appended beyond the source's head.
std::vector<std::string> Differences(const Expected& sent, const StateContents& arrived,
                                     const ContentsFindings& there, const std::string& own) {
  std::vector<std::string> found;
  for (const auto& [table, digest] : sent.source.digests) {
    auto it = there.digests.find(table);
    if (it == there.digests.end() || it->second != digest) {
      found.push_back("the copy's " + table + " differ from the source's");
    }
  }
  std::vector<std::pair<std::string, std::string>> meta;
  for (const auto& row : arrived.meta) {
    // The copy's own node joined it (Keystore::JoinChain) unless the source knew that node.
    if (!own.empty() && row.first == kNodeMark + own &&
        !std::binary_search(sent.meta.begin(), sent.meta.end(), row)) {
      continue;
    }
    meta.push_back(row);
  }
  if (Sorted(std::move(meta)) != sent.meta) found.push_back("the copy's meta rows differ");
  for (const std::string& chain : sent.chains) {
    const AnchorPoint& head = sent.source.heads.at(chain);
    if (chain != own) {
      auto it = there.heads.find(chain);
      if (it == there.heads.end() || !SamePoint(it->second, head)) {
        found.push_back(ChainDescription(chain) + " did not arrive as it was");
      }
      continue;
    }
    // The copy's own chain goes on past the source's head: the record at that seq must be the
    // source's (a chain that verifies is fixed by any of its chain values).
    if (head.seq == 0) continue;
    auto rows = arrived.chains.find(chain);
    const bool held = rows != arrived.chains.end() &&
                      static_cast<int64_t>(rows->second.rows.size()) >= head.seq &&
                      rows->second.rows[static_cast<size_t>(head.seq - 1)].seq == head.seq &&
                      rows->second.rows[static_cast<size_t>(head.seq - 1)].chain == head.chain;
    if (!held) found.push_back(ChainDescription(chain) + " did not arrive as it was");
  }
  for (const auto& [chain, head] : there.heads) {
    if (chain != own &&
        std::find(sent.chains.begin(), sent.chains.end(), chain) == sent.chains.end()) {
      found.push_back("the copy has " + ChainDescription(chain) + ", which was not sent");
    }
  }
  return found;
}

}  // namespace

Result<Keystore::MigrateReport> Keystore::MigrateTo(StateLocation& target,
                                                    const MasterKeySource& master,
                                                    const std::string& origin) {
  SAMP11_RETURN_IF_ERROR(CheckNotRolledBack());
  const std::string& where = target.name();
  const std::string untouched = "; nothing was written at " + where;
  if (target.Exists()) {
    return Status(Code::kAlreadyExists,
                  where + " already exists: a migration goes only where there is nothing yet");
  }

  // The source, read at one instant and checked row by row.
  const bool one_chain = state_->audit().ChainName().empty();
  SAMP11_ASSIGN_OR_RETURN(StateContents contents, state_->maintenance().Contents());
  const std::vector<std::pair<std::string, std::string>> source_meta = Sorted(contents.meta);
  MigrateReport report;
  report.copied = CheckContents(contents, context_, one_chain);
  if (!report.copied.problems.empty()) {
    return Status(Code::kTampered, "the token does not check, so it is not copied: " +
                                       Listed(report.copied.problems) + untouched);
  }

  // What goes: every chain where the target keeps one per node, else the token's one chain only
  // (and no node's mark: those nodes' chains stay here).
  if (!target.HoldsNodeChains()) {
    for (auto it = contents.chains.begin(); it != contents.chains.end();) {
      if (it->first.empty()) {
        ++it;
        continue;
      }
      it = contents.chains.erase(it);
    }
    for (const auto& [chain, head] : report.copied.heads) {
      if (!chain.empty()) report.chains_left[chain] = head;
    }
    contents.meta.erase(
        std::remove_if(contents.meta.begin(), contents.meta.end(),
                       [](const auto& row) { return row.first.rfind(kNodeMark, 0) == 0; }),
        contents.meta.end());
  }
  Expected sent;
  sent.source = report.copied;
  sent.meta = Sorted(contents.meta);
  for (const auto& [chain, rows] : contents.chains) sent.chains.push_back(chain);
  report.chains_carried = sent.chains;

  // The migrate record: where from, what, and the heads of the chains left behind.
  std::string detail = "from " + origin + "; " + std::to_string(report.copied.signers) +
                       " signers, " + std::to_string(report.copied.activation_keys) +
                       " activation keys, " + std::to_string(report.copied.keys) + " keys (" +
                       std::to_string(report.copied.destroyed_keys) + " destroyed), " +
                       std::to_string(report.copied.certs) + " certificates, " +
                       std::to_string(report.copied.pins) + " PINs, " +
                       std::to_string(report.copied.otp) + " OTP enrolments, " +
                       std::to_string(report.copied.spent_hashes) + " spent hashes, " +
                       std::to_string(report.copied.deposits) + " deposits";
  if (!report.chains_left.empty()) {
    CanonicalEncoder heads;
    std::string names;
    for (const auto& [chain, head] : report.chains_left) {
      heads.Add(chain).AddDecimal(head.seq).Add(head.chain);
      names += (names.empty() ? "" : ", ") + chain + "@" + std::to_string(head.seq);
    }
    detail += "; audit chains left in the source: " + std::to_string(report.chains_left.size()) +
              ", heads sha256 " + HexEncode(Digest(HashAlg::kSha256, heads.bytes())) + " (" +
              names + ")";
  }
  std::string carried;
  for (const std::string& chain : sent.chains) {
    carried += (carried.empty() ? "" : ", ") + ChainLabel(chain) + "@" +
               std::to_string(report.copied.heads.at(chain).seq);
  }
  detail += "; audit chains carried: " + (carried.empty() ? std::string("none") : carried) +
            "; pending activation requests not carried";

  auto discard = [&](Status status) {
    target.DiscardStaged();
    return status;
  };
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> staged, target.StageContents(contents));
  contents = StateContents();  // what was sent is known by its findings from here on
  {
    Result<std::unique_ptr<Keystore>> opened = Open(std::move(staged), master, context_.clock);
    if (!opened.ok()) {
      return discard(Status(opened.status().code(), "the copy at " + where + " does not open: " +
                                                        opened.status().message() + untouched));
    }
    Keystore& copy = **opened;
    report.target_chain = copy.audit_.ChainName();
    AuditEvent migrated;
    migrated.event = audit_event::kMigrate;
    migrated.outcome = audit_outcome::kOk;
    migrated.detail = detail;
    // A file that receives none of the source's chains (a token made in a database) starts its
    // one chain with this record.
    Result<AuditTail> tail = copy.state_->audit().GetAuditTail();
    if (!tail.ok()) return discard(tail.status());
    copy.context_.joining_chain = !tail->head && !tail->last_row;
    Status appended = copy.audit_.Append(migrated);
    copy.context_.joining_chain = false;
    if (!appended.ok()) return discard(appended);

    Result<StateContents> arrived = copy.state_->maintenance().Contents();
    if (!arrived.ok()) return discard(arrived.status());
    ContentsFindings there = CheckContents(*arrived, copy.context_, report.target_chain.empty());
    std::vector<std::string> wrong = there.problems;
    for (std::string& difference : Differences(sent, *arrived, there, report.target_chain)) {
      wrong.push_back(std::move(difference));
    }
    if (!wrong.empty()) {
      return discard(Status(Code::kTampered, "the copy at " + where + " does not check: " +
                                                 Listed(wrong) + "; it was removed"));
    }
    report.migrate_record = there.heads.at(report.target_chain).seq;
  }  // the staged state is let go before it takes its place

  // The source again: a process that wrote to it meanwhile wrote something the copy lacks.
  Result<StateContents> again = state_->maintenance().Contents();
  if (!again.ok()) return discard(again.status());
  ContentsFindings now = CheckContents(*again, context_, one_chain);
  bool same = now.problems.empty() && now.digests == report.copied.digests &&
              Sorted(again->meta) == source_meta;
  for (const auto& [chain, head] : report.copied.heads) {
    auto it = now.heads.find(chain);
    same = same && it != now.heads.end() && SamePoint(it->second, head);
  }
  same = same && now.heads.size() == report.copied.heads.size();
  if (!same) {
    return discard(Status(Code::kRejected,
                          "the token changed while it was copied (a process wrote to it): stop "
                          "every process that uses it and migrate again" +
                              untouched));
  }
  again = StateContents();

  if (target.Exists()) {
    return discard(
        Status(Code::kAlreadyExists, where + " was made by someone else meanwhile" + untouched));
  }
  std::string aside;
  Status promoted =
      target.PromoteStaged(UtcText(context_.clock.NowSeconds(), UtcFormat::kCompact), &aside);
  if (!promoted.ok()) return discard(promoted);

  // In its place, it opens under the master key and ends with the migrate record.
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> placed, target.Open());
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> live,
                          Open(std::move(placed), master, context_.clock));
  SAMP11_ASSIGN_OR_RETURN(int64_t last, live->audit_.LastSeq());
  if (last != report.migrate_record) {
    return Status(Code::kStorage, "the copy at " + where + " ends at audit record " +
                                      std::to_string(last) + ", not at its migrate record " +
                                      std::to_string(report.migrate_record));
  }
  return report;
}

}  // namespace samp11
