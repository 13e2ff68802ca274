// A token's keystore as its configuration describes it: the SQLite file under its master key, and
// the inner PKCS#11 token when the configuration names one.
#include "token/open_keystore.h"

#include <unistd.h>
#include "hsm/inner_token.h"
#include "hsm/pkcs11_key_backend.h"

#include "state/journal/journaled_state.h"
#include "state/postgres/pg_state_store.h"
#include "state/sqlite/sqlite_state_store.h"
#include "token/inner_token_anchor.h"

namespace samp11 {

namespace {

Status NamePath(const std::string& path, const Status& status) {
  if (status.ok() || status.message().find(path) != std::string::npos) return status;
  return Status(status.code(), status.message() + " (" + path + ")");
}

PgStateConfig PgConfigOf(const DatabaseConfig& database) {
  PgStateConfig config;
  config.options.conninfo = database.conninfo;
  config.options.schema = database.schema;
  config.options.timeout_seconds = static_cast<int>(database.timeout_seconds);
  config.node = NodeName(database);
  return config;
}

}  // namespace

std::unique_ptr<StateLocation> TokenLocation(const TokenConfig& token) {
  if (!token.database) return KeystoreLocation(token.keystore);
  return PgStateLocation(PgConfigOf(*token.database));
}

std::string NodeName(const DatabaseConfig& database) {
  if (!database.node.empty()) return database.node;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return std::string();  // refused at open
  return host;
}

std::unique_ptr<StateLocation> KeystoreLocation(const std::string& path) {
  return JournaledStateLocation(SqliteStateLocation(path), path);
}

Result<std::unique_ptr<Keystore>> OpenKeystoreAt(const std::string& path,
                                                 const MasterKeySource& master,
                                                 const Clock& clock) {
  Result<std::unique_ptr<StateStore>> store = KeystoreLocation(path)->Open();
  if (!store.ok()) return store.status();
  Result<std::unique_ptr<Keystore>> keystore = Keystore::Open(std::move(*store), master, clock);
  if (!keystore.ok()) return NamePath(path, keystore.status());
  return keystore;
}

Result<std::unique_ptr<Keystore>> CreateKeystoreAt(const std::string& path,
                                                   const MasterKeySource& master,
                                                   const std::string& label, const Clock& clock) {
  Result<std::unique_ptr<Keystore>> keystore =
      Keystore::Create(*KeystoreLocation(path), master, label, clock);
  if (!keystore.ok()) return NamePath(path, keystore.status());
  return keystore;
}

Result<std::unique_ptr<Keystore>> OpenNodeView(const TokenConfig& token, const std::string& node) {
  if (!token.database) {
    return Status(Code::kArgumentsBad, "token '" + token.label + "' keeps its state in a file");
  }
  PgStateConfig config = PgConfigOf(*token.database);
  config.node = node;
  // The chain without a node's name is the keystore file's, carried in by `samp11 migrate`.
  config.file_chain_view = node.empty();
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
                          PgStateLocation(std::move(config))->Open());
  return Keystore::Open(std::move(store), token.master, DefaultClock());
}

Result<std::unique_ptr<Keystore>> OpenTokenKeystore(const TokenConfig& token, const Clock& clock) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, TokenLocation(token)->Open());
  return OpenTokenKeystoreOn(std::move(store), token, clock);
}

Result<std::unique_ptr<Keystore>> OpenTokenKeystoreOn(std::unique_ptr<StateStore> store,
                                                      const TokenConfig& token,
                                                      const Clock& clock) {
  Result<std::unique_ptr<Keystore>> opened = Keystore::Open(std::move(store), token.master, clock);
  if (!opened.ok())
    return token.database ? opened.status() : NamePath(token.keystore, opened.status());
  std::unique_ptr<Keystore> keystore = std::move(opened).value();
  std::shared_ptr<InnerToken> inner;
  if (token.pkcs11_backend) {
    // Connects on first use: a missing inner token does not keep the file keys from serving.
    SAMP11_ASSIGN_OR_RETURN(inner, InnerToken::Create(*token.pkcs11_backend));
    keystore->keys().AddBackend(MakePkcs11KeyBackend(inner));
  }
  SAMP11_RETURN_IF_ERROR(keystore->keys().SetDefaultBackend(token.key_backend));
  if (token.rollback_anchor) {
    // The anchor is needed at once (it is checked at open): an inner token that cannot be reached
    // keeps this token closed, where a file key alone would not.
    if (token.rollback_anchor->pkcs11) {
      if (!inner) return Status(Code::kConfig, "rollback_anchor.pkcs11 needs a pkcs11_backend");
      SAMP11_RETURN_IF_ERROR(
          keystore->GuardRollback(MakeInnerTokenAnchor(inner, keystore->identity())));
    } else {
      SAMP11_RETURN_IF_ERROR(keystore->GuardRollback(
          MakeRollbackAnchorFile(token.rollback_anchor->file, keystore->identity())));
    }
  }
  if (token.checkpoints) {
    const CheckpointsConfig& config = *token.checkpoints;
    std::vector<std::unique_ptr<CheckpointSink>> sinks;
    if (!config.file.empty()) sinks.push_back(MakeCheckpointFileSink(config.file));
    if (!config.syslog_socket.empty()) {
      sinks.push_back(MakeCheckpointSyslogSink(config.syslog_socket));
    }
    SAMP11_RETURN_IF_ERROR(keystore->EmitCheckpoints(
        CheckpointSchedule{config.every_records, config.every_seconds}, std::move(sinks)));
  }
  return keystore;
}

}  // namespace samp11
