// samp11 audit: check the token's audit log and read it, as text or as JSON lines for log
// shippers. Exit codes: 0 intact / listed, 3 the log shows tampering, else as Fail().
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <limits>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "common/time_text.h"
#include "crypto/keys.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

constexpr int kTamperedExit = 3;

// Epoch seconds, or ISO-8601 UTC: "2026-11-22T10:00:00Z" or a date "2026-11-22" (its midnight).
Result<int64_t> ParseTime(const std::string& text, const char* option) {
  const Status bad(Code::kArgumentsBad, std::string(option) +
                                            " takes epoch seconds or an ISO-8601 UTC time such as "
                                            "2026-11-22T10:00:00Z");
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    if (text.size() > 18) return bad;
    return static_cast<int64_t>(std::stoll(text));
  }
  std::tm tm{};
  int consumed = 0;
  if (text.size() == 10) {
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &consumed) != 3) {
      return bad;
    }
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
                         &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return bad;
  }
  if (static_cast<size_t>(consumed) != text.size() || tm.tm_mon < 1 || tm.tm_mon > 12 ||
      tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return bad;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

// Fields like a refused SAD's jti come from outside: escaped so that one record stays one line.
std::string Printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string TextLine(const AuditRecord& r) {
  std::string line = UtcText(r.at) + " " + std::to_string(r.seq) + " " + Printable(r.event.event) +
                     " " + Printable(r.event.outcome);
  auto field = [&line](const char* name, const std::string& value) {
    if (!value.empty()) line += std::string(" ") + name + "=" + Printable(value);
  };
  field("signer", r.event.signer);
  field("key", HexEncode(r.event.key_id));
  field("kid", r.event.kid);
  field("jti", r.event.jti);
  if (!r.event.detail.empty()) line += " : " + Printable(r.event.detail);
  return line;
}

std::string JsonLine(const AuditRecord& r) {
  nlohmann::ordered_json j;
  j["seq"] = r.seq;
  j["time"] = UtcText(r.at);
  j["at"] = r.at;
  j["pid"] = r.pid;
  j["event"] = r.event.event;
  j["outcome"] = r.event.outcome;
  j["signer"] = r.event.signer;
  j["key_id"] = HexEncode(r.event.key_id);
  j["kid"] = r.event.kid;
  j["jti"] = r.event.jti;
  j["detail"] = r.event.detail;
  // Invalid UTF-8 (a cut or hostile field) becomes U+FFFD instead of an exception.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

struct ShowOptions {
  std::string signer;
  std::string key_id_hex;
  std::string since;
  std::string until;
  std::string event;
  size_t limit = 0;  // 0: every matching record
  size_t last = 0;   // the newest this many matching records instead (0: from the oldest)
  bool json = false;
};

// The newest `count` records that match filter, oldest first: windows of seqs walked back from
// the head, each twice the last, so a few recent records cost a few small reads on any log.
Result<std::vector<AuditRecord>> NewestRecords(AuditLog& log, AuditFilter filter, size_t count) {
  SAMP11_ASSIGN_OR_RETURN(int64_t top, log.LastSeq());
  std::vector<AuditRecord> newest;  // newest first while collecting
  int64_t window = static_cast<int64_t>(std::max<size_t>(count, 16)) * 2;
  for (int64_t high = top; high > 0 && newest.size() < count; window *= 2) {
    const int64_t low = std::max<int64_t>(0, high - window);
    std::vector<AuditRecord> range;  // (low, high], oldest first
    filter.max_seq = high;
    filter.limit = kDefaultAuditPage;
    for (int64_t after = low;;) {
      SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRecord> page, log.List(filter, after));
      range.insert(range.end(), std::make_move_iterator(page.begin()),
                   std::make_move_iterator(page.end()));
      if (page.size() < filter.limit) break;
      after = range.back().seq;
    }
    for (auto it = range.rbegin(); it != range.rend() && newest.size() < count; ++it) {
      newest.push_back(std::move(*it));
    }
    high = low;
  }
  std::reverse(newest.begin(), newest.end());
  return newest;
}

Status RunShow(const GlobalOptions& global, const ShowOptions& o) {
  AuditFilter filter;
  filter.signer = o.signer;
  filter.event = o.event;
  if (!o.key_id_hex.empty()) {
    std::optional<Bytes> id = HexDecode(o.key_id_hex);
    if (!id || id->empty()) return Status(Code::kArgumentsBad, "--key-id must be hex");
    filter.key_id = *id;
  }
  if (!o.since.empty()) {
    SAMP11_ASSIGN_OR_RETURN(filter.since, ParseTime(o.since, "--since"));
  }
  if (!o.until.empty()) {
    SAMP11_ASSIGN_OR_RETURN(filter.until, ParseTime(o.until, "--until"));
  }
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  if (o.last > 0) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRecord> newest,
                            NewestRecords(ks->audit(), filter, o.last));
    for (const AuditRecord& r : newest) std::cout << (o.json ? JsonLine(r) : TextLine(r)) << "\n";
    std::cout.flush();
    return Status::Ok();
  }
  size_t left = o.limit == 0 ? std::numeric_limits<size_t>::max() : o.limit;
  int64_t after = 0;
  while (left > 0) {
    filter.limit = std::min(left, kDefaultAuditPage);
    SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRecord> page, ks->audit().List(filter, after));
    for (const AuditRecord& r : page) std::cout << (o.json ? JsonLine(r) : TextLine(r)) << "\n";
    if (page.size() < filter.limit) break;
    left -= page.size();
    after = page.back().seq;
  }
  std::cout.flush();
  return Status::Ok();
}

