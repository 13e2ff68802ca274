#include "pg_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/cancel_signal.h"
#include "common/subprocess.h"
#include "state/postgres/pg_connection.h"

namespace samp11::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin/";
constexpr int64_t kCommandMillis = 120000;
// How long a standby may take to stream and become synchronous (it takes well under a second).
constexpr int64_t kWaitMillis = 60000;

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

Status PgCluster::MakeDir() {
  char pattern[] = "/tmp/samp11-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return Status(Code::kStorage, "no temporary folder");
  dir_ = pattern;
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) return Status(Code::kConfig, "no postgres user");
    if (::chown(dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      return Status(Code::kStorage, "cannot give " + dir_ + " to postgres");
    }
  }
  // The guard. Its write end is close-on-exec: no program this process starts holds it open.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status(Code::kStorage, "no pipe for the guard");
  // The outer shell starts the guard in the background and exits at once, so that the guard is
  // nobody's child here: a test runner that kills this process's tree does not kill it.
  static const char kGuard[] =
      "exec 3<&0\n"
      "(\n"
      "  trap '' HUP INT TERM\n"
      "  read -r said <&3\n"
      "  [ \"$said\" = done ] && exit 0\n"
      "  if [ -f \"$1/data/postmaster.pid\" ]; then\n"
      "    pm=$(head -n 1 \"$1/data/postmaster.pid\")\n"
      "    kill -CONT \"$pm\" $(ps -o pid= --ppid \"$pm\")\n"
      "    if [ \"$(id -u)\" -eq 0 ]; then as='/usr/sbin/runuser -u postgres --'; else as=; fi\n"
      "    $as \"$2\"pg_ctl -D \"$1/data\" -w -t 60 -m immediate stop\n"
      "  fi\n"
      "  rm -rf \"$1\"\n"
      ") </dev/null >/dev/null 2>&1 &\n";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
  const std::string bin_dir = kBinDir;
  const char* argv[] = {"/bin/sh",       "-c",   kGuard, "samp11-pg-guard", dir_.c_str(),
                        bin_dir.c_str(), nullptr};
  pid_t shell = 0;
  const int spawned =
      ::posix_spawn(&shell, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[0]);
  if (spawned != 0) {
    ::close(pipe_fds[1]);
    return Status(Code::kStorage, "cannot start the guard of " + dir_);
  }
  int ignored = 0;
  ::waitpid(shell, &ignored, 0);
  guard_ = pipe_fds[1];
  return Status::Ok();
}

Result<std::unique_ptr<PgCluster>> PgCluster::Start() {
  if (!std::filesystem::exists(std::string(kBinDir) + "initdb")) {
    return Status(Code::kConfig, "PostgreSQL 15 is not installed (scripts/install-deps.sh)");
  }
  std::unique_ptr<PgCluster> cluster(new PgCluster);
  SAMP11_RETURN_IF_ERROR(cluster->MakeDir());
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

Status PgCluster::Admin(const std::string& context, const std::string& sql) {
  PgOptions options;
  options.conninfo = ConnInfo();
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> admin, PgConnection::Connect(options));
  auto lock = admin->Lock();
  return admin->ExecScript(context, sql);
}

