#include "common/log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

#include "common/time_text.h"

namespace samp11 {
namespace {

LogLevel ConfiguredLevel() {
  const char* v = std::getenv("SAMP11_LOG_LEVEL");
  if (v == nullptr) return LogLevel::kWarn;
  if (std::strcmp(v, "error") == 0) return LogLevel::kError;
  if (std::strcmp(v, "info") == 0) return LogLevel::kInfo;
  if (std::strcmp(v, "debug") == 0) return LogLevel::kDebug;
  return LogLevel::kWarn;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kDebug:
      return "DEBUG";
  }
  return "?";
}

}  // namespace

Status CheckLogSettings() {
  if (const char* v = std::getenv("SAMP11_LOG_LEVEL"); v != nullptr) {
    const bool known = std::strcmp(v, "error") == 0 || std::strcmp(v, "warn") == 0 ||
                       std::strcmp(v, "info") == 0 || std::strcmp(v, "debug") == 0;
    if (!known) {
      return Status(Code::kArgumentsBad, "SAMP11_LOG_LEVEL='" + std::string(v) +
                                             "' is not one of error, warn, info, debug");
    }
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
  // A function-local mutex, never destroyed: logging may happen from atexit handlers (NSS calls
  // C_Finalize after static destructors ran).
  static std::mutex* mu = new std::mutex;
  std::lock_guard<std::mutex> lock(*mu);
  const char* path = std::getenv("SAMP11_LOG_FILE");
  FILE* out = stderr;
  FILE* opened = nullptr;
  if (path != nullptr && *path != '\0') {
    opened = std::fopen(path, "a");
    if (opened != nullptr) out = opened;
  }
  const std::string stamp = UtcText(static_cast<int64_t>(std::time(nullptr)));
  std::fprintf(out, "%s samp11[%d] %s %s\n", stamp.c_str(), static_cast<int>(getpid()),
               LevelName(level), line.c_str());
  if (opened != nullptr) std::fclose(opened);
}

}  // namespace samp11
