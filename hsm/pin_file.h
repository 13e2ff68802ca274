// The inner token user's PIN, read from a file at each login, and the rule that protects the
// token's lockout counter: a PIN the token refused is not offered again until the file changes.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11::inner {

// Which file a PIN came from, to recognise the same wrong PIN file on the next attempt.
struct PinFileId {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  struct timespec mtime = {};

  bool operator==(const PinFileId& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

// The first line of the PIN file, without its line end. The file must be a regular file that
// others can neither read nor write (a writable one lets anyone lock the token's PIN). kConfig,
// naming the file (never its content), if it is not so.
Result<SecureBytes> ReadPinFile(const std::string& path, PinFileId* id);

// One PIN file and the token's last verdict on it. Not thread-safe: its user serialises logins.
class PinFile {
 public:
  explicit PinFile(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // The PIN to offer. kDevice if the file cannot serve: found at first use, a PIN file that
  // cannot serve is the inner token failing the caller (CKR_DEVICE_ERROR, audited as an error),
  // not a configuration the module could refuse at load. The refusal of the last Refused call
  // again if the file is the same one: every attempt counts towards the token's lockout, and a
  // token whose PIN is locked needs its security officer.
  Result<SecureBytes> Read();
  // The token's verdict on the PIN last read: accepted, or refused as wrong (why: the Status the
  // login failed with, which Read repeats until the file changes).
  void Accepted() { failure_.reset(); }
  void Refused(const Status& why) { failure_ = Failure{last_read_, why}; }

 private:
  struct Failure {
    PinFileId file;
    Status status;
  };

  std::string path_;
  PinFileId last_read_;
  std::optional<Failure> failure_;
};

}  // namespace samp11::inner
