// ladder::usecase: what the commands do, as library functions that take options and return a
// result model. The policy lives here, once: which methods a testbed's own registrations make
// tolerable, how engine errors and Ctrl-C become failures, what a run directory holds, when a
// bulk check passed. The CLI parses arguments, calls a use case, hands the result to report/
// for the terminal and the files the user asked for, and picks the exit code; nothing here
// prints or exits.
//
// Dependency direction: cli -> usecase -> engine, capture, checker, report -> scenario -> sip ->
// core.
//
// Threading: each use case runs in the calling thread (the engine's loop included); `check`
// with `each` starts its own job threads and joins them before it returns. Hooks are called
// from the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "checker/each.h"
#include "core/core.h"
#include "scenario/scenario.h"
#include "sip/sip.h"
#include "usecase/live_each.h"

namespace ladder::usecase {

/// How a use case ended, in the terms of DESIGN.md's exit codes.
enum class Outcome : std::uint8_t {
  passed,       ///< everything checked held
  failed,       ///< a check failed, or nothing was there to check
  bad_input,    ///< a ladder, testbed or capture that cannot be used as given
  environment,  ///< the machine or the network: capture not permitted, a port in use ...
};

/// Where a use case reports while it runs; the CLI prints, tests collect. Both may be empty.
struct Hooks {
  /// Loader diagnostics and capture warnings, as they are found.
  std::function<void(const core::Diagnostic&)> diagnostic;
  /// Checked every loop turn of a run (e.g. a Ctrl-C flag): the run then stops cleanly.
  std::function<bool()> stop_requested;
};

/// The checker's options that follow from a testbed (shared by `run` and `check`): the role map
/// and role attributes, the DUT's record-route setting, and REGISTER tolerated when the testbed
/// registers its users before the flow and the ladder itself does not register.
checker::CheckOptions options_for(const scenario::Scenario& scenario,
                                  const scenario::Testbed& testbed);

// ---------------------------------------------------------------------------------------------
// Reading a capture

struct CaptureRead {
  std::vector<sip::WireMessage> messages;  ///< in capture order
  std::uint64_t sip_messages = 0;          ///< every SIP message read, also outside `call_id`
  bool complete = true;
  std::string error;  ///< why reading stopped early, when !complete
};

/// Every SIP message of a capture file ("-": standard input), only those of `call_id` when it
/// is not empty. Warnings go to hooks.diagnostic. Unexpected: the file cannot be opened.
std::expected<CaptureRead, std::string> read_capture(const std::string& path,
                                                     const std::string& call_id,
                                                     const Hooks& hooks);

// ---------------------------------------------------------------------------------------------
// `ladder check`

struct CheckRequest {
  std::string capture;   ///< path, or "-" for standard input
  std::string scenario;  ///< the ladder file
  std::string testbed;   ///< optional: roles, attributes, record-route, registrations
  scenario::RoleMap roles;    ///< given roles; override the testbed's
  scenario::Bindings sets;    ///< given attributes and variables; override the testbed's
  std::string call_id;        ///< only this call
  bool rules_warn = false;    ///< RFC 3261 rule findings warn instead of fail
  bool each = false;          ///< every call of the capture, in bounded memory
  unsigned jobs = 0;          ///< `each`: threads (0: one per core; 1 for a pipe)
  /// Check every call live on this interface instead of reading `capture` (`--live IFACE`):
  /// until `duration` has passed (0: no limit) or hooks.stop_requested() says so (Ctrl-C).
  std::string live;
  std::chrono::milliseconds duration{0};
  std::string save;            ///< `live`: the capture is also written here ("" : not saved)
  std::size_t buffer_mib = 64;  ///< `live`: kernel capture buffer
  /// `live`: called from the calling thread once the capture is open (seconds 0), then about
  /// every 250 ms and once at the end, for a progress line.
  std::function<void(const LiveStats&, double seconds)> on_live;
};

struct CheckResult {
  Outcome outcome = Outcome::bad_input;
  /// One sentence when the outcome is bad_input or environment, or when the capture broke off
  /// after a verdict was reached ("... truncated ...").
  std::string error;
  /// Set once the ladder loaded; the verdicts refer to its steps.
  std::optional<scenario::Scenario> scenario;
  std::optional<checker::Verdict> verdict;     ///< a single check
  std::vector<sip::WireMessage> messages;      ///< a single check: what its verdict indexes
  std::optional<checker::EachSummary> each;    ///< a bulk check (also a live one)
  std::optional<LiveEachResult> live;          ///< a live check: drops, peak open calls ...
  std::uint64_t messages_read = 0;             ///< SIP messages in the capture
};

CheckResult check(const CheckRequest& request, const Hooks& hooks);

// ---------------------------------------------------------------------------------------------
// `ladder run`

struct RunRequest {
  std::vector<std::string> scenarios;  ///< ladder files, run one after another
  std::string testbed;
  /// The run directory: one ladder's files go in it; several ladders get a folder each in it.
  /// Empty: reports/<time>-<ladder> for each.
  std::string out;
  std::string interface;  ///< capture interface override
  bool no_capture = false;  ///< check the engine's own view instead of a capture
  double step_timeout = 5.0;  ///< seconds
  double linger = 0.5;        ///< seconds of capture after the last step
  /// Ring time of every played role (`--ring`), over the testbed's; unset: the testbed's or
  /// the engine's default.
  std::optional<std::chrono::microseconds> ring;
};

/// One ladder played, captured and checked. Its run directory holds capture.pcap (unless
/// no_capture), ladder.txt, report.json, junit.xml and report.html; the reports directory above
/// it (the nearest one named "reports") gets index.html rewritten after every ladder.
struct LadderRun {
  scenario::Scenario scenario;
  checker::Verdict verdict;
  std::string dir;         ///< its run directory
  std::string source;      ///< the capture file, or "the engine's own view (--no-capture)"
  bool interrupted = false;
  double seconds = 0;      ///< wall time of the run, set-up to check
};

struct RunResult {
  Outcome outcome = Outcome::bad_input;
  /// One sentence, when bad_input or environment, or when Ctrl-C stopped the run before every
  /// ladder ran (also while a part of the testbed was starting).
  std::string error;
  std::vector<LadderRun> ladders;  ///< those that ran, in order
  bool interrupted = false;
};

/// Plays each ladder against the testbed, captures the wire, checks the capture and writes the
/// run directory. `on_ladder` is called after each ladder (e.g. to print its verdict).
RunResult run(const RunRequest& request, const Hooks& hooks,
              const std::function<void(const LadderRun&)>& on_ladder);

// ---------------------------------------------------------------------------------------------
// `ladder init`

struct InitRequest {
  std::string capture;        ///< path, or "-"
  std::string call_id;        ///< only this call (default: every message of the capture)
  scenario::RoleMap roles;    ///< names for endpoints
};

struct InitResult {
  Outcome outcome = Outcome::bad_input;
  std::string error;
  std::string yaml;  ///< the drafted ladder
  /// Why a policy was added: the recorded call itself breaks these rules (the draft is checked
  /// against its own capture before it is handed out).
  std::vector<std::string> notes;
};

/// Drafts a ladder from a recorded call and checks it against that capture: passed when the
/// draft passes there (after waiving what the recording itself breaks), failed when it does not.
InitResult init(const InitRequest& request, const Hooks& hooks);

}  // namespace ladder::usecase
