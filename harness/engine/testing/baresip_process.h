// Test-only: baresip 1.0 as the stand-in handset (testbeds/baresip/config.in, accounts.in), on
// free ports, registered to a test's proxy, stopped by PID. Ready once ctrl_tcp accepts a
// connection and baresip's own `reginfo` says the REGISTER got its 200 (then that probing
// connection is closed: ctrl_tcp serves one client at a time, and the driver is the next).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "core/core.h"
#include "parts/parts.h"

namespace ladder::testing {

struct BaresipOptions {
  std::string user = "alice";
  std::string domain = "example.test";  ///< the AoR's host: the proxy's domain
  core::Endpoint proxy;                 ///< where it registers and sends everything (outbound)
  /// The account's answer mode: manual (180, then the driver's `accept`), early (183 with SDP
  /// first) or auto (answers at once).
  std::string answermode = "manual";
  /// The account's password (auth_pass) for a proxy that challenges; none when empty.
  std::string password;
  std::chrono::milliseconds ready_timeout{5000};
};

/// Move-only owner of one baresip process and its config dir (a private temporary directory).
/// The destructor stops it (SIGTERM, up to 3 s, then SIGKILL of that PID) and removes the dir.
class BaresipProcess {
 public:
  /// Errors: "baresip exited during start: <log tail>", "baresip's ctrl_tcp on 127.0.0.1:P did
  /// not accept within 5 s: <log tail>", "baresip did not register at P within 5 s: <log tail>".
  static std::expected<BaresipProcess, std::string> start(const BaresipOptions& options);

  BaresipProcess(BaresipProcess&& other) noexcept;
  BaresipProcess& operator=(BaresipProcess&& other) noexcept;
  BaresipProcess(const BaresipProcess&) = delete;
  BaresipProcess& operator=(const BaresipProcess&) = delete;
  ~BaresipProcess();

  core::Endpoint sip() const { return sip_; }          ///< its SIP address (UDP and TCP)
  core::Endpoint control() const { return control_; }  ///< ctrl_tcp
  pid_t pid() const { return process_.pid(); }
  const std::string& dir() const { return dir_; }
  std::string log() const;  ///< its output so far
  void stop();

 private:
  BaresipProcess() = default;
  static std::expected<BaresipProcess, std::string> start_once(const BaresipOptions& options);
  parts::Process process_;  ///< spawned and stopped as `ladder run` starts its parts
  core::Endpoint sip_, control_;
  std::string dir_;
};

/// Fills `@NAME@` in `text` from `values` (pairs NAME, value).
std::string fill_template(std::string text,
                          const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace ladder::testing
