// Datagrams to a local syslog socket (/dev/log: journald, rsyslog), made as glibc's syslog(3)
// makes them for a local socket (RFC 3164 without a host name). Not syslog(3) itself: its identity
// comes from openlog(), which is process-wide, and a library must not rename its host's messages.
#pragma once

#include <string>
#include <string_view>

namespace samp11 {

constexpr char kDefaultSyslogSocket[] = "/dev/log";

// Facilities and severities (RFC 5424), to be or'ed into a priority.
constexpr int kSyslogUser = 1 << 3;
constexpr int kSyslogAuthpriv = 10 << 3;
constexpr int kSyslogErr = 3;
constexpr int kSyslogWarning = 4;
constexpr int kSyslogNotice = 5;
constexpr int kSyslogInfo = 6;
constexpr int kSyslogDebug = 7;

// "<priority>Mmm dd hh:mm:ss tag[pid]: text", in local time as syslog(3) writes it.
std::string SyslogDatagram(int priority, std::string_view tag, std::string_view text);

// A datagram socket connected to a syslog socket: connected on first use, and again after a failed
// send (the syslog daemon restarted), never more than once per datagram. Not thread-safe: the
// caller serialises sends.
class SyslogSocket {
 public:
  explicit SyslogSocket(std::string path) : path_(std::move(path)) {}
  ~SyslogSocket();
  SyslogSocket(const SyslogSocket&) = delete;
  SyslogSocket& operator=(const SyslogSocket&) = delete;

  // 0, or the errno of the failed connect or send.
  int Send(const std::string& datagram);
  const std::string& path() const { return path_; }

  // A socket connected to path, or -1 with errno set.
  static int Connect(const std::string& path);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace samp11