// One chain's report (prefix: which node's, where there are several); whether it found nothing.
bool PrintReport(const std::string& prefix, const AuditReport& report, bool checkpoints) {
  std::cout << prefix << "audit log: " << report.records
            << (report.records == 1 ? " record" : " records");
  if (report.records > 0) std::cout << ", seq " << report.first_seq << ".." << report.last_seq;
  if (report.ok()) {
    std::cout << ", intact";
    if (checkpoints) std::cout << ", holds every checkpoint";
    std::cout << "\n";
    return true;
  }
  std::cout << ", " << report.problems.size()
            << (report.problems.size() == 1 ? " problem:\n" : " problems:\n");
  for (const AuditProblem& p : report.problems) std::cout << "  " << p.what << "\n";
  return false;
}

Result<int> RunVerify(const GlobalOptions& global, const std::string& checkpoints_path) {
  std::vector<std::string> checkpoints;
  if (!checkpoints_path.empty()) {
    std::ifstream in(checkpoints_path);
    if (!in) return Status(Code::kArgumentsBad, "cannot read " + checkpoints_path);
    for (std::string line; std::getline(in, line);) checkpoints.push_back(line);
  }
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenTokenKeystore(token));
  SAMP11_ASSIGN_OR_RETURN(AuditReport report, ks->audit().Verify());
  if (!checkpoints_path.empty()) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<AuditProblem> found, ks->CheckCheckpoints(checkpoints));
    report.problems.insert(report.problems.end(), found.begin(), found.end());
  }
  const std::string own = ks->audit().ChainName();
  if (own.empty()) return PrintReport("", report, !checkpoints_path.empty()) ? 0 : kTamperedExit;
  // Several signing nodes: every node's chain, this one's first; the chain without a name is the
  // one a keystore file brought in (`samp11 migrate`), closed. Each chain is checked against the
  // checkpoints of its node (the closed one against the lines from the file's days); this one
  // also says what is wrong with a line itself, and names checkpoints of a chain that is not in
  // the database at all (a node's deleted with its mark: it looks like a node that never signed,
  // but for its checkpoints).
  SAMP11_ASSIGN_OR_RETURN(std::vector<std::string> names, ks->audit().ChainNames());
  const std::set<std::string> chains(names.begin(), names.end());
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    Result<AuditCheckpoint> line = ParseCheckpointLine(checkpoints[i]);
    if (!line.ok() || line->token != ks->identity() || chains.count(line->node) > 0) continue;
    const std::string whose = line->node.empty()
                                  ? "of the token's log from when it was kept in a file, which "
                                    "is not in the database (moved before `samp11 migrate` kept "
                                    "it, or deleted)"
                                  : "of node " + line->node +
                                        ", which has no chain in the database: its records were "
                                        "deleted";
    report.problems.push_back(
        {line->seq, "checkpoint line " + std::to_string(i + 1) + ": " + whose});
  }
  bool ok = PrintReport("node " + own + ": ", report, !checkpoints_path.empty());
  for (const std::string& name : names) {
    if (name == own) continue;
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> view, OpenNodeView(token, name));
    SAMP11_ASSIGN_OR_RETURN(AuditReport theirs, view->audit().Verify());
    if (!checkpoints_path.empty()) {
      SAMP11_ASSIGN_OR_RETURN(std::vector<AuditProblem> found,
                              view->CheckCheckpoints(checkpoints, /*chain_lines_only=*/true));
      theirs.problems.insert(theirs.problems.end(), found.begin(), found.end());
    }
    const std::string prefix =
        name.empty() ? "keystore file's chain (closed): " : "node " + name + ": ";
    ok = PrintReport(prefix, theirs, !checkpoints_path.empty()) && ok;
  }
  return ok ? 0 : kTamperedExit;
}

