// The durable state of one token, as rows, behind narrow interfaces, one per thing it keeps.
// Implementations: SQLite, one file per token (state/sqlite/, the embedded default), and memory
// (state/memory/memory_state.h: tests, and the proof that these interfaces are whole). Rows here
// are not trusted: keystore/ authenticates them before anything acts on them.
//
// Every method is safe to call from many threads at once; what is atomic, durable or shared
// between processes is said where it matters, in each interface. A StateStore is handed to the
// code that uses it (keystore/keystore.h), never opened by it; StateLocation (state_location.h)
// creates and opens stores.
#pragma once

#include "state/audit_store.h"
#include "state/cert_store.h"
#include "state/deposit_store.h"
#include "state/journal_store.h"
#include "state/key_store.h"
#include "state/maintenance_store.h"
#include "state/meta_store.h"
#include "state/otp_store.h"
#include "state/pin_store.h"
#include "state/replay_store.h"
#include "state/request_store.h"
#include "state/signer_store.h"

namespace samp11 {

class StateStore {
 public:
  virtual ~StateStore() = default;

  virtual MetaStore& meta() = 0;
  virtual SignerStore& signers() = 0;
  virtual KeyStore& keys() = 0;
  virtual CertStore& certs() = 0;
  virtual ReplayStore& replay() = 0;
  virtual JournalStore& journal() = 0;
  virtual DepositStore& deposits() = 0;
  virtual RequestStore& requests() = 0;
  virtual PinStore& pins() = 0;
  virtual OtpStore& otp() = 0;
  virtual AuditStore& audit() = 0;
  virtual MaintenanceStore& maintenance() = 0;
};

}  // namespace samp11
