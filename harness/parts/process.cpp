// Process: fork/exec of a part, stopped by its PID.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "parts/parts.h"

namespace ladder::parts {
namespace {

using Clock = std::chrono::steady_clock;

// argv[0] as execv needs it: PATH, then the sbin folders a non-root PATH may lack (kamailio).
std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  path += ":/usr/sbin:/sbin:/usr/local/sbin";
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string p = dir + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

}  // namespace

std::expected<Process, std::string> Process::spawn(const std::vector<std::string>& argv,
                                                   const std::string& log_path) {
  if (argv.empty()) return std::unexpected(std::string("empty command"));
  auto program = find_program(argv[0]);
  if (!program) return std::unexpected("'" + argv[0] + "' not found (is it installed? scripts/setup)");
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return std::unexpected("cannot open " + log_path + ": " + std::strerror(errno));
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  args[0] = *program;
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(log);
    if (null >= 0) ::close(null);
    return std::unexpected(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: the terminal's Ctrl-C goes to ladder, which stops it
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);  // ladder died before prctl took effect
    if (null >= 0) ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }
  ::close(log);
  if (null >= 0) ::close(null);
  Process p;
  p.pid_ = pid;
  return p;
}

Process::Process(Process&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      terminated_(std::exchange(o.terminated_, false)),
      kids_(std::move(o.kids_)),
      status_(std::move(o.status_)) {}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = std::exchange(o.pid_, -1);
    terminated_ = std::exchange(o.terminated_, false);
    kids_ = std::move(o.kids_);
    status_ = std::move(o.status_);
  }
  return *this;
}

Process::~Process() { stop(); }

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  status_ = r == pid_ ? describe_status(status) : "ended";
  pid_ = -1;
  return false;
}

void Process::terminate() {
  if (terminated_ || !running()) return;
  kids_ = children_of(pid_);  // its workers, taken before they are orphaned
  ::kill(pid_, SIGTERM);
  terminated_ = true;
}

void Process::stop(std::chrono::milliseconds grace) {
  terminate();
  if (!running()) return;
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (!running()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // exit poll, bounded by grace
  }
  ::kill(pid_, SIGKILL);
  for (pid_t kid : kids_) ::kill(kid, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = describe_status(status);
  pid_ = -1;
}

}  // namespace ladder::parts
