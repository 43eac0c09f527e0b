// Test-only: a private Kamailio (testbeds/kamailio/kamailio.cfg) on a free port, started with
// the flags of RECIPES.md / scripts/lib/kamailio.sh (foreground -DD -E, private run dir, -m/-M,
// --substdef for the knobs), ready once it answers an OPTIONS probe, stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "parts/parts.h"

namespace ladder::testing {

struct KamailioOptions {
  std::string listen_addr = "127.0.0.1";  ///< or "::1" (written [::1] in the config)
  std::string domain = "ladder.test";
  /// One worker by default: with several, Kamailio legally reorders (a 200 overtakes its 180,
  /// which is then dropped; a NOTIFY overtakes a 202), and a test that asserts a flow runs green
  /// would depend on a race. Reordering is tested on captures (captures/reorder/).
  int children = 1;
  std::vector<std::string> defines;             ///< -A NAME (WITH_AUTH, WITHOUT_TCP)
  std::map<std::string, std::string> substdef;  ///< extra knobs (AUTH_USER, AUTH_PASSWORD ...)
  std::chrono::milliseconds ready_timeout{5000};
};

/// Move-only owner of one Kamailio process and its run dir. The destructor stops it (SIGTERM,
/// up to 5 s, then SIGKILL of that PID and the workers it forked) and removes the run dir.
class KamailioProcess {
 public:
  /// Errors: "kamailio not found", "kamailio exited during start: <log tail>",
  /// "kamailio did not answer OPTIONS on 127.0.0.1:PORT within 5s".
  static std::expected<KamailioProcess, std::string> start(const KamailioOptions& options);

  KamailioProcess(KamailioProcess&& other) noexcept;
  KamailioProcess& operator=(KamailioProcess&& other) noexcept;
  KamailioProcess(const KamailioProcess&) = delete;
  KamailioProcess& operator=(const KamailioProcess&) = delete;
  ~KamailioProcess();

  core::Endpoint endpoint() const { return endpoint_; }
  pid_t pid() const { return process_.pid(); }
  const std::string& run_dir() const { return run_dir_; }
  std::string log() const;  ///< its stderr so far
  void stop();

 private:
  KamailioProcess() = default;
  parts::Process process_;  ///< spawned and stopped as `ladder run` starts its parts
  core::Endpoint endpoint_;
  std::string run_dir_;
};

/// A port free for both UDP and TCP on `address` (the kernel picks the UDP one).
std::expected<std::uint16_t, std::string> free_port(const core::Address& address);

/// Sends OPTIONS over UDP to `to` and waits up to `timeout` for any SIP response.
bool options_answered(const core::Endpoint& to, std::chrono::milliseconds timeout);

}  // namespace ladder::testing
