// One log line per event: to stderr, to the file named by SAMP11_LOG_FILE, or to a syslog socket
// (SAMP11_LOG_TARGET=syslog[:SOCKET]); as text or JSON (SAMP11_LOG_FORMAT). Level from
// SAMP11_LOG_LEVEL: error, warn (default), info, debug (docs/configuration.md). Never pass a
// secret here: no SAD, PIN, key material; name things by id, signer, jti, code.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include "common/status.h"

namespace samp11 {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Whether the log settings can be obeyed: an unknown level, format or target, a file that cannot
// be opened for appending, or a syslog socket that takes no messages, is kArgumentsBad naming the
// variable, for whoever starts (C_Initialize, the CLI) to refuse, rather than lines going
// silently elsewhere or unwritten.
Status CheckLogSettings();

bool LogEnabled(LogLevel level);
// line as a text log line writes it: every control character (a newline from input that reached
// a message) as \xNN, so that nothing a caller sends can start a line of its own. JSON lines
// escape them anyway.
std::string SingleLine(std::string_view line);
void LogLine(LogLevel level, const std::string& line);

}  // namespace samp11

#define SAMP11_LOG(level, expr)                                               \
  do {                                                                        \
    if (::samp11::LogEnabled(::samp11::LogLevel::level)) {                    \
      std::ostringstream samp11_log_stream_;                                  \
      samp11_log_stream_ << expr;                                             \
      ::samp11::LogLine(::samp11::LogLevel::level, samp11_log_stream_.str()); \
    }                                                                         \
  } while (0)
