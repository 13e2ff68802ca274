// Every row of a token's state checked as the keystore checks it when it acts on it, from the rows
// alone (state/state_contents.h): what a migration (keystore_migrate.cc) runs on the state it
// copies, and again on the copy, which it then compares with the source by what this returns.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "keystore/keystore_context.h"
#include "keystore/rollback_anchor.h"
#include "state/state_contents.h"

namespace samp11 {

struct ContentsFindings {
  // Each problem named ("signer 'alice' failed its integrity check", "node n1's audit chain:
  // record 4 was edited ..."); empty when every row checks.
  std::vector<std::string> problems;
  int64_t signers = 0;
  int64_t activation_keys = 0;
  int64_t keys = 0;
  int64_t destroyed_keys = 0;
  int64_t certs = 0;
  int64_t pins = 0;
  int64_t subjects = 0;
  int64_t otp = 0;
  int64_t spent_hashes = 0;
  int64_t deposits = 0;
  // Every chain's head as its rows end it: (0, genesis) for an empty chain.
  std::map<std::string, AnchorPoint> heads;
  // Per table (and the handles): SHA-256 over its rows' canonical encodings in byte order, so
  // that two states hold the same rows exactly when these are equal, whatever order each engine
  // reads them in. Audit chains are compared by their heads: a chain that verifies is fixed by
  // its head.
  std::map<std::string, Bytes> digests;
};

// Checks contents under context's keys and identity: meta (identity, master check, restore
// cut-off), signers (row and status MACs, status), activation keys (MAC, role, algorithm, public
// key, status; a device key's signer), keys (status MAC; the wrapping opened, which proves owner,
// type, SCAL, policy, public key, backend and origin; a live key's signer; a certified key's
// certificate), certificates (MAC, their key), PINs (MAC, signer), and every audit chain
// (AuditVerifier: each record's chain and MAC, the head, nothing missing; an anchored token's
// chain may not be empty, and a node that joined must have one). one_chain: the state keeps the
// token's one chain (a file), which must then be there.
ContentsFindings CheckContents(const StateContents& contents, const KeystoreContext& context,
                               bool one_chain);

// "the keystore file's audit chain" for "", else "node NAME's audit chain".
std::string ChainDescription(const std::string& chain);

}  // namespace samp11
