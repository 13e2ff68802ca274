// samp11 node list: the signing nodes of a token whose state several share (a PostgreSQL
// database): each node's audit chain, how far it goes and when it last recorded something.
#include <iostream>

#include "common/time_text.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

Status RunNodeList(const GlobalOptions& global) {
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  if (!token.database) {
    return Status(Code::kArgumentsBad,
                  "token '" + token.label + "' keeps its state in a file: one chain, no nodes");
  }
  // Read as views (no anchor or checkpoints of this node's): listing changes nothing.
  const std::string own = NodeName(*token.database);
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> mine, OpenNodeView(token, own));
  SAMP11_ASSIGN_OR_RETURN(std::vector<std::string> names, mine->audit().ChainNames());
  for (const std::string& name : names) {
    std::unique_ptr<Keystore> other;
    if (name != own) {
      SAMP11_ASSIGN_OR_RETURN(other, OpenNodeView(token, name));
    }
    Keystore& view = other ? *other : *mine;
    SAMP11_ASSIGN_OR_RETURN(int64_t last, view.audit().LastSeq());
    // The chain without a name: the one a keystore file brought in (`samp11 migrate`), closed.
    std::cout << (name.empty() ? "(keystore file)" : name) << "  " << last
              << (last == 1 ? " record" : " records");
    if (last > 0) {
      SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRecord> newest,
                              view.audit().List(AuditFilter{}, last - 1));
      if (!newest.empty()) std::cout << ", last at " << UtcText(newest.front().at);
    }
    std::cout << (name == own ? "  (this node)" : "") << "\n";
  }
  return Status::Ok();
}

}  // namespace

void AddNodeCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* node = app.add_subcommand(
      "node", "the signing nodes that share a token's state (a PostgreSQL database)");
  node->require_subcommand(1);
  CLI::App* list = node->add_subcommand("list", "each node's audit chain: records, last record");
  list->callback([&global, exit_code] {
    Status s = RunNodeList(global);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
