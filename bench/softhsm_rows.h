// The SoftHSMv2 peer rows: `plain` (one user login for the row) and `context-login` (a
// CKA_ALWAYS_AUTHENTICATE key, a context login per signature), with keys generated in the peer
// token through PKCS#11.
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>
#include <vector>

#include "bench/p11.h"
#include "bench/row.h"
#include "bench/run_options.h"

namespace samp11::bench {

// The peer token, loaded and logged in as its user. The run keeps it so until after the samp11
// rows and the report (then Logout), as it always has: samp11's pkcs11 key backend loads the
// same SoftHSM library in the same process meanwhile.
struct SoftHsmPeer {
  Module module;
  CK_SLOT_ID slot;
  CK_SESSION_HANDLE admin;  // the session that generates the keys
  std::string pin;

  explicit SoftHsmPeer(const RunOptions& o);
  void Logout();
};

// For every key type: a plain and a context-login key, 1 and 2 threads each.
void AddSoftHsmRows(SoftHsmPeer& peer, const RunSettings& settings, std::vector<RowResult>& rows);

}  // namespace samp11::bench
