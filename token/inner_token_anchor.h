// The rollback anchor (keystore/rollback_anchor.h) kept in the token's inner PKCS#11 token, as a
// private data object: an HSM keeps it apart from the keystore's files, their copies and their
// snapshots, and only a session logged in to the inner token can change it.
#pragma once

#include <memory>
#include <string>

#include "hsm/inner_token.h"
#include "keystore/rollback_anchor.h"

namespace samp11 {

std::unique_ptr<RollbackAnchor> MakeInnerTokenAnchor(std::shared_ptr<InnerToken> inner,
                                                     const std::string& identity);

}  // namespace samp11
