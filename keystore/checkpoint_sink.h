// Where the module's checkpoints of the audit log go (audit_checkpointer.h): places the keystore's
// attacker cannot rewrite. A file opened for appending only (on another file system, or one the
// service may append to and nothing else: `chattr +a`), and syslog, which journald or rsyslog
// forward off the host.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace samp11 {

class CheckpointSink {
 public:
  virtual ~CheckpointSink() = default;
  // Whether a line can be written now (at open: a sink that cannot take one keeps the token
  // closed, rather than checkpoints going nowhere unnoticed). kConfig naming the sink.
  virtual Status Check() = 0;
  // One checkpoint line, whole or not at all; a file's is synced before this returns.
  virtual Status Write(const std::string& line) = 0;
  virtual std::string Describe() const = 0;
};

// Appends to path (made 0640 when missing), one write() per line, then fdatasync.
std::unique_ptr<CheckpointSink> MakeCheckpointFileSink(std::string path);
// To the syslog socket at socket_path (docs/configuration.md), facility authpriv, severity
// notice, tag "samp11-checkpoint".
std::unique_ptr<CheckpointSink> MakeCheckpointSyslogSink(std::string socket_path);

}  // namespace samp11
