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
};

struct CheckResult {
  Outcome outcome = Outcome::bad_input;
  /// One sentence when the outcome is bad_input or environment, or when the capture broke off
  /// after a verdict was reached ("... truncated ...").
  std::string error;
  /// Set once the ladder loaded; the verdicts refer to its steps.
  std::optional<scenario::Scenario> scenario;
  std::optional<checker::Verdict> verdict;     ///< a single check
  std::optional<checker::EachSummary> each;    ///< a bulk check
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
};

/// One ladder played, captured and checked. Its run directory holds capture.pcap (unless
/// no_capture), ladder.txt, report.json and junit.xml.
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

}  // namespace ladder::usecase