// A checkpoint of the log's head, printed and, with append_to, appended to that file (made 0600;
// O_APPEND, synced) for a place the keystore's attacker cannot rewrite.
Status RunCheckpoint(const GlobalOptions& global, const std::string& append_to, bool public_key) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  if (public_key) {
    SAMP11_ASSIGN_OR_RETURN(Bytes spki, ks->CheckpointPublicKey());
    SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, PublicKeyFromSpki(spki));
    SAMP11_ASSIGN_OR_RETURN(std::string pem, PublicKeyToPem(key.get()));
    std::cout << pem;
    return Status::Ok();
  }
  SAMP11_ASSIGN_OR_RETURN(AuditCheckpoint checkpoint, ks->MakeCheckpoint());
  const std::string line = CheckpointLine(checkpoint) + "\n";
  if (!append_to.empty()) {
    int fd = ::open(append_to.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return Status(Code::kArgumentsBad, "cannot open " + append_to + ": " + std::strerror(errno));
    bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                   ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!written) {
      return Status(Code::kStorage, "cannot append to " + append_to + ": " + std::strerror(saved));
    }
  }
  std::cout << line;
  return Status::Ok();
}

// An operator who has looked at a rollback the guard found (and at what it may have let sign
// again) takes the keystore as it is; the reason goes into the log with the record.
Status RunAcceptRollback(const GlobalOptions& global, const std::string& reason) {
  if (reason.empty()) return Status(Code::kArgumentsBad, "--reason must say why");
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(Keystore::RollbackAcceptance accepted, ks->AcceptRollback(reason));
  std::cout << "rollback accepted: the anchor (" << accepted.anchor << ") now holds audit record "
            << accepted.record << " (rollback-accepted); signing resumes\n";
  return Status::Ok();
}

}  // namespace

void AddAuditCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "check and read the token's audit log");
  audit->require_subcommand(1);

  CLI::App* verify = audit->add_subcommand(
      "verify", "check every record's chain and MAC (exit 3 and list what was tampered with)");
  auto checkpoints = std::make_shared<std::string>();
  verify->add_option("--checkpoints", *checkpoints,
                     "also check the log against these checkpoints (samp11 audit checkpoint)");
  verify->callback([&global, checkpoints, exit_code] {
    Result<int> code = RunVerify(global, *checkpoints);
    *exit_code = code.ok() ? *code : Fail(code.status());
  });

  auto append_to = std::make_shared<std::string>();
  auto public_key = std::make_shared<bool>(false);
  CLI::App* checkpoint = audit->add_subcommand(
      "checkpoint", "print a signed checkpoint of the log's head (for a place off this host)");
  checkpoint->add_option("--append", *append_to, "also append it to this file (synced)");
  checkpoint->add_flag("--public-key", *public_key,
                       "print the checkpoint key's public key (PEM) instead");
  checkpoint->callback([&global, append_to, public_key, exit_code] {
    Status s = RunCheckpoint(global, *append_to, *public_key);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto reason = std::make_shared<std::string>();
  CLI::App* accept = audit->add_subcommand(
      "accept-rollback",
      "take the keystore as it is after the rollback guard found it put back (recorded)");
  accept->add_option("--reason", *reason, "why, for the audit log (e.g. the ticket)")->required();
  accept->callback([&global, reason, exit_code] {
    Status s = RunAcceptRollback(global, *reason);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd =
      audit->add_subcommand("show", "list records, oldest first (--last N: the newest N)");
  show_cmd->add_option("--signer", show->signer, "only this signer's records");
  show_cmd->add_option("--key-id", show->key_id_hex, "only this key's records (hex CKA_ID)");
  show_cmd->add_option("--since", show->since, "from this time (epoch or 2026-11-22T10:00:00Z)");
  show_cmd->add_option("--until", show->until, "up to this time, inclusive");
  show_cmd->add_option("--event", show->event, "only this event (sign, sad-verify, ...)");
  CLI::Option* limit = show_cmd->add_option("--limit", show->limit, "at most this many records");
  show_cmd->add_option("--last", show->last, "the newest this many records (still oldest first)")
      ->excludes(limit);
  show_cmd->add_flag("--json", show->json, "one JSON object per line");
  show_cmd->callback([&global, show, exit_code] {
    Status s = RunShow(global, *show);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
