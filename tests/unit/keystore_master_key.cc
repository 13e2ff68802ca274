#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>

#include "crypto/symmetric.h"
#include "keystore/master_key.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::TempDir;

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, mode);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  ::close(fd);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

MasterKeySource FileSource(const std::string& path) {
  MasterKeySource source;
  source.kind = MasterKeySource::Kind::kKeyFile;
  source.location = path;
  return source;
}

MasterKeySource EnvSource(const std::string& name) {
  MasterKeySource source;
  source.kind = MasterKeySource::Kind::kPassphraseEnv;
  source.location = name;
  return source;
}

TEST_CASE("CreateMasterKeyFile writes 32 random bytes with mode 0600 and never overwrites") {
  TempDir dir;
  std::string path = dir.File("k");
  REQUIRE(CreateMasterKeyFile(path).ok());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);

  Status again = CreateMasterKeyFile(path);
  CHECK(again.code() == Code::kAlreadyExists);

  auto first = LoadMasterKey(FileSource(path), Bytes());
  REQUIRE(first.ok());
  CHECK(first->size() == 32);
  std::string other = dir.File("k2");
  REQUIRE(CreateMasterKeyFile(other).ok());
  auto second = LoadMasterKey(FileSource(other), Bytes());
  REQUIRE(second.ok());
  CHECK_FALSE(ConstantTimeEqual(first->data(), 32, second->data(), 32));
}

TEST_CASE("LoadMasterKey refuses a key file readable by group or others, naming path and mode") {
  TempDir dir;
  std::string path = dir.File("loose.key");
  WriteFile(path, std::string(32, 'k'), 0644);
  auto loaded = LoadMasterKey(FileSource(path), Bytes());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Code::kConfig);
  CHECK(loaded.status().message().find(path) != std::string::npos);
  CHECK(loaded.status().message().find("0644") != std::string::npos);

  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  CHECK(LoadMasterKey(FileSource(path), Bytes()).status().code() == Code::kConfig);
  REQUIRE(::chmod(path.c_str(), 0604) == 0);
  CHECK(LoadMasterKey(FileSource(path), Bytes()).status().code() == Code::kConfig);
  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  CHECK(LoadMasterKey(FileSource(path), Bytes()).ok());
}

TEST_CASE("LoadMasterKey refuses a key file that is not exactly 32 bytes") {
  TempDir dir;
  std::string short_key = dir.File("short.key");
  WriteFile(short_key, std::string(31, 'k'), 0600);
  CHECK(LoadMasterKey(FileSource(short_key), Bytes()).status().code() == Code::kConfig);
  std::string long_key = dir.File("long.key");
  WriteFile(long_key, std::string(33, 'k'), 0600);
  CHECK(LoadMasterKey(FileSource(long_key), Bytes()).status().code() == Code::kConfig);
  CHECK(LoadMasterKey(FileSource(dir.File("missing.key")), Bytes()).status().code() ==
        Code::kConfig);
}

TEST_CASE("LoadMasterKey derives a passphrase key with scrypt and the salt") {
  const char* var = "SAMP11_TEST_MASTER_PASSPHRASE";
  Bytes salt = ToBytes("0123456789abcdef");
  ::unsetenv(var);
  CHECK(LoadMasterKey(EnvSource(var), salt).status().code() == Code::kConfig);
  ::setenv(var, "", 1);
  CHECK(LoadMasterKey(EnvSource(var), salt).status().code() == Code::kConfig);

  ::setenv(var, "correct horse battery staple", 1);
  auto key = LoadMasterKey(EnvSource(var), salt);
  REQUIRE(key.ok());
  auto expected = ScryptKey("correct horse battery staple", salt);
  REQUIRE(expected.ok());
  CHECK(ConstantTimeEqual(key->data(), key->size(), expected->data(), expected->size()));
  // The message names the variable, never its value.
  ::setenv(var, "", 1);
  auto missing = LoadMasterKey(EnvSource(var), salt);
  CHECK(missing.status().message().find(var) != std::string::npos);
  ::unsetenv(var);
}

TEST_CASE("DeriveKeys gives three different purpose keys, stable for one master key") {
  SecureBytes master(32);
  for (size_t i = 0; i < 32; ++i) master.data()[i] = static_cast<uint8_t>(i);
  auto a = DeriveKeys(master);
  auto b = DeriveKeys(master);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->wrap.size() == 32);
  CHECK(a->mac.size() == 32);
  CHECK(a->check.size() == 32);
  CHECK(ConstantTimeEqual(a->wrap.data(), 32, b->wrap.data(), 32));
  CHECK_FALSE(ConstantTimeEqual(a->wrap.data(), 32, a->mac.data(), 32));
  CHECK_FALSE(ConstantTimeEqual(a->mac.data(), 32, a->check.data(), 32));
  auto expected_wrap = HkdfSha256(master, "samp11 v1 key-wrap", 32);
  REQUIRE(expected_wrap.ok());
  CHECK(ConstantTimeEqual(a->wrap.data(), 32, expected_wrap->data(), 32));
  CHECK(DeriveKeys(SecureBytes(16)).status().code() == Code::kConfig);
}

}  // namespace
}  // namespace samp11
