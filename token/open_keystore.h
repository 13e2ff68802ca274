// Where a token's state lives and how its keystore is opened, from its configuration: the one
// place that chooses the state implementation (a keystore path is a SQLite file) and adds the
// inner PKCS#11 token's key backend. Shared by the module, the CLI and the tests, so that all of
// them see the same keys.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "state/state_location.h"

namespace samp11 {

// Where the token's state is: its keystore file (with the signature journal), or its schema in a
// PostgreSQL database as this node (NodeName).
std::unique_ptr<StateLocation> TokenLocation(const TokenConfig& token);
// This node's name for a token in a database: the configuration's, else the host name.
std::string NodeName(const DatabaseConfig& database);

// The token's state as the node named node sees it, for reading that node's audit chain (`samp11
// audit verify` and `node list` go through every node's): no key backend, rollback guard or
// checkpoints, which are this node's. An empty node: the chain a keystore file brought in
// (`samp11 migrate`), which nothing appends to. kArgumentsBad for a token whose state is a file.
Result<std::unique_ptr<Keystore>> OpenNodeView(const TokenConfig& token, const std::string& node);

// The token's keystore with the key backends its configuration names.
Result<std::unique_ptr<Keystore>> OpenTokenKeystore(const TokenConfig& token,
                                                    const Clock& clock = DefaultClock());
// The same on a store the caller opened (a decorated one: tests/support/failing_state_store.h).
Result<std::unique_ptr<Keystore>> OpenTokenKeystoreOn(std::unique_ptr<StateStore> store,
                                                      const TokenConfig& token,
                                                      const Clock& clock = DefaultClock());

// The token state a keystore path names, and the keystore in it, for callers that know only the
// path (`samp11 init`, `samp11 restore`, tests). Errors name the path.
std::unique_ptr<StateLocation> KeystoreLocation(const std::string& path);
Result<std::unique_ptr<Keystore>> OpenKeystoreAt(const std::string& path,
                                                 const MasterKeySource& master,
                                                 const Clock& clock = DefaultClock());
Result<std::unique_ptr<Keystore>> CreateKeystoreAt(const std::string& path,
                                                   const MasterKeySource& master,
                                                   const std::string& label,
                                                   const Clock& clock = DefaultClock());

}  // namespace samp11
