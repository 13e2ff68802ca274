#include "tools/samp11/cli_common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/clock.h"

namespace samp11::cli {

std::string ConfPath(const GlobalOptions& options) {
  return options.conf.empty() ? ConfigPath() : options.conf;
}

Result<TokenConfig> ChooseToken(const GlobalOptions& options) {
  SAMP11_ASSIGN_OR_RETURN(ModuleConfig config, LoadConfig(ConfPath(options)));
  if (config.tokens.empty()) return Status(Code::kConfig, "the config has no token");
  if (options.token.empty()) {
    if (config.tokens.size() == 1) return config.tokens.front();
    return Status(Code::kArgumentsBad, "the config has several tokens: choose one with --token");
  }
  for (const TokenConfig& token : config.tokens) {
    if (token.label == options.token) return token;
  }
  return Status(Code::kNotFound,
                "no token labelled '" + options.token + "' in " + ConfPath(options));
}

Result<std::unique_ptr<Keystore>> OpenKeystore(const GlobalOptions& options) {
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(options));
  return OpenTokenKeystore(token);
}

int64_t Now() { return SystemClock::Instance().NowSeconds(); }

Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kArgumentsBad, "cannot read " + path + ": " + std::strerror(errno));
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Status WriteFileAtomic(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Status(Code::kStorage, "cannot write " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      ::close(fd);
      return Status(Code::kStorage, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status(Code::kStorage, "cannot sync " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status(Code::kStorage, "cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

int Fail(const Status& status) {
  std::cerr << "samp11: error: " << status.message() << " (" << CodeName(status.code()) << ")\n";
  switch (status.code()) {
    case Code::kStorage:
    case Code::kInternal:
    case Code::kTampered:
    case Code::kDevice:
    case Code::kTokenNotPresent:
      return 2;
    default:
      return 1;
  }
}

}  // namespace samp11::cli
