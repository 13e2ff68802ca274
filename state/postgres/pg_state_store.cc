// One connection per opened store, shared by its eleven interfaces (pg_stores.h); the live
// schema made and opened.
#include "state/postgres/pg_state_store.h"

#include "state/postgres/pg_location.h"
#include "state/postgres/pg_schema.h"

namespace samp11 {
namespace {

class PgStateStore : public StateStore {
 public:
  PgStateStore(std::unique_ptr<PgConnection> connection, std::string node)
      : connection_(std::move(connection)),
        node_{std::move(node)},
        meta_(*connection_),
        signers_(*connection_),
        keys_(*connection_),
        certs_(*connection_),
        replay_(*connection_),
        journal_(*connection_, node_),
        deposits_(*connection_),
        requests_(*connection_),
        pins_(*connection_),
        otp_(*connection_),
        audit_(*connection_, node_),
        maintenance_(*connection_, node_) {}

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
  std::unique_ptr<PgConnection> connection_;  // first: the stores below keep a reference to it
  const PgNodeContext node_;
  PgMetaStore meta_;
  PgSignerStore signers_;
  PgKeyStore keys_;
  PgCertStore certs_;
  PgReplayStore replay_;
  PgJournalStore journal_;
  PgDepositStore deposits_;
  PgRequestStore requests_;
  PgPinStore pins_;
  PgOtpStore otp_;
  PgAuditStore audit_;
  PgMaintenanceStore maintenance_;
};

}  // namespace

std::unique_ptr<StateStore> NewPgStateStore(std::unique_ptr<PgConnection> connection,
                                            std::string node) {
  return std::make_unique<PgStateStore>(std::move(connection), std::move(node));
}

PgLocation::PgLocation(PgStateConfig config)
    : config_(std::move(config)),
      name_("schema " + config_.options.schema + " of the token's PostgreSQL database") {}

Result<std::unique_ptr<PgConnection>> PgLocation::ConnectTo(const std::string& schema) const {
  PgOptions options = config_.options;
  options.schema = schema;
  return PgConnection::Connect(options);
}

Result<bool> PgLocation::SchemaExists(PgConnection& connection, const std::string& schema) const {
  auto lock = connection.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows,
                          connection.Exec("looking for the token's schema",
                                          "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND "
                                          "tablename = 'samp11_schema'",
                                          PgParams().Text(schema)));
  return rows.size() > 0;
}

bool PgLocation::Exists() {
  Result<std::unique_ptr<PgConnection>> connection = ConnectTo(config_.options.schema);
  if (!connection.ok()) return false;
  Result<bool> exists = SchemaExists(**connection, config_.options.schema);
  return exists.ok() && *exists;
}

Status PgLocation::CheckConfig() const {
  if (config_.file_chain_view ? !config_.node.empty()
                              : config_.node.empty() || config_.node.size() > 64) {
    return Status(Code::kConfig, "a PostgreSQL state needs a node name of 1 to 64 bytes");
  }
  return PgCheckConninfo(config_.options.conninfo);
}

Result<std::unique_ptr<StateStore>> PgLocation::Create() {
  SAMP11_RETURN_IF_ERROR(CheckConfig());
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection,
                          ConnectTo(config_.options.schema));
  {
    auto lock = connection->Lock();
    // CREATE SCHEMA fails if it exists: "already exists" is atomic across nodes.
    Status created =
        connection->ExecScript("creating the token's schema",
                               "CREATE SCHEMA " + config_.options.schema);  // PgSchemaNameOk
    if (created.code() == Code::kAlreadyExists ||
        (!created.ok() && created.message().find("already exists") != std::string::npos)) {
      return Status(Code::kAlreadyExists, name_ + " already exists");
    }
    SAMP11_RETURN_IF_ERROR(created);
  }
  SAMP11_RETURN_IF_ERROR(PgMigrate(*connection));
  return NewPgStateStore(std::move(connection), config_.node);
}

Result<std::unique_ptr<StateStore>> PgLocation::Open() {
  SAMP11_RETURN_IF_ERROR(CheckConfig());
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection,
                          ConnectTo(config_.options.schema));
  SAMP11_ASSIGN_OR_RETURN(bool exists, SchemaExists(*connection, config_.options.schema));
  if (!exists) return Status(Code::kNotFound, name_ + " holds no samp11 state");
  SAMP11_RETURN_IF_ERROR(PgMigrate(*connection));
  return NewPgStateStore(std::move(connection), config_.node);
}

std::unique_ptr<StateLocation> PgStateLocation(PgStateConfig config) {
  return std::make_unique<PgLocation>(std::move(config));
}

}  // namespace samp11
