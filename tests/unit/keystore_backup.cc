// Backup and restore (keystore/keystore_backup.cc): the round trip, what is carried over from the
// live file (spent hashes, destroyed keys, removed signers), and every refusal: a changed byte,
// another master key, another token's backup, an image whose audit log does not verify.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "crypto/keys.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::NewKeyFile;
using testing::NewToken;
using testing::RawDb;
using testing::TempDir;
using testing::TestToken;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const Bytes kHash1(32, 0x11);
const Bytes kHash2(32, 0x22);

struct Fixture {
  TempDir dir;
  TestToken token;
  KeyInfo kept;       // exists all along
  KeyInfo destroyed;  // destroyed after the backup
  std::string backup_path;

  Fixture() {
    token = NewToken(dir);
    REQUIRE(ks().signers().AddSigner("alice").ok());
    REQUIRE(ks().signers().AddSigner("bob").ok());
    kept = Generate("alice", "kept");
    destroyed = Generate("alice", "destroyed");
    Generate("bob", "bob's");
    REQUIRE(ks().replay().SpendHash("kid", "jti-1", kHash1, kept.id, Now() + 300).ok());
    backup_path = dir.File("token.bak");
    auto report = ks().Backup(backup_path);
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  }
  Keystore& ks() { return *token.keystore; }
  KeyInfo Generate(const std::string& owner, const std::string& label) {
    auto key = ks().keys().GenerateKey(owner, KeyType::kEcP256, label, 2);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    return key->info;
  }
  Result<Keystore::RestoreReport> Restore(const Bytes& file, bool force = false) {
    token.keystore.reset();
    auto report = Keystore::Restore(*testing::TestLocation(token.path), token.master, file, force);
    Reopen();
    return report;
  }
  void Reopen() {
    auto opened = testing::OpenTestKeystore(token.path, token.master);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    token.keystore = std::move(opened).value();
  }
  int64_t AuditRecords() {
    auto report = ks().audit().Verify();
    REQUIRE(report.ok());
    CHECK(report->ok());
    return report->records;
  }
  std::string LastEvent() {
    AuditFilter filter;
    filter.event = audit_event::kRestore;
    auto records = ks().audit().List(filter, 0);
    REQUIRE(records.ok());
    return records->empty() ? "" : records->back().event.outcome;
  }
};

TEST_CASE("backup: one 0600 file, never over an existing one, audited") {
  Fixture f;
  struct stat st {};
  REQUIRE(::stat(f.backup_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto header = ReadBackupHeader(ReadAll(f.backup_path));
  REQUIRE(header.ok());
  CHECK(header->identity == f.ks().identity());
  CHECK(header->audit_last_seq > 0);
  CHECK(f.ks().Backup(f.backup_path).status().code() == Code::kAlreadyExists);
  AuditFilter filter;
  filter.event = audit_event::kBackup;
  auto records = f.ks().audit().List(filter, 0);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 2);
  CHECK(records->front().event.outcome == "ok");
  CHECK(records->back().event.outcome == "refused");
}

TEST_CASE("restore: the backup comes back; spent hashes and newer statuses stay") {
  Fixture f;
  // After the backup: a hash spent, a key destroyed, a signer removed, a key made.
  REQUIRE(f.ks().replay().SpendHash("kid", "jti-2", kHash2, f.kept.id, Now() + 300).ok());
  REQUIRE(f.ks().keys().DestroyKey(f.destroyed.id, "").ok());
  REQUIRE(f.ks().RemoveSigner("bob", true, "").ok());
  REQUIRE(f.ks().keys().DisableKey(f.kept.id, "lost device").ok());
  KeyInfo later = f.Generate("alice", "later");

  auto report = f.Restore(ReadAll(f.backup_path));
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->carried.spent_hashes_merged == 1);
  CHECK(report->carried.key_statuses == 3);  // alice's destroyed and disabled, bob's destroyed
  CHECK(report->carried.signer_statuses == 1);
  CHECK(report->sad_not_before == 0);  // the live file gave every spent hash

  Keystore& ks = f.ks();
  auto disabled = ks.keys().KeyUsabilityAt(f.kept.id, Now(), false);
  REQUIRE(disabled.ok());
  CHECK(disabled->state == KeyState::kKeyDisabled);
  CHECK(*ks.replay().IsHashSpent("kid", "jti-1", kHash1));
  CHECK(*ks.replay().IsHashSpent("kid", "jti-2", kHash2));
  CHECK(ks.keys().Unwrap(f.kept.handle).ok());  // disabled, not gone
  CHECK(ks.keys().Unwrap(f.destroyed.handle).status().code() == Code::kNotFound);
  auto destroyed = ks.keys().KeyUsabilityAt(f.destroyed.id, Now(), false);
  CHECK((!destroyed.ok() ? destroyed.status().code() == Code::kNotFound
                         : destroyed->state == KeyState::kDestroyed));
  {  // and the wrapped keys of the two destroyed (alice's, bob's) are not in the restored rows
    auto raw = testing::RawStore(f.token.path);
    int erased = 0;
    for (int64_t handle = 1; handle <= later.handle; ++handle) {
      auto row = raw->keys().FindKeyByHandle(handle);
      REQUIRE(row.ok());
      if (*row && (*row)->status == "destroyed") {
        CHECK((*row)->wrapped_private.empty());
        ++erased;
      }
    }
    CHECK(erased == 2);
  }
  auto later_row = ks.keys().FindKeyById(later.id);
  REQUIRE(later_row.ok());
  CHECK(!later_row->has_value());  // made after the backup: in the aside file only
  auto bob = ks.signers().SignerExists("bob");
  CHECK((!bob.ok() || !*bob));
  CHECK(f.AuditRecords() > 0);
  CHECK(f.LastEvent() == "ok");
  CHECK(*ks.SadNotBefore() == 0);

  // The aside file is the keystore as it was, with its own intact log.
  auto aside = testing::OpenTestKeystore(report->aside_path, f.token.master);
  REQUIRE_MESSAGE(aside.ok(), aside.status().ToString());
  auto aside_later = (*aside)->keys().FindKeyById(later.id);
  REQUIRE(aside_later.ok());
  CHECK(aside_later->has_value());
  auto aside_report = (*aside)->audit().Verify();
  REQUIRE(aside_report.ok());
  CHECK(aside_report->ok());
}

