#include "engine/testing/kamailio_process.h"

#include "parts/parts.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <utility>

namespace ladder::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool alive(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
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
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

}  // namespace

// One implementation of ports and probes for the tests and `ladder run` (parts/).
std::expected<std::uint16_t, std::string> free_port(const core::Address& address) {
  return parts::free_port(address);
}

bool options_answered(const core::Endpoint& to, std::chrono::milliseconds timeout) {
  return parts::options_answered(to, timeout);
}

std::expected<KamailioProcess, std::string> KamailioProcess::start(const KamailioOptions& o) {
  const std::string cfg = std::string(LADDER_SOURCE_DIR) + "/testbeds/kamailio/kamailio.cfg";
  const std::string kamailio = "/usr/sbin/kamailio";
  if (::access(kamailio.c_str(), X_OK) != 0) {
    return std::unexpected("kamailio not found at " + kamailio + " (apt-get install kamailio)");
  }
  auto addr = core::Address::parse(o.listen_addr);
  if (!addr) return std::unexpected("bad listen address " + o.listen_addr);
  auto port = free_port(*addr);
  if (!port) return std::unexpected(port.error());

  std::string tmpl = (std::filesystem::temp_directory_path() / "ladder-kam-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return std::unexpected(std::string("mkdtemp: ") + std::strerror(errno));
  }
  KamailioProcess k;
  k.run_dir_ = tmpl;
  k.endpoint_ = core::Endpoint{*addr, *port};

  std::vector<std::string> args = {kamailio,
                                   "-f",
                                   cfg,
                                   "-L",
                                   "/usr/lib/x86_64-linux-gnu/kamailio/modules",
                                   "-Y",
                                   tmpl,
                                   "-P",
                                   tmpl + "/kamailio.pid",
                                   "-w",
                                   tmpl,
                                   "-DD",
                                   "-E",
                                   "-m",
                                   "64",
                                   "-M",
                                   "8"};
  auto subst = [&](const std::string& name, const std::string& value) {
    args.push_back("--substdef");
    args.push_back("!" + name + "!" + value + "!g");
  };
  subst("LISTEN_ADDR", addr->uri_host());
  subst("LISTEN_PORT", std::to_string(*port));
  subst("RUN_DIR", tmpl);
  subst("DOMAIN", o.domain);
  subst("CHILDREN", std::to_string(o.children));
  for (const auto& [name, value] : o.substdef) subst(name, value);
  for (const auto& d : o.defines) {
    args.push_back("-A");
    args.push_back(d);
  }
  std::string log = tmpl + "/kamailio.log";
  pid_t pid = ::fork();
  if (pid < 0) return std::unexpected(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  k.pid_ = pid;
  auto deadline = Clock::now() + o.ready_timeout;
  while (Clock::now() < deadline) {
    if (!alive(pid)) {
      k.pid_ = -1;
      return std::unexpected("kamailio exited during start (port " + k.endpoint_.to_string() +
                             " busy or config error); log:\n" + k.log());
    }
    if (options_answered(k.endpoint_, std::chrono::milliseconds(300))) return k;
  }
  std::string why = "kamailio did not answer OPTIONS on " + k.endpoint_.to_string() + " within " +
                    std::to_string(o.ready_timeout.count()) + "ms; log:\n" + k.log();
  return std::unexpected(why);
}

KamailioProcess::KamailioProcess(KamailioProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      endpoint_(other.endpoint_),
      run_dir_(std::move(other.run_dir_)) {
  other.run_dir_.clear();
}

KamailioProcess& KamailioProcess::operator=(KamailioProcess&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = std::exchange(other.pid_, -1);
    endpoint_ = other.endpoint_;
    run_dir_ = std::move(other.run_dir_);
    other.run_dir_.clear();
  }
  return *this;
}

KamailioProcess::~KamailioProcess() { stop(); }

std::string KamailioProcess::log() const {
  std::ifstream in(run_dir_ + "/kamailio.log", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void KamailioProcess::stop() {
  if (pid_ > 0) {
    std::vector<pid_t> kids = children_of(pid_);
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    bool exited = false;
    while (Clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || r < 0) {
        exited = true;
        break;
      }
      pollfd none{-1, 0, 0};
      ::poll(&none, 0, 20);  // short pause between checks of the child's exit
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      for (pid_t kid : kids) ::kill(kid, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!run_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(run_dir_, ec);
    run_dir_.clear();
  }
}

}  // namespace ladder::testing
