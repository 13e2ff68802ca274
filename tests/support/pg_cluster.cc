#include "pg_cluster.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "common/cancel_signal.h"
#include "common/subprocess.h"
#include "state/postgres/pg_connection.h"

namespace samp11::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin/";
constexpr int64_t kCommandMillis = 120000;

// A port nothing listens on now (the kernel's pick for a socket bound to port 0).
Result<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status(Code::kStorage, "no socket for a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  if (port <= 0) return Status(Code::kStorage, "no free port on 127.0.0.1");
  return port;
}

}  // namespace

Status PgCluster::RunBinary(const std::string& name, const std::vector<std::string>& args) {
  SubprocessSpec spec;
  if (::geteuid() == 0) spec.argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  spec.argv.push_back(kBinDir + name);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.max_output = 1 << 20;
  spec.deadline_millis = MonotonicMillis() + kCommandMillis;
  Result<SubprocessResult> ran = RunSubprocess(spec);
  if (!ran.ok()) return Status(Code::kStorage, name + ": " + ran.status().message());
  if (!ran->exited || ran->exit_code != 0) {
    return Status(Code::kStorage, name + " failed (exit " + std::to_string(ran->exit_code) +
                                      "): " + ran->output + " (log: " + dir_ + "/server.log)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<PgCluster>> PgCluster::Start() {
  if (!std::filesystem::exists(std::string(kBinDir) + "initdb")) {
    return Status(Code::kConfig, "PostgreSQL 15 is not installed (scripts/install-deps.sh)");
  }
  std::unique_ptr<PgCluster> cluster(new PgCluster);
  char pattern[] = "/tmp/samp11-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return Status(Code::kStorage, "no temporary folder");
  cluster->dir_ = pattern;
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) return Status(Code::kConfig, "no postgres user");
    if (::chown(cluster->dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      return Status(Code::kStorage, "cannot give " + cluster->dir_ + " to postgres");
    }
  }
  SAMP11_RETURN_IF_ERROR(
      cluster->RunBinary("initdb", {"-D", cluster->dir_ + "/data", "-A", "trust", "-U", "postgres",
                                    "--no-sync", "-E", "UTF8", "--locale=C"}));
  // Another process may take the port between the pick and the start: a few tries.
  Status started = Status::Ok();
  for (int attempt = 0; attempt < 5; ++attempt) {
    SAMP11_ASSIGN_OR_RETURN(cluster->port_, FreePort());
    started = cluster->StartServer();
    if (started.ok()) return cluster;
  }
  return started;
}

Status PgCluster::StartServer() {
  SAMP11_RETURN_IF_ERROR(RunBinary(
      "pg_ctl", {"-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "start", "-o",
                 "-p " + std::to_string(port_) + " -k " + dir_ +
                     " -c listen_addresses=127.0.0.1 -c max_connections=200"}));
  running_ = true;
  return Status::Ok();
}

Status PgCluster::StopServer() {
  SAMP11_RETURN_IF_ERROR(
      RunBinary("pg_ctl", {"-D", dir_ + "/data", "-w", "-t", "60", "-m", "fast", "stop"}));
  running_ = false;
  return Status::Ok();
}

PgCluster::~PgCluster() {
  if (running_) (void)StopServer();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

PgCluster& SharedPgCluster() {
  static std::unique_ptr<PgCluster> cluster = [] {
    auto started = PgCluster::Start();
    if (!started.ok()) throw std::runtime_error(started.status().ToString());
    return std::move(started).value();
  }();
  return *cluster;
}

std::string PgCluster::ConnInfo(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + dbname;
}

Status PgCluster::CreateDatabase(const std::string& dbname) {
  PgOptions options;
  options.conninfo = ConnInfo();
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> admin, PgConnection::Connect(options));
  auto lock = admin->Lock();
  return admin->ExecScript("CREATE DATABASE", "CREATE DATABASE \"" + dbname + "\"");
}

}  // namespace samp11::testing
