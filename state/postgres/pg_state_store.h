// A token's state in PostgreSQL, shared by several signing nodes (docs/keystore.md): a schema of
// a database (the live state; a restore's stage and aside copies are schemas beside it), and the
// node whose audit chain this process appends to.
#pragma once

#include <memory>
#include <string>

#include "state/postgres/pg_connection.h"
#include "state/state_location.h"

namespace samp11 {

struct PgStateConfig {
  PgOptions options;  // options.schema: the live state's schema (PgSchemaNameOk)
  std::string node;   // this node's name in the audit log (non-empty, at most 64 bytes)
  // Instead of a node, a view of the token's chain from before it had nodes: the keystore file's
  // one chain, carried in by `samp11 migrate` (chain name "", closed: nothing is appended to it),
  // for reading and verifying it. node must then be empty.
  bool file_chain_view = false;
};

// Nothing is connected until Create or Open.
std::unique_ptr<StateLocation> PgStateLocation(PgStateConfig config);

}  // namespace samp11
