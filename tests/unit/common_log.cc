// CheckLogSettings (common/log.h): the log settings a starting module or CLI must refuse.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>

#include <cstdlib>
#include <optional>
#include <string>

#include "common/log.h"

namespace samp11 {
namespace {

// Sets an environment variable for one scope and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_CASE("log settings: the four levels and no setting at all are taken") {
  ScopedEnv file("SAMP11_LOG_FILE", nullptr);
  for (const char* level : {"error", "warn", "info", "debug"}) {
    ScopedEnv env("SAMP11_LOG_LEVEL", level);
    CHECK_MESSAGE(CheckLogSettings().ok(), level);
  }
  ScopedEnv unset("SAMP11_LOG_LEVEL", nullptr);
  CHECK(CheckLogSettings().ok());
}

TEST_CASE("log settings: an unknown level is refused, naming the variable and the choices") {
  ScopedEnv file("SAMP11_LOG_FILE", nullptr);
  for (const char* level : {"verbose", "INFO", "", "warning"}) {
    ScopedEnv env("SAMP11_LOG_LEVEL", level);
    Status checked = CheckLogSettings();
    CHECK(checked.code() == Code::kArgumentsBad);
    CHECK(checked.message().find("SAMP11_LOG_LEVEL='" + std::string(level) + "'") !=
          std::string::npos);
    CHECK(checked.message().find("error, warn, info, debug") != std::string::npos);
  }
}

TEST_CASE("log settings: a log file that cannot be opened for appending is refused") {
  ScopedEnv level("SAMP11_LOG_LEVEL", nullptr);
  char dir_template[] = "/tmp/samp11-log-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  {
    const std::string path = dir + "/samp11.log";  // made at the first line: fine
    ScopedEnv env("SAMP11_LOG_FILE", path.c_str());
    CHECK(CheckLogSettings().ok());
    ::unlink(path.c_str());
  }
  {
    const std::string path = dir + "/no-such-folder/samp11.log";
    ScopedEnv env("SAMP11_LOG_FILE", path.c_str());
    Status checked = CheckLogSettings();
    CHECK(checked.code() == Code::kArgumentsBad);
    CHECK(checked.message().find(path) != std::string::npos);
    CHECK(checked.message().find("No such file or directory") != std::string::npos);
  }
  {
    ScopedEnv env("SAMP11_LOG_FILE", dir.c_str());  // a folder, not a file
    CHECK(CheckLogSettings().code() == Code::kArgumentsBad);
  }
  {
    ScopedEnv env("SAMP11_LOG_FILE", "");  // empty: stderr, as unset
    CHECK(CheckLogSettings().ok());
  }
  ::rmdir(dir.c_str());
}

TEST_CASE("log lines: control characters are escaped, so input cannot start a line") {
  CHECK(SingleLine("plain text, 'quoted' \\ and UTF-8 \xc3\xa9") ==
        "plain text, 'quoted' \\ and UTF-8 \xc3\xa9");
  CHECK(SingleLine("kid 'x\n2026-12-07T00:00:00Z samp11[1] INFO forged'") ==
        "kid 'x\\x0a2026-12-07T00:00:00Z samp11[1] INFO forged'");
  CHECK(SingleLine(std::string("a\r\tb\x7f\x1b[31m", 10)) == "a\\x0d\\x09b\\x7f\\x1b[31m");
  CHECK(SingleLine(std::string("nul\0end", 7)) == "nul\\x00end");
}

TEST_CASE("log settings: the formats and targets are taken, anything else is refused") {
  ScopedEnv level("SAMP11_LOG_LEVEL", nullptr);
  ScopedEnv file("SAMP11_LOG_FILE", nullptr);
  for (const char* format : {"text", "json", ""}) {
    ScopedEnv env("SAMP11_LOG_FORMAT", format);
    CHECK_MESSAGE(CheckLogSettings().ok(), format);
  }
  for (const char* format : {"JSON", "logfmt"}) {
    ScopedEnv env("SAMP11_LOG_FORMAT", format);
    Status checked = CheckLogSettings();
    CHECK(checked.code() == Code::kArgumentsBad);
    CHECK(checked.message().find("is not one of text, json") != std::string::npos);
  }
  for (const char* target : {"stderr", ""}) {
    ScopedEnv env("SAMP11_LOG_TARGET", target);
    CHECK_MESSAGE(CheckLogSettings().ok(), target);
  }
  for (const char* target : {"journal", "syslog:", "file"}) {
    ScopedEnv env("SAMP11_LOG_TARGET", target);
    Status checked = CheckLogSettings();
    CHECK(checked.code() == Code::kArgumentsBad);
    CHECK(checked.message().find("stderr, syslog, syslog:SOCKET") != std::string::npos);
  }
}

TEST_CASE("log settings: a syslog socket that takes no messages is refused") {
  ScopedEnv level("SAMP11_LOG_LEVEL", nullptr);
  char dir_template[] = "/tmp/samp11-log-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string missing = dir + "/no-socket";
  const std::string target = "syslog:" + missing;
  ScopedEnv env("SAMP11_LOG_TARGET", target.c_str());
  Status checked = CheckLogSettings();
  CHECK(checked.code() == Code::kArgumentsBad);
  CHECK(checked.message().find("the syslog socket '" + missing + "' does not take messages") !=
        std::string::npos);
  // A socket that is there: taken (tests/integration/cli_usage_test.sh reads what arrives).
  const std::string path = dir + "/log.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  const std::string bound = "syslog:" + path;
  ScopedEnv there("SAMP11_LOG_TARGET", bound.c_str());
  CHECK(CheckLogSettings().ok());
  ::close(fd);
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace samp11
