// Testbeds: where the roles of a ladder live (played by the harness, a DUT, something external).
//
// Ownership and threading: plain values, built by the loader (load.h) and then read-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "scenario/duration.h"
#include "scenario/model.h"
#include "scenario/template.h"

namespace ladder::scenario {

enum class PlayedBy : std::uint8_t { harness, dut, external };
std::string_view to_string(PlayedBy p);

enum class DriverKind : std::uint8_t { action_uri, csta, prompt, baresip };
std::string_view to_string(DriverKind k);

/// How the harness makes a handset DUT act. `options` is free-form for the driver; secrets are
/// named by `*_env` keys holding environment variable names.
struct Driver {
  DriverKind kind = DriverKind::prompt;
  std::map<std::string, std::string> options;
  SourcePos pos;
};

/// What `start:` starts (parts/ does it): a known component or any command.
enum class StartKind : std::uint8_t { kamailio, baresip, sipp, command };
std::string_view to_string(StartKind k);

/// When a started component counts as ready.
enum class ReadyProbe : std::uint8_t {
  sip_options,  ///< its SIP address answers an OPTIONS (any SIP response)
  control,      ///< baresip: ctrl_tcp accepts and every account registered
  udp,          ///< something holds its SIP port (UDP)
  tcp,          ///< its SIP port accepts TCP connections
  log_line,     ///< its log shows `Start::ready_log`
  none,         ///< started is ready
};
std::string_view to_string(ReadyProbe p);

/// How `ladder run` starts a role's component itself, on free ports, with its log in the run
/// directory, stopped by PID at the end. Paths are as written; relative ones are resolved
/// against the testbed file's folder when started.
struct Start {
  StartKind kind = StartKind::command;
  std::string config;                ///< kamailio: the .cfg; baresip: a config dir (optional)
  std::string scenario;              ///< sipp: the scenario XML
  std::vector<std::string> command;  ///< command: argv; ${host} ${port} ${dir} are filled in
  std::vector<std::string> defines;  ///< kamailio: -A NAME
  std::map<std::string, std::string> set;  ///< kamailio: --substdef '!NAME!value!g'
  std::vector<std::string> args;     ///< extra arguments appended to the command line
  ReadyProbe ready = ReadyProbe::none;
  std::string ready_log;             ///< log_line: the text to wait for
  Duration within{std::chrono::seconds(10)};  ///< readiness deadline
  SourcePos pos;
};

struct TestbedRole {
  std::string id;
  SourcePos pos;
  PlayedBy played_by = PlayedBy::harness;
  /// harness: where to bind (port 0: ephemeral). dut/external: where it is.
  core::Endpoint address;
  core::Transport transport = core::Transport::udp;
  std::string user;
  std::string domain;
  std::optional<std::string> password_env;  ///< name of the environment variable, never the secret
  bool registers = false;                   ///< harness: REGISTER before the flow
  RoleKind kind = RoleKind::ua;             ///< dut: what it is
  std::optional<bool> record_route;         ///< dut proxies: whether it record-routes
  std::optional<Driver> driver;             ///< handset DUTs
  std::optional<Start> start;               ///< dut/external: `ladder run` starts it
};

struct CaptureSettings {
  std::string interface;  ///< empty: the engine picks (lo for loopback testbeds)
  Duration linger{std::chrono::milliseconds(500)};  ///< keep capturing after the last step
};

struct Timeouts {
  std::optional<Duration> step;
  std::optional<Duration> scenario;
};

struct Testbed {
  std::string source;
  std::vector<TestbedRole> roles;
  CaptureSettings capture;
  Timeouts timeouts;

  const TestbedRole* find_role(std::string_view id) const;
};

/// `${ROLE.attr}` values from a testbed: user, domain, host ("127.0.0.1", "[fd00::1]": ready for
/// a URI), port, address ("host:port"). Port-0 binds give no port or address (not known yet).
Bindings bindings_from(const Testbed& testbed);

/// Cross-checks a scenario against a testbed: every scenario role bound, forwards only from DUTs
/// of a matching kind. Diagnostics point into the scenario file.
std::vector<core::Diagnostic> check_binding(const Scenario& scenario, const Testbed& testbed);

}  // namespace ladder::scenario
