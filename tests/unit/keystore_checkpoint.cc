// Checkpoints of the audit log (keystore/audit_checkpoint.h): made of the head and signed; a log
// that holds them passes; a line that is not one, another token's, or edited is named; a keystore
// put back behind a checkpoint, or written another way since, is named; a master-key rotation
// keeps the checkpoint key.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "keystore/audit_checkpoint.h"
#include "keystore/keystore.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

namespace fs = std::filesystem;
using testing::AppendSigns;
using testing::FoldJournal;
using testing::NewKeyFile;
using testing::NewToken;
using testing::OpenTestKeystore;
using testing::RawDb;
using testing::SignSpending;
using testing::SqliteOnly;
using testing::TempDir;
using testing::TestToken;

std::string Checkpoint(Keystore& ks) {
  auto made = ks.MakeCheckpoint();
  REQUIRE_MESSAGE(made.ok(), made.status().ToString());
  return CheckpointLine(*made);
}

std::vector<AuditProblem> Check(Keystore& ks, const std::vector<std::string>& lines) {
  auto problems = ks.CheckCheckpoints(lines);
  REQUIRE_MESSAGE(problems.ok(), problems.status().ToString());
  return *problems;
}

bool Names(const std::vector<AuditProblem>& problems, const std::string& words) {
  for (const AuditProblem& p : problems) {
    if (p.what.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("checkpoint: a node's line names its node under the signature") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AppendSigns(ks, 2);
  auto made = ks.MakeCheckpoint();
  REQUIRE(made.ok());
  CHECK(made->node.empty());  // a token in a file: one log, the line as before
  CHECK(CheckpointLine(*made).find("\"node\"") == std::string::npos);
  CHECK(Check(ks, {CheckpointLine(*made)}).empty());
  // The same checkpoint as a node's (tests/integration/postgres_nodes_test.sh signs real ones):
  // the node is in the line and in what is signed, so this token's signature does not cover it.
  AuditCheckpoint of_node = *made;
  of_node.node = "node-a";
  CHECK(CheckpointSigningInput(of_node) != CheckpointSigningInput(*made));
  const std::string line = CheckpointLine(of_node);
  CHECK(line.find("\"token\":\"" + ks.identity() + "\",\"node\":\"node-a\"") != std::string::npos);
  auto parsed = ParseCheckpointLine(line);
  REQUIRE(parsed.ok());
  CHECK(parsed->node == "node-a");
  CHECK(Names(Check(ks, {line}), "not signed by this token's checkpoint key"));
  // A chain's view (chain_lines_only) says nothing of a line that is not its chain's.
  auto quiet = ks.CheckCheckpoints({line, "garbage"}, /*chain_lines_only=*/true);
  REQUIRE(quiet.ok());
  CHECK(quiet->empty());
  std::string unnamed = line;
  unnamed.replace(unnamed.find("node-a"), 6, "");
  CHECK_FALSE(ParseCheckpointLine(unnamed).ok());
}

TEST_CASE("checkpoint: a log that holds its checkpoints passes, also as it grows") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AppendSigns(ks, 3);
  const std::string first = Checkpoint(ks);
  auto parsed = ParseCheckpointLine(first);
  REQUIRE(parsed.ok());
  CHECK(parsed->token == ks.identity());
  CHECK(parsed->seq == 4);  // the creation record and 3
  AppendSigns(ks, 2, 4);
  const std::string second = Checkpoint(ks);
  CHECK(Check(ks, {first, "", second}).empty());

  // Anyone can check a signature with the public key alone.
  auto spki = ks.CheckpointPublicKey();
  REQUIRE(spki.ok());
  auto key = PublicKeyFromSpki(*spki);
  REQUIRE(key.ok());
  CHECK(*KeyTypeOf(key->get()) == KeyType::kEd25519);
  CHECK(Ed25519Verify(key->get(), CheckpointSigningInput(*parsed), parsed->signature).ok());
}

TEST_CASE("checkpoint: the replay ledger's count is in it; spent hashes deleted since are named" *
          SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  for (uint8_t i = 1; i <= 3; ++i)
    REQUIRE(*SignSpending(*token.keystore, "j" + std::to_string(i), i));
  const std::string line = Checkpoint(*token.keystore);
  auto parsed = ParseCheckpointLine(line);
  REQUIRE(parsed.ok());
  CHECK(parsed->spent == 3);
  CHECK(Check(*token.keystore, {line}).empty());
  // As a syslog daemon writes it, and as journalctl shows it.
  CHECK(ParseCheckpointLine("Dec  7 10:00:00 host samp11[42]: checkpoint " + line).ok());
  CHECK(Check(*token.keystore, {"Dec  7 10:00:00 host samp11[42]: " + line}).empty());

  FoldJournal(*token.keystore);
  token.keystore.reset();
  RawDb(token.path).Exec("DELETE FROM spent_hashes WHERE jti = 'j2'");
  auto ks = OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  auto problems = Check(**ks, {line});
  REQUIRE(problems.size() == 1);
  CHECK(Names(problems, "the replay ledger holds 2 spent hashes, the checkpoint counted 3"));
}

TEST_CASE("checkpoint: lines that are not this token's genuine checkpoints are named") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  const std::string good = Checkpoint(ks);
  std::string edited = good;
  edited.replace(edited.find("\"seq\":1"), 7, "\"seq\":2");
  AppendSigns(ks, 1);  // so that seq 2 exists: only the signature can tell
  TempDir other_dir;
  TestToken other = NewToken(other_dir);
  auto problems = Check(ks, {"hello", edited, Checkpoint(*other.keystore), good});
  REQUIRE(problems.size() == 3);
  CHECK(Names(problems, "checkpoint line 1: not a samp11 checkpoint line"));
  CHECK(Names(problems, "checkpoint line 2: not signed by this token's checkpoint key"));
  CHECK(Names(problems, "checkpoint line 3: a checkpoint of another token"));
}

