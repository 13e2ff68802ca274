#include "common/syslog_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/process_id.h"

namespace samp11 {

std::string SyslogDatagram(int priority, std::string_view tag, std::string_view text) {
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%b %e %H:%M:%S", &tm);
  std::string datagram = "<" + std::to_string(priority) + ">" + when + " ";
  datagram.append(tag);
  datagram += "[" + std::to_string(CurrentPid()) + "]: ";
  datagram.append(text);
  return datagram;
}

SyslogSocket::~SyslogSocket() {
  if (fd_ >= 0) ::close(fd_);
}

int SyslogSocket::Send(const std::string& datagram) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0) fd_ = Connect(path_);
    if (fd_ < 0) return errno;
    if (::send(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL) >= 0) return 0;
    ::close(fd_);
    fd_ = -1;
  }
  return errno;
}

int SyslogSocket::Connect(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof address.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

}  // namespace samp11
