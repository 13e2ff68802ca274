#include "keystore/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "crypto/random.h"
#include "crypto/symmetric.h"

namespace samp11 {
namespace {

constexpr size_t kMasterKeySize = 32;

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Makes the new directory entry durable, not only the file's contents.
void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

Status WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Code::kStorage, std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<SecureBytes> LoadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(Code::kConfig,
                  "cannot open master key file " + path + ": " + std::strerror(errno));
  }
  // fstat on the open descriptor: the checks apply to the file actually read.
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status(Code::kConfig, "cannot stat master key file " + path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(Code::kConfig, "master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return Status(Code::kConfig, "master key file " + path + " has mode " + ModeText(st.st_mode) +
                                     ": it must give no access to group or others (chmod 600)");
  }
  if (st.st_size != static_cast<off_t>(kMasterKeySize)) {
    ::close(fd);
    return Status(Code::kConfig, "master key file " + path + " must be exactly 32 bytes");
  }
  SecureBytes key(kMasterKeySize);
  size_t got = 0;
  while (got < kMasterKeySize) {
    ssize_t n = ::read(fd, key.data() + got, kMasterKeySize - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != kMasterKeySize) {
    return Status(Code::kConfig, "master key file " + path + " must be exactly 32 bytes");
  }
  return Result<SecureBytes>(std::move(key));
}

Result<SecureBytes> KeyFromPassphrase(const std::string& env_name, const Bytes& scrypt_salt) {
  const char* passphrase = env_name.empty() ? nullptr : std::getenv(env_name.c_str());
  if (passphrase == nullptr || *passphrase == '\0') {
    return Status(Code::kConfig,
                  "the master key passphrase variable " + env_name + " is not set or is empty");
  }
  if (scrypt_salt.empty()) {
    return Status(Code::kConfig, "the keystore has no scrypt salt for a passphrase master key");
  }
  return ScryptKey(std::string_view(passphrase), scrypt_salt);
}

}  // namespace

Status CreateMasterKeyFile(const std::string& path) {
  SecureBytes key(kMasterKeySize);
  SAMP11_RETURN_IF_ERROR(RandomFill(key.data(), key.size()));
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) {
      return Status(Code::kAlreadyExists, "master key file " + path + " already exists");
    }
    return Status(Code::kStorage,
                  "cannot create master key file " + path + ": " + std::strerror(err));
  }
  Status written = WriteAll(fd, key.data(), key.size());
  if (written.ok() && ::fsync(fd) != 0) written = Status(Code::kStorage, std::strerror(errno));
  if (::close(fd) != 0 && written.ok()) written = Status(Code::kStorage, std::strerror(errno));
  if (!written.ok()) {
    ::unlink(path.c_str());
    return Status(Code::kStorage,
                  "cannot write master key file " + path + ": " + written.message());
  }
  SyncDir(ParentDir(path));
  return Status::Ok();
}

Result<SecureBytes> LoadMasterKey(const MasterKeySource& source, const Bytes& scrypt_salt) {
  switch (source.kind) {
    case MasterKeySource::Kind::kKeyFile:
      if (source.location.empty()) return Status(Code::kConfig, "no master key file given");
      return LoadKeyFile(source.location);
    case MasterKeySource::Kind::kPassphraseEnv:
      return KeyFromPassphrase(source.location, scrypt_salt);
  }
  return Status(Code::kConfig, "unknown master key source");
}

Result<DerivedKeys> DeriveKeys(const SecureBytes& master) {
  if (master.size() != kMasterKeySize) {
    return Status(Code::kConfig, "the master key must be 32 bytes");
  }
  DerivedKeys keys;
  SAMP11_ASSIGN_OR_RETURN(keys.wrap, HkdfSha256(master, "samp11 v1 key-wrap", 32));
  SAMP11_ASSIGN_OR_RETURN(keys.mac, HkdfSha256(master, "samp11 v1 binding-mac", 32));
  SAMP11_ASSIGN_OR_RETURN(keys.check, HkdfSha256(master, "samp11 v1 master-check", 32));
  SAMP11_ASSIGN_OR_RETURN(keys.audit, HkdfSha256(master, "samp11 v1 audit-mac", 32));
  SAMP11_ASSIGN_OR_RETURN(keys.backup, HkdfSha256(master, "samp11 v1 backup", 32));
  return Result<DerivedKeys>(std::move(keys));
}

}  // namespace samp11
