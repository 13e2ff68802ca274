// One SQLite connection per opened store, shared by its eleven interfaces (sqlite_stores.h).
#include "state/sqlite/sqlite_state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "state/sqlite/sqlite_schema.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
namespace {

class SqliteStateStore : public StateStore {
 public:
  SqliteStateStore(SqliteDbPtr db, const std::string& path, int64_t migrated_from)
      : connection_(std::move(db)),
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
        maintenance_(connection_, path, migrated_from) {}

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
  SqliteConnection connection_;  // first: the stores below keep a reference to it
  SqliteMetaStore meta_;
  SqliteSignerStore signers_;
  SqliteKeyStore keys_;
  SqliteCertStore certs_;
  SqliteReplayStore replay_;
  SqliteJournalStore journal_;
  SqliteDepositStore deposits_;
  SqliteRequestStore requests_;
  SqlitePinStore pins_;
  SqliteOtpStore otp_;
  SqliteAuditStore audit_;
  SqliteMaintenanceStore maintenance_;
};

// Creates the file ourselves so that it is 0600 from its first byte (SQLite would create it with
// 0644 less the umask) and so that O_EXCL makes "already exists" atomic. SQLite treats an empty
// file as a new database and gives its -wal and -shm files the database file's mode.
Status CreateEmptyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) return Status(Code::kAlreadyExists, "keystore " + path + " already exists");
    return Status(Code::kStorage, "cannot create keystore " + path + ": " + std::strerror(err));
  }
  ::close(fd);
  return Status::Ok();
}

void RemoveTokenFiles(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink((path + "-wal").c_str());
  ::unlink((path + "-shm").c_str());
}

Status Configure(sqlite3* db) {
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "PRAGMA foreign_keys = ON"));
  // A destroyed key's wrapped blob, and anything else deleted, is overwritten with zeros in the
  // file instead of left in free space (docs/keystore.md, "Destroying a key").
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "PRAGMA secure_delete = ON"));
  SAMP11_ASSIGN_OR_RETURN(auto wal, SqliteStatement::Prepare(db, "PRAGMA journal_mode = WAL"));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, wal.Step());
  if (!has_row || wal.ColumnText(0) != "wal") {
    return Status(Code::kStorage, "the keystore could not be switched to WAL journaling");
  }
  // FULL: a committed spent hash survives power loss, so a SAD cannot be replayed after a crash.
  return SqliteExec(db, "PRAGMA synchronous = FULL");
}

Result<std::unique_ptr<StateStore>> OpenAndPrepare(const std::string& path, bool create) {
  // Extended result codes (set by SqliteOpenConnection) let a spend tell a primary-key collision
  // from any other failure straight from sqlite3_step's return value.
  SAMP11_ASSIGN_OR_RETURN(SqliteDbPtr db, SqliteOpenConnection(path, SQLITE_OPEN_READWRITE));
  SAMP11_RETURN_IF_ERROR(Configure(db.get()));
  int64_t migrated_from = 0;
  if (create) {
    SAMP11_RETURN_IF_ERROR(CreateSchema(db.get()));
  } else {
    SAMP11_ASSIGN_OR_RETURN(migrated_from, CheckSchemaVersion(db.get()));
  }
  return std::unique_ptr<StateStore>(new SqliteStateStore(std::move(db), path, migrated_from));
}

}  // namespace

Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path, bool create) {
  if (!create) {
    // SQLITE_OPEN_READWRITE without CREATE already refuses a missing file, but with a vaguer
    // message ("unable to open database file").
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return Status(Code::kNotFound, "keystore " + path + " does not exist");
    }
    return OpenAndPrepare(path, false);
  }
  SAMP11_RETURN_IF_ERROR(CreateEmptyFile(path));
  auto store = OpenAndPrepare(path, true);
  if (!store.ok()) RemoveTokenFiles(path);
  return store;
}

}  // namespace samp11