TEST_CASE("restore: an activation key revoked since the backup stays revoked") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore* ks = token.keystore.get();
  REQUIRE(ks->signers().AddSigner("alice").ok());
  auto phone = GenerateKey(KeyType::kEcP256);
  auto laptop = GenerateKey(KeyType::kEcP256);
  auto idp = GenerateKey(KeyType::kEcP256);
  REQUIRE((phone.ok() && laptop.ok() && idp.ok()));
  REQUIRE(ks->signers()
              .AddActivationKey(ActivationKeyRole::kDevice, "alice", phone->get(), "phone")
              .ok());
  REQUIRE(ks->signers()
              .AddActivationKey(ActivationKeyRole::kDevice, "alice", laptop->get(), "laptop")
              .ok());
  REQUIRE(ks->signers()
              .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", idp->get(), "idp-1")
              .ok());
  const std::string backup = dir.File("token.bak");
  REQUIRE(ks->Backup(backup).ok());
  REQUIRE(ks->signers()
              .RemoveActivationKey(ActivationKeyRole::kDevice, "alice", "phone", "stolen")
              .ok());
  REQUIRE(ks->signers()
              .RemoveActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", "idp-1", "")
              .ok());
  token.keystore.reset();
  auto report = Keystore::Restore(*testing::TestLocation(token.path), token.master, ReadAll(backup),
                                  /*force=*/false);
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->carried.activation_keys_removed == 2);
  auto opened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(opened.ok());
  ks = opened->get();
  CHECK(ks->signers().GetActivationKey("phone").status().code() == Code::kNotFound);
  CHECK(ks->signers().GetActivationKey("idp-1").status().code() == Code::kNotFound);
  CHECK(ks->signers().GetActivationKey("laptop").ok());  // not revoked: back as it was
}

TEST_CASE("restore: an issuer disabled since the backup stays disabled") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore* ks = token.keystore.get();
  auto idp = GenerateKey(KeyType::kEcP256);
  auto other = GenerateKey(KeyType::kEcP256);
  REQUIRE((idp.ok() && other.ok()));
  REQUIRE(ks->signers()
              .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", idp->get(), "idp-1")
              .ok());
  REQUIRE(ks->signers()
              .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "other", other->get(),
                                "other-1")
              .ok());
  REQUIRE(ks->signers().SetIssuerEnabled("other", false, "").ok());
  const std::string backup = dir.File("token.bak");
  REQUIRE(ks->Backup(backup).ok());
  REQUIRE(ks->signers().SetIssuerEnabled("idp", false, "compromised").ok());
  REQUIRE(ks->signers().SetIssuerEnabled("other", true, "").ok());
  token.keystore.reset();
  auto report = Keystore::Restore(*testing::TestLocation(token.path), token.master, ReadAll(backup),
                                  /*force=*/false);
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->carried.activation_key_statuses == 2);
  auto opened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(opened.ok());
  auto idp_key = (*opened)->signers().GetActivationKey("idp-1");
  REQUIRE_MESSAGE(idp_key.ok(), idp_key.status().ToString());
  CHECK_FALSE(idp_key->enabled);  // the newer change wins, authenticated under the restored key
  CHECK((*opened)->signers().GetActivationKey("other-1")->enabled);
}