Status PgCluster::WaitFor(const std::string& what, const std::string& sql,
                          const std::string& expected) {
  PgOptions options;
  options.conninfo = ConnInfo();
  const int64_t deadline = MonotonicMillis() + kWaitMillis;
  std::string last = "no answer";
  while (MonotonicMillis() < deadline) {
    Result<std::unique_ptr<PgConnection>> admin = PgConnection::Connect(options);
    if (admin.ok()) {
      auto lock = (*admin)->Lock();
      Result<PgRows> rows = (*admin)->Exec(what, sql);
      if (rows.ok() && rows->size() > 0 && rows->Text(0, 0) == expected) return Status::Ok();
      last = !rows.ok() ? rows.status().message() : rows->size() > 0 ? rows->Text(0, 0) : "none";
    } else {
      last = admin.status().message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status(Code::kStorage, what + ": still '" + last + "', not '" + expected + "' after " +
                                    std::to_string(kWaitMillis / 1000) + " s");
}

Result<std::unique_ptr<PgCluster>> PgCluster::StartSyncStandby() {
  std::unique_ptr<PgCluster> standby(new PgCluster);
  SAMP11_RETURN_IF_ERROR(standby->MakeDir());
  // -R writes primary_conninfo and standby.signal; -c fast: no wait for a checkpoint.
  SAMP11_RETURN_IF_ERROR(standby->RunBinary(
      "pg_basebackup",
      {"-D", standby->dir_ + "/data", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
       "postgres", "-R", "-X", "stream", "-c", "fast", "--no-sync"}));
  Status started = Status::Ok();
  for (int attempt = 0; attempt < 5; ++attempt) {
    SAMP11_ASSIGN_OR_RETURN(standby->port_, FreePort());
    started = standby->StartServer();
    if (started.ok()) break;
  }
  SAMP11_RETURN_IF_ERROR(started);
  // Only now, so that the standby's copy of the configuration does not have it.
  SAMP11_RETURN_IF_ERROR(
      Admin("synchronous_standby_names", "ALTER SYSTEM SET synchronous_standby_names = '*'"));
  SAMP11_RETURN_IF_ERROR(Admin("reloading the configuration", "SELECT pg_reload_conf()"));
  SAMP11_RETURN_IF_ERROR(WaitFor("the standby's replication state",
                                 "SELECT sync_state FROM pg_stat_replication", "sync"));
  return standby;
}

Status PgCluster::EnableSsl() {
  // Made by the server's user, so that the key is its own and private (the server refuses others).
  SubprocessSpec spec;
  if (::geteuid() == 0) spec.argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  for (const char* arg :
       {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-subj", "/CN=127.0.0.1", "-days", "2"}) {
    spec.argv.push_back(arg);
  }
  const std::string key = dir_ + "/data/server.key";
  const std::string cert = dir_ + "/data/server.crt";
  spec.argv.insert(spec.argv.end(), {"-keyout", key, "-out", cert});
  spec.deadline_millis = MonotonicMillis() + kCommandMillis;
  Result<SubprocessResult> made = RunSubprocess(spec);
  if (!made.ok() || !made->exited || made->exit_code != 0) {
    return Status(Code::kStorage, "openssl could not make the server's certificate");
  }
  SAMP11_RETURN_IF_ERROR(Admin("ssl", "ALTER SYSTEM SET ssl = on"));
  return Admin("reloading the configuration", "SELECT pg_reload_conf()");
}

Status PgCluster::KillServer() {
  SAMP11_RETURN_IF_ERROR(
      RunBinary("pg_ctl", {"-D", dir_ + "/data", "-w", "-t", "60", "-m", "immediate", "stop"}));
  running_ = false;
  return Status::Ok();
}

Status PgCluster::Promote() {
  return RunBinary("pg_ctl", {"-D", dir_ + "/data", "-w", "-t", "60", "promote"});
}

Result<std::vector<int>> PgCluster::ServerPids() const {
  std::ifstream pid_file(dir_ + "/data/postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    return Status(Code::kStorage, "no postmaster.pid in " + dir_ + "/data");
  }
  std::vector<int> pids{postmaster};
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // gone meanwhile
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so after the last ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    int ppid = 0;
    if (rest >> state >> ppid && ppid == postmaster) pids.push_back(std::stoi(name));
  }
  return pids;
}

Status PgCluster::Pause() {
  if (!paused_.empty()) return Status(Code::kArgumentsBad, "the server is paused already");
  // The postmaster first: once it is stopped it forks no child that the list below would miss.
  SAMP11_ASSIGN_OR_RETURN(std::vector<int> pids, ServerPids());
  if (::kill(pids.front(), SIGSTOP) != 0) {
    return Status(Code::kStorage, "cannot stop the postmaster " + std::to_string(pids.front()));
  }
  paused_.push_back(pids.front());
  SAMP11_ASSIGN_OR_RETURN(pids, ServerPids());
  for (size_t i = 1; i < pids.size(); ++i) {
    if (::kill(pids[i], SIGSTOP) == 0) paused_.push_back(pids[i]);  // else it had just ended
  }
  return Status::Ok();
}

Status PgCluster::Resume() {
  Status resumed = Status::Ok();
  for (int pid : paused_) {
    if (::kill(pid, SIGCONT) != 0 && errno != ESRCH) {
      resumed = Status(Code::kStorage, "cannot continue process " + std::to_string(pid));
    }
  }
  paused_.clear();
  return resumed;
}

std::string PgCluster::MultiHostConnInfo(const std::vector<const PgCluster*>& clusters,
                                         const std::string& dbname) {
  std::string hosts, ports;
  for (const PgCluster* cluster : clusters) {
    hosts += (hosts.empty() ? "" : ",") + std::string("127.0.0.1");
    ports += (ports.empty() ? "" : ",") + std::to_string(cluster->port());
  }
  return "host=" + hosts + " port=" + ports + " user=postgres dbname=" + dbname +
         " target_session_attrs=read-write";
}

PgCluster::~PgCluster() {
  (void)Resume();  // a stopped server would not stop
  if (running_) (void)StopServer();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  if (guard_ >= 0) {
    static const char kDone[] = "done\n";
    (void)!::write(guard_, kDone, sizeof kDone - 1);
    ::close(guard_);
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
