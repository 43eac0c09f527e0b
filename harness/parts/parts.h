// ladder::parts: the components a testbed starts itself (`start:` on a role): Kamailio with a
// config, baresip with a config dir, SIPp with a scenario, or any command. Each is started on
// free ports, waited for with a readiness probe and a deadline, logs into the run directory,
// and is stopped by its PID (SIGTERM, then SIGKILL after a deadline) when its owner goes away:
// at the end of the run, on Ctrl-C and on failure alike.
//
// Ownership: Bench owns every Part; a Part owns its Process. Move-only. Children are put in
// their own process group (a Ctrl-C at the terminal reaches ladder only, which then stops them
// in order) and get SIGTERM if ladder itself dies (PR_SET_PDEATHSIG).
//
// Threading: the calling thread; start() blocks until every part is ready or failed, polling
// with short sleeps under each part's deadline (before any engine loop exists).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "scenario/scenario.h"

namespace ladder::parts {

/// Move-only owner of one child process. The destructor stops it.
class Process {
 public:
  /// Starts argv[0] (searched in PATH) with stdin from /dev/null and stdout+stderr appended to
  /// `log_path`. Unexpected: the program cannot be found or the log not opened.
  static std::expected<Process, std::string> spawn(const std::vector<std::string>& argv,
                                                   const std::string& log_path);
  Process() = default;
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  /// False once it has exited (then reaped; exit_status() says how).
  bool running();
  /// "exit status 1", "killed by signal 9"; empty while running.
  const std::string& exit_status() const { return status_; }
  /// Sends SIGTERM (once) without waiting: several parts then stop side by side.
  void terminate();
  /// SIGTERM (unless terminate() sent it), then SIGKILL of it and the processes it forked once
  /// `grace` has passed; reaps it.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  bool terminated_ = false;
  std::vector<pid_t> kids_;  ///< its children when SIGTERM went out (Kamailio's workers)
  std::string status_;
};

/// A port free for both UDP and TCP on `address` (the kernel picks it).
std::expected<std::uint16_t, std::string> free_port(const core::Address& address);
/// Sends OPTIONS over UDP to `to` and waits up to `timeout` for any SIP response.
bool options_answered(const core::Endpoint& to, std::chrono::milliseconds timeout);
/// Whether `to` accepts a TCP connection within `timeout`.
bool tcp_accepts(const core::Endpoint& to, std::chrono::milliseconds timeout);
/// Whether something holds UDP `at` (a bind of our own fails).
bool udp_taken(const core::Endpoint& at);
/// The last `lines` lines of a text file ("" if unreadable).
std::string log_tail(const std::string& path, std::size_t lines);

/// One started component.
struct Part {
  std::string role;
  scenario::StartKind kind = scenario::StartKind::command;
  std::string command;  ///< the command line, as a person would type it
  std::string log;      ///< its stdout and stderr
  core::Endpoint address;                 ///< its SIP address (the role's, port filled in)
  std::optional<core::Endpoint> control;  ///< baresip: ctrl_tcp
  Process process;
  std::string scratch;  ///< a private temporary folder (Kamailio's control socket), removed at stop
  ~Part();
};

struct StartOptions {
  /// Logs and generated configs go here (the run directory); created if missing.
  std::string dir;
  /// Checked while waiting for readiness (Ctrl-C): the start then fails as interrupted.
  std::function<bool()> stop_requested;
  /// How long a part gets to exit after SIGTERM before SIGKILL.
  std::chrono::milliseconds stop_grace{std::chrono::seconds(5)};
};

/// Every part a testbed starts. The destructor stops them, last started first.
class Bench {
 public:
  /// Starts the `start:` of every role, proxies first (a phone registers to them). Unexpected:
  /// one message naming the role, the command, the log file and its last lines. Parts already
  /// started are stopped before it returns.
  static std::expected<Bench, std::string> start(const scenario::Testbed& testbed,
                                                 const StartOptions& options);
  Bench() = default;
  Bench(Bench&&) noexcept = default;
  Bench& operator=(Bench&&) noexcept = default;
  ~Bench();

  /// `testbed` with what the parts got: each started role's address, and a driver's `control`
  /// (baresip's ctrl_tcp) when it has none.
  scenario::Testbed apply(scenario::Testbed testbed) const;
  const std::vector<std::unique_ptr<Part>>& parts() const { return parts_; }
  bool empty() const { return parts_.empty(); }
  void stop();

 private:
  std::vector<std::unique_ptr<Part>> parts_;
  std::chrono::milliseconds grace_{std::chrono::seconds(5)};
};

/// True when some role of `testbed` has a `start:`.
bool starts_anything(const scenario::Testbed& testbed);

}  // namespace ladder::parts
