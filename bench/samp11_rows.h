// The samp11 rows (docs/performance.md, "What is measured"): per backend (keys in the keystore
// file, keys in SoftHSM behind samp11) and key type, SCAL2 single SAD and batch of 100 (1 and 2
// threads), deposit and keystore deposit (1 thread), SCAL1 (1 and 2 threads); the same but the
// deposits for a token in PostgreSQL; and the single-SAD EC P-256 row through p11-kit remoting.
#pragma once

#include <p11-kit/pkcs11.h>

#include <vector>

#include "bench/device.h"
#include "bench/keystore_without_backend.h"
#include "bench/p11.h"
#include "bench/row.h"
#include "bench/run_options.h"
#include "sam/sam.h"

namespace samp11::bench {

// The samp11 token as the rows use it: the module loaded as an application loads it, and a SAM
// on its keystore that makes the keystore deposits beforehand, as `samp11 sad deposit` does.
struct Samp11Token {
  KeystoreWithoutBackend deposit_keystore;
  Sam depositor;
  Module module;
  CK_SLOT_ID slot;
  CK_SESSION_HANDLE admin;  // reads the public keys

  explicit Samp11Token(const RunOptions& o);
};

// samp11-file, then samp11-softhsm (unless o.skip_softhsm_backend); write is the keystore
// folder's (FileDurableWrite).
void AddSamp11Rows(Samp11Token& token, const RunOptions& o, const Device& device,
                   const DurableWrite& write, const RunSettings& settings,
                   std::vector<RowResult>& rows);

// samp11-postgres: the token o.pg_token, loaded by the same module (its SAMP11_CONF names both
// tokens), keys "be03..", SADs of pg_device (the same device key, the token's own aud); write is
// its server's commit (PgDurableWrite).
void AddSamp11PostgresRows(Samp11Token& token, const RunOptions& o, const Device& pg_device,
                           const DurableWrite& write, const RunSettings& settings,
                           std::vector<RowResult>& rows);

// The samp11-file single-SAD EC P-256 row through p11-kit server + p11-kit-client.so
// (o.p11kit_client; P11_KIT_SERVER_ADDRESS set by bench/run.sh).
void AddP11KitRow(const RunOptions& o, const Device& device, const DurableWrite& write,
                  const RunSettings& settings, std::vector<RowResult>& rows);

}  // namespace samp11::bench