TEST_CASE("restore: a changed byte anywhere, or not a backup, is refused and nothing changes") {
  Fixture f;
  const Bytes good = ReadAll(f.backup_path);
  const int64_t records = f.AuditRecords();
  for (size_t offset : {size_t{3}, size_t{10}, size_t{40}, good.size() / 2, good.size() - 1}) {
    CAPTURE(offset);
    Bytes bad = good;
    bad[offset] ^= 0x01;
    auto report = f.Restore(bad);
    CHECK(!report.ok());
    CHECK((report.status().code() == Code::kTampered ||
           report.status().code() == Code::kArgumentsBad));
    CHECK(f.AuditRecords() == records);
    CHECK(!std::filesystem::exists(f.token.path + ".restoring"));
  }
  Bytes truncated(good.begin(), good.begin() + static_cast<ptrdiff_t>(good.size() - 20));
  CHECK(f.Restore(truncated).status().code() == Code::kTampered);
  CHECK(f.Restore(Bytes(100, 0x42)).status().code() == Code::kArgumentsBad);
  CHECK(f.AuditRecords() == records);
}

TEST_CASE("restore: another token's backup, or another master key, is refused") {
  Fixture f;
  TempDir other_dir;
  TestToken other = NewToken(other_dir, "other");
  const std::string other_backup = other_dir.File("other.bak");
  REQUIRE(other.keystore->Backup(other_backup).ok());
  auto foreign = Keystore::Restore(*testing::TestLocation(f.token.path), other.master,
                                   ReadAll(other_backup), true);
  CHECK(foreign.status().code() == Code::kArgumentsBad);
  CHECK(foreign.status().message().find("is token") != std::string::npos);
  // Our backup opened with the other token's key: authentication fails.
  auto wrong_key = Keystore::Restore(*testing::TestLocation(f.token.path), other.master,
                                     ReadAll(f.backup_path), false);
  CHECK(wrong_key.status().code() == Code::kTampered);
  CHECK(testing::OpenTestKeystore(f.token.path, f.token.master).ok());
}

TEST_CASE("restore: a backup whose audit log does not verify is refused" * testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  REQUIRE(token.keystore->signers().AddSigner("alice").ok());
  testing::FoldJournal(*token.keystore);
  {
    RawDb raw(token.path);
    raw.Exec("UPDATE audit_log SET detail = 'forged' WHERE seq = 1");
  }
  REQUIRE(token.keystore->Backup(dir.File("t.bak")).ok());
  token.keystore.reset();
  auto report = Keystore::Restore(*testing::TestLocation(token.path), token.master,
                                  ReadAll(dir.File("t.bak")), false);
  CHECK(report.status().code() == Code::kTampered);
  CHECK(!std::filesystem::exists(token.path + ".restoring"));
}

TEST_CASE("restore: no live file, or an unreadable one with force; SADs from before refused" *
          testing::SqliteOnly()) {
  Fixture f;
  const Bytes backup = ReadAll(f.backup_path);
  f.token.keystore.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(f.token.path + suffix);
  auto lost =
      Keystore::Restore(*testing::TestLocation(f.token.path), f.token.master, backup, false);
  REQUIRE_MESSAGE(lost.ok(), lost.status().ToString());
  CHECK(lost->sad_not_before >= Now() - 5);
  CHECK(lost->aside_path.empty());
  f.Reopen();
  CHECK(f.ks().keys().Unwrap(f.kept.handle).ok());
  CHECK(*f.ks().SadNotBefore() == lost->sad_not_before);

  // The cut-off is MAC'd: moved back, it is tampering; and a rotation carries it over.
  f.token.keystore.reset();
  {
    RawDb raw(f.token.path);
    raw.Exec("UPDATE meta SET value = '1' WHERE name = 'sad_not_before'");
  }
  f.Reopen();
  CHECK(f.ks().SadNotBefore().status().code() == Code::kTampered);
  f.token.keystore.reset();
  {
    RawDb raw(f.token.path);
    raw.Exec("UPDATE meta SET value = '" + std::to_string(lost->sad_not_before) +
             "' WHERE name = 'sad_not_before'");
  }
  f.Reopen();
  MasterKeySource next = NewKeyFile(f.dir, "next.key");
  REQUIRE(f.ks().RotateMasterKey(next).ok());
  CHECK(*f.ks().SadNotBefore() == lost->sad_not_before);
  f.token.master = next;

  // Garbage where the keystore should be: refused without force, moved aside with it.
  f.token.keystore.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(f.token.path + suffix);
  {
    std::ofstream garbage(f.token.path, std::ios::binary);
    garbage << std::string(8192, 'x');
  }
  auto refused =
      Keystore::Restore(*testing::TestLocation(f.token.path), f.token.master, backup, false);
  CHECK(!refused.ok());  // and the backup was made under the first key anyway
  MasterKeySource first = f.token.master;
  first.location = f.dir.File("master.key");
  CHECK(!Keystore::Restore(*testing::TestLocation(f.token.path), first, backup, false).ok());
  auto forced = Keystore::Restore(*testing::TestLocation(f.token.path), first, backup, true);
  REQUIRE_MESSAGE(forced.ok(), forced.status().ToString());
  CHECK(std::filesystem::exists(forced->aside_path));
  f.token.master = first;
  f.Reopen();
  CHECK(f.ks().keys().Unwrap(f.kept.handle).ok());
}

}  // namespace
}  // namespace samp11
