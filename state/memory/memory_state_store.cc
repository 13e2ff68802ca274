#include "state/memory/memory_state_store.h"

#include "state/memory/memory_stores.h"

namespace samp11 {
namespace {

class MemoryStateStore : public StateStore {
 public:
  explicit MemoryStateStore(std::shared_ptr<MemoryState> state)
      : connection_(std::move(state)),
        meta_(connection_),
        signers_(connection_),
        keys_(connection_),
        certs_(connection_),
        replay_(connection_),
        journal_(connection_),
        deposits_(connection_),
        requests_(connection_),
        pins_(connection_),
        otp_(connection_),
        audit_(connection_),
        maintenance_(connection_) {}

  MetaStore& meta() override { return meta_; }
  SignerStore& signers() override { return signers_; }
  KeyStore& keys() override { return keys_; }
  CertStore& certs() override { return certs_; }
  ReplayStore& replay() override { return replay_; }
  JournalStore& journal() override { return journal_; }
  DepositStore& deposits() override { return deposits_; }
  RequestStore& requests() override { return requests_; }
  PinStore& pins() override { return pins_; }
  OtpStore& otp() override { return otp_; }
  AuditStore& audit() override { return audit_; }
  MaintenanceStore& maintenance() override { return maintenance_; }

 private:
  MemoryConnection connection_;  // first: the stores below keep a reference to it
  MemoryMetaStore meta_;
  MemorySignerStore signers_;
  MemoryKeyStore keys_;
  MemoryCertStore certs_;
  MemoryReplayStore replay_;
  MemoryJournalStore journal_;
  MemoryDepositStore deposits_;
  MemoryRequestStore requests_;
  MemoryPinStore pins_;
  MemoryOtpStore otp_;
  MemoryAuditStore audit_;
  MemoryMaintenanceStore maintenance_;
};

}  // namespace

std::unique_ptr<StateStore> NewMemoryStateStore(std::shared_ptr<MemoryState> state) {
  return std::make_unique<MemoryStateStore>(std::move(state));
}

}  // namespace samp11
