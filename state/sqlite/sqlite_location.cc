// A token file as a StateLocation: creating and opening it, and the file moves of a restore
// (keystore/keystore_backup.cc): the image staged as a file of its own beside the live one, then
// either folded into the live file (sqlite_restore.cc) or renamed into its place; and a
// migration's rows (keystore/keystore_migrate.cc), staged and renamed the same way.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/file_io.h"
#include "state/sqlite/sqlite_contents.h"
#include "state/sqlite/sqlite_restore.h"
#include "state/sqlite/sqlite_state_store.h"
#include "state/sqlite/sqlite_util.h"

namespace samp11 {
namespace {

// Every SQLite database file begins with this.
constexpr char kSqliteMagic[] = "SQLite format 3";

void RemoveDatabaseFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

// Moves a database file and its WAL/SHM companions to aside.
Status MoveDatabaseFiles(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string source = from + suffix;
    if (!std::filesystem::exists(source)) continue;
    if (std::rename(source.c_str(), (to + suffix).c_str()) != 0) {
      return Status(Code::kStorage, "cannot move " + source + " aside");
    }
  }
  return Status::Ok();
}

class SqliteLocation : public StateLocation {
 public:
  explicit SqliteLocation(std::string path)
      : path_(std::move(path)), staged_(path_ + ".restoring") {}

  const std::string& name() const override { return path_; }
  bool Exists() override { return std::filesystem::exists(path_); }
  Result<std::unique_ptr<StateStore>> Create() override {
    return OpenSqliteStateStore(path_, /*create=*/true);
  }
  Result<std::unique_ptr<StateStore>> Open() override {
    return OpenSqliteStateStore(path_, /*create=*/false);
  }

  Result<std::unique_ptr<StateStore>> Stage(const SecureBytes& image) override {
    if (image.size() < sizeof(kSqliteMagic) ||
        std::memcmp(image.data(), kSqliteMagic, sizeof(kSqliteMagic)) != 0) {
      return Status(Code::kArgumentsBad, "the backup's image is not a SQLite keystore");
    }
    RemoveDatabaseFiles(staged_);  // left by an interrupted restore: ours, never live
    SAMP11_RETURN_IF_ERROR(WriteNewFile(staged_, image.data(), image.size()));
    Result<std::unique_ptr<StateStore>> store = OpenSqliteStateStore(staged_, /*create=*/false);
    if (!store.ok()) RemoveDatabaseFiles(staged_);
    return store;
  }

  Result<ReplaceCounts> ReplaceLive(const std::string& aside_tag, const TombstoneMacs& macs,
                                    std::string* aside) override {
    *aside = AsidePath(aside_tag);
    Result<ReplaceCounts> carried = ReplaceDatabaseContents(path_, staged_, *aside, macs);
    if (!carried.ok()) {
      RemoveDatabaseFiles(*aside);
      aside->clear();
      return carried.status();
    }
    RemoveDatabaseFiles(staged_);
    return carried;
  }

  Status PromoteStaged(const std::string& aside_tag, std::string* aside) override {
    aside->clear();
    if (Exists()) {  // there, but unreadable: kept aside, never deleted
      *aside = AsidePath(aside_tag);
      SAMP11_RETURN_IF_ERROR(MoveDatabaseFiles(path_, *aside));
    }
    if (std::rename(staged_.c_str(), path_.c_str()) != 0) {
      return Status(Code::kStorage, "cannot move the restored keystore to " + path_);
    }
    return Status::Ok();
  }

  void DiscardStaged() override { RemoveDatabaseFiles(staged_); }

  Result<std::unique_ptr<StateStore>> StageContents(const StateContents& contents) override {
    if (Exists()) return Status(Code::kAlreadyExists, "keystore " + path_ + " already exists");
    RemoveDatabaseFiles(staged_);  // left by an interrupted migration or restore: never live
    Status loaded = [&]() -> Status {
      // Made as `samp11 init` makes a file (mode 0600, the current schema), then filled through a
      // connection of its own in one transaction.
      SAMP11_RETURN_IF_ERROR(OpenSqliteStateStore(staged_, /*create=*/true).status());
      SAMP11_ASSIGN_OR_RETURN(SqliteDbPtr db, SqliteOpenConnection(staged_, SQLITE_OPEN_READWRITE));
      SAMP11_RETURN_IF_ERROR(SqliteExec(db.get(), "PRAGMA foreign_keys = ON"));
      SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db.get()));
      SAMP11_RETURN_IF_ERROR(SqliteLoadContents(db.get(), contents));
      return tx->Commit();
    }();
    if (!loaded.ok()) {
      RemoveDatabaseFiles(staged_);
      return loaded;
    }
    Result<std::unique_ptr<StateStore>> store = OpenSqliteStateStore(staged_, /*create=*/false);
    if (!store.ok()) RemoveDatabaseFiles(staged_);
    return store;
  }

 private:
  std::string AsidePath(const std::string& tag) const { return path_ + ".before-restore-" + tag; }

  std::string path_;
  std::string staged_;
};

}  // namespace

std::unique_ptr<StateLocation> SqliteStateLocation(const std::string& path) {
  return std::make_unique<SqliteLocation>(path);
}

}  // namespace samp11