TEST_CASE("checkpoint: a master-key rotation keeps the checkpoint key") {
  TempDir dir;
  TestToken token = NewToken(dir);
  const std::string before = Checkpoint(*token.keystore);
  auto key_before = token.keystore->CheckpointPublicKey();
  MasterKeySource next = NewKeyFile(dir, "next.key");
  REQUIRE(token.keystore->RotateMasterKey(next).ok());
  CHECK(*token.keystore->CheckpointPublicKey() == *key_before);
  CHECK(Check(*token.keystore, {before}).empty());
}

TEST_CASE("checkpoint: a keystore put back behind a checkpoint, or gone another way, is named" *
          SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  AppendSigns(*token.keystore, 2);
  token.keystore.reset();
  const std::string aside = dir.File("aside");
  const fs::path folder = fs::path(token.path).parent_path();
  auto token_files = [&](const fs::path& in) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(in)) {
      if (entry.path().filename().string().rfind("token.db", 0) == 0) files.push_back(entry.path());
    }
    return files;
  };
  fs::create_directories(aside);
  for (const fs::path& file : token_files(folder)) {
    fs::copy(file, fs::path(aside) / file.filename(), fs::copy_options::recursive);
  }
  std::string checkpoint;
  {
    auto ks = OpenTestKeystore(token.path, token.master);
    REQUIRE(ks.ok());
    AppendSigns(**ks, 2, 3);
    checkpoint = Checkpoint(**ks);
  }
  for (const fs::path& file : token_files(folder)) fs::remove_all(file);
  for (const auto& entry : fs::directory_iterator(aside)) {
    fs::copy(entry.path(), folder / entry.path().filename(), fs::copy_options::recursive);
  }
  auto ks = OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  auto behind = Check(**ks, {checkpoint});
  REQUIRE(behind.size() == 1);
  CHECK(Names(behind, "the log is behind it, at record 3"));
  AppendSigns(**ks, 3, 10);  // past the checkpoint's seq, another way
  auto forked = Check(**ks, {checkpoint});
  REQUIRE(forked.size() == 1);
  CHECK(Names(forked, "the log went another way since"));
}

TEST_CASE("checkpoint: a head that fails its check gets no signature" * SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  AppendSigns(*token.keystore, 2);
  FoldJournal(*token.keystore);
  token.keystore.reset();
  RawDb(token.path).Exec("UPDATE audit_head SET seq = seq + 5");
  auto ks = OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  auto made = (*ks)->MakeCheckpoint();
  REQUIRE_FALSE(made.ok());
  CHECK(made.status().code() == Code::kTampered);
  CHECK(made.status().message().find("head failed its check") != std::string::npos);
}

}  // namespace
}  // namespace samp11
