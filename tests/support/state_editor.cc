#include "tests/support/state_editor.h"

namespace samp11::testing {

StateEditor::StateEditor(const TokenConfig& token) {
  if (token.database) {
    database_ = std::make_unique<PgDatabase>(token.database->conninfo, token.database->schema);
  } else {
    file_ = std::make_unique<SqliteFile>(token.keystore);
  }
}

void StateEditor::Exec(const std::string& sql) {
  if (database_) return database_->Exec(sql);
  file_->Exec(sql);
}

void StateEditor::ExecWithBlob(const std::string& sql, const Bytes& blob) {
  if (database_) return database_->ExecWithBlob(sql, blob);
  file_->ExecWithBlob(sql, blob);
}

int StateEditor::Changes() { return database_ ? database_->Changes() : file_->Changes(); }

std::string StateEditor::Blob(const TokenConfig& token, const Bytes& bytes) {
  return token.database ? PgDatabase::BlobLiteral(bytes) : "x'" + HexEncode(bytes) + "'";
}

void StateEditor::DropForeignKeys() {
  if (database_) database_->DropForeignKeys();
}

}  // namespace samp11::testing
