#include "common/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/process_id.h"
#include "common/syslog_socket.h"
#include "common/time_text.h"

namespace samp11 {
namespace {

constexpr char kSyslogPrefix[] = "syslog:";

// By LogLevel: the name in SAMP11_LOG_LEVEL and JSON lines, and the one in text lines.
constexpr const char* kLevelNames[] = {"error", "warn", "info", "debug"};
constexpr const char* kLevelLabels[] = {"ERROR", "WARN", "INFO", "DEBUG"};

std::optional<LogLevel> LevelFromName(const char* name) {
  for (int level = 0; level < 4; ++level) {
    if (std::strcmp(name, kLevelNames[level]) == 0) return static_cast<LogLevel>(level);
  }
  return std::nullopt;
}

LogLevel ConfiguredLevel() {
  const char* v = std::getenv("SAMP11_LOG_LEVEL");
  if (v == nullptr) return LogLevel::kWarn;
  return LevelFromName(v).value_or(LogLevel::kWarn);
}

const char* LevelName(LogLevel level) { return kLevelLabels[static_cast<int>(level)]; }
const char* LevelWord(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

// Facility user.
int SyslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return kSyslogUser | kSyslogErr;
    case LogLevel::kWarn:
      return kSyslogUser | kSyslogWarning;
    case LogLevel::kInfo:
      return kSyslogUser | kSyslogInfo;
    case LogLevel::kDebug:
      return kSyslogUser | kSyslogDebug;
  }
  return kSyslogUser | kSyslogWarning;
}

// Where lines go and in which form, as the environment says (validated by CheckLogSettings).
struct LogSettings {
  bool json = false;
  std::string syslog_socket;  // empty: stderr, or SAMP11_LOG_FILE
};

Status ReadSettings(LogSettings& settings) {
  if (const char* v = std::getenv("SAMP11_LOG_FORMAT"); v != nullptr && *v != '\0') {
    if (std::strcmp(v, "json") == 0) {
      settings.json = true;
    } else if (std::strcmp(v, "text") != 0) {
      return Status(Code::kArgumentsBad,
                    "SAMP11_LOG_FORMAT='" + std::string(v) + "' is not one of text, json");
    }
  }
  if (const char* v = std::getenv("SAMP11_LOG_TARGET"); v != nullptr && *v != '\0') {
    const std::string target = v;
    if (target == "syslog") {
      settings.syslog_socket = kDefaultSyslogSocket;
    } else if (target.rfind(kSyslogPrefix, 0) == 0 && target.size() > sizeof kSyslogPrefix - 1) {
      settings.syslog_socket = target.substr(sizeof kSyslogPrefix - 1);
    } else if (target != "stderr") {
      return Status(Code::kArgumentsBad, "SAMP11_LOG_TARGET='" + target +
                                             "' is not one of stderr, syslog, syslog:SOCKET");
    }
  }
  return Status::Ok();
}

const LogSettings& Settings() {
  static const LogSettings settings = [] {
    LogSettings s;
    (void)ReadSettings(s);  // a bad setting stopped the start already (CheckLogSettings)
    return s;
  }();
  return settings;
}

std::string JsonLine(LogLevel level, const std::string& stamp, const std::string& line) {
  nlohmann::ordered_json object;
  object["time"] = stamp;
  object["level"] = LevelWord(level);
  object["pid"] = static_cast<int>(CurrentPid());
  object["program"] = OwnExecutable();
  object["message"] = line;
  // Invalid UTF-8 (a hostile jti quoted in a reason) is replaced, never a reason to lose the line.
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string SingleLine(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (unsigned char c : line) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Status CheckLogSettings() {
  if (const char* v = std::getenv("SAMP11_LOG_LEVEL"); v != nullptr && !LevelFromName(v)) {
    return Status(Code::kArgumentsBad, "SAMP11_LOG_LEVEL='" + std::string(v) +
                                           "' is not one of error, warn, info, debug");
  }
  LogSettings settings;
  SAMP11_RETURN_IF_ERROR(ReadSettings(settings));
  if (!settings.syslog_socket.empty()) {
    const int fd = SyslogSocket::Connect(settings.syslog_socket);
    if (fd < 0) {
      const int err = errno;
      return Status(Code::kArgumentsBad, "SAMP11_LOG_TARGET: the syslog socket '" +
                                             settings.syslog_socket +
                                             "' does not take messages: " + std::strerror(err));
    }
    ::close(fd);
    return Status::Ok();  // SAMP11_LOG_FILE is not used then
  }
  if (const char* path = std::getenv("SAMP11_LOG_FILE"); path != nullptr && *path != '\0') {
    FILE* file = std::fopen(path, "a");
    if (file == nullptr) {
      const int err = errno;
      return Status(Code::kArgumentsBad,
                    "SAMP11_LOG_FILE '" + std::string(path) +
                        "' cannot be opened for appending: " + std::strerror(err));
    }
    std::fclose(file);
  }
  return Status::Ok();
}

bool LogEnabled(LogLevel level) {
  // Read once: the environment of a process does not change under a loaded module in practice.
  static const LogLevel configured = ConfiguredLevel();
  return static_cast<int>(level) <= static_cast<int>(configured);
}

void LogLine(LogLevel level, const std::string& line) {
  // Function-local objects, never destroyed: logging may happen from atexit handlers (NSS calls
  // C_Finalize after static destructors ran).
  static std::mutex* mu = new std::mutex;
  static SyslogSocket* syslog = new SyslogSocket(Settings().syslog_socket);
  std::lock_guard<std::mutex> lock(*mu);
  const LogSettings& settings = Settings();
  const std::string stamp = UtcText(static_cast<int64_t>(std::time(nullptr)));
  const std::string text = settings.json ? JsonLine(level, stamp, line)
                                         : std::string(LevelName(level)) + " " + SingleLine(line);
  if (!settings.syslog_socket.empty()) {
    // syslog_socket.h says why not syslog(3).
    if (syslog->Send(SyslogDatagram(SyslogPriority(level), "samp11", text)) == 0) return;
    // The syslog daemon is gone: the line goes to stderr rather than nowhere.
  }
  const char* path = std::getenv("SAMP11_LOG_FILE");
  FILE* out = stderr;
  FILE* opened = nullptr;
  if (settings.syslog_socket.empty() && path != nullptr && *path != '\0') {
    opened = std::fopen(path, "a");
    if (opened != nullptr) out = opened;
  }
  if (settings.json) {
    std::fprintf(out, "%s\n", text.c_str());
  } else {
    std::fprintf(out, "%s samp11[%d] %s\n", stamp.c_str(), static_cast<int>(CurrentPid()),
                 text.c_str());
  }
  if (opened != nullptr) std::fclose(opened);
}

}  // namespace samp11
