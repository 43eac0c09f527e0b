// ladder::report: what people and CI read.
//
// Text renderers are plain functions returning strings; the CLI decides where they go. The JSON
// writer is the only code that includes nlohmann/json.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "capture/capture.h"
#include "checker/checker.h"
#include "checker/each.h"
#include "core/core.h"
#include "report/html.h"  // the HTML pages and the run index
#include "core/driver_event.h"
#include "trace/trace.h"

namespace ladder::report {

struct LadderOptions {
  core::TimeNs origin = 0;  ///< times are printed relative to this
  std::size_t max_lanes = 6;  ///< more endpoints than this: one "src -> dst" line per message
  std::size_t lane_gap = 24;  ///< columns between two lanes
};

/// A text ladder of SIP messages, in the order given: frame, relative time, arrows between
/// endpoint lanes labelled with the method or status, then CSeq, short Call-ID and the
/// Request-URI; retransmitted, malformed and incomplete messages are marked.
std::string render_ladder(const std::vector<trace::Record>& records, const LadderOptions& options);

/// One line per call: Call-ID, first and last time, message count, retransmissions, method,
/// final status.
std::string render_calls(const std::vector<trace::CallSummary>& calls, core::TimeNs origin);

/// "81 SIP messages in 691 frames; skipped: 498 non-SIP payloads, 44 non-IP frames ..."
std::string render_stats(const capture::DecodeStats& stats);

/// One JSON object on one line (JSON Lines), stable field names (documented in README.md).
std::string record_json(const trace::Record& record, core::TimeNs origin);
std::string call_json(const trace::CallSummary& call, core::TimeNs origin);

// ---------------------------------------------------------------------------------------------
// Verdicts of `check` and `run`

struct VerdictOptions {
  std::string title;             ///< e.g. the capture file, shown beside the scenario name
  std::size_t max_warnings = 20;  ///< terminal only; JSON and JUnit carry all
  /// Also list the failures that follow from a root failure under it (`--all`, `-v`); by
  /// default only their count is shown.
  bool consequences = false;
};

/// "F3: Max-Forwards: one less (forward of F1): expected 69, seen 70 (frame 5 at 0.000412)"
std::string failure_text(const checker::Failure& f, core::TimeNs origin);

/// One driven handset's event, for a terminal or a log: "0.012345  A (baresip) CALL_INCOMING
/// sip:bob@example.test (incoming)".
std::string driver_event_text(const core::DriverEvent& event, core::TimeNs origin);

/// The verdict as a terminal ladder: roles as lanes, each step's arrow marked ok / FAIL / MISS /
/// skip with its frame and time (and "<- F4" when it only failed because F4 did), then the root
/// failures, each with the count (or, with options.consequences, the list) of the failures that
/// follow from it, then warnings, notes and a one-line result.
std::string render_verdict(const scenario::Scenario& scenario, const checker::Verdict& verdict,
                           const VerdictOptions& options);

/// One verdict as a JSON document (schema in README.md, "JSON report").
std::string verdict_json(const scenario::Scenario& scenario, const checker::Verdict& verdict,
                         const std::string& capture);

/// One verdict among several, with what it was checked from.
struct VerdictOf {
  const scenario::Scenario* scenario = nullptr;
  const checker::Verdict* verdict = nullptr;
  std::string capture;
};
/// Several verdicts (`ladder run --json`) as one JSON array of verdict_json() documents.
std::string verdicts_json(const std::vector<VerdictOf>& verdicts);

/// The result of `check --each` for a terminal: the first failed calls in full, failures by
/// step, notes and a one-line result.
std::string render_each(const scenario::Scenario& scenario, const checker::EachSummary& summary,
                        const std::string& capture);

/// Why `summary`'s unknown calls are unknown, as a phrase: the capture lost packets, the
/// harness's own user agents fell behind, or their stack hung up early (EachSummary's counts
/// tell the last apart). Unknown is never passed.
std::string unknown_cause(const checker::EachSummary& summary);

/// The result of `check --each` as a JSON document: counts, failures by step, the first failed
/// calls' verdicts in full.
std::string each_json(const scenario::Scenario& scenario, const checker::EachSummary& summary,
                      const std::string& capture);

/// What a load run (`ladder run --calls`) counted besides the per-call check.
struct LoadFigures {
  std::uint64_t attempted = 0;  ///< calls the engines started
  double achieved_rate = 0;     ///< calls started per second
  unsigned engines = 0;
  std::uint64_t engine_completed = 0, engine_failed = 0;
  std::vector<std::string> engine_errors;
  std::uint64_t unknown = 0;  ///< started, not found in the capture: never "passed"
  std::uint64_t frames = 0, kernel_drops = 0, retransmissions = 0;
  std::uint64_t generator_drops = 0;  ///< at the harness's own sockets
  std::vector<std::string> notes;
};

/// A load run as a JSON document: {"load": {...}, "check": each_json's object} ("check" only
/// when the capture was checked call by call).
std::string load_json(const LoadFigures& load, const scenario::Scenario* scenario,
                      const checker::EachSummary* summary, const std::string& capture);

/// A JUnit XML test case for one verdict (one scenario or one instance of it).
struct JunitCase {
  std::string suite;  ///< classname: "ladder.<scenario>"
  std::string name;   ///< the scenario, or "<scenario> call <Call-ID>" with --each
  double seconds = 0;
  bool passed = false;
  bool skipped = false;
  std::string failure_message;  ///< first failure, one line
  std::string failure_text;     ///< every failure
  std::string system_out;       ///< what driven handsets reported, one event a line
  /// <properties> of the test case (name, value), e.g. the latency percentiles of --each.
  std::vector<std::pair<std::string, std::string>> properties;
};
JunitCase junit_case(const scenario::Scenario& scenario, const checker::Verdict& verdict,
                     const std::string& name);
/// JUnit cases of `check --each`: one per failed call kept in full, then one for every call,
/// whose properties carry the counts and the p50/p95/p99 timings in ms ("setup_p95_ms",
/// "F3_p99_ms" ...).
std::vector<JunitCase> each_junit_cases(const scenario::Scenario& scenario,
                                        const checker::EachSummary& summary);
/// A whole JUnit XML document for these cases.
std::string junit_xml(const std::string& suite_name, const std::vector<JunitCase>& cases);
/// One <testsuite> of a document.
struct JunitSuite {
  std::string name;
  std::vector<JunitCase> cases;
};
/// A JUnit XML document with one <testsuite> per suite, in order (a folder run: one per ladder
/// file, named by its path relative to the folder, so that shards' files merge without clashes).
std::string junit_xml(const std::vector<JunitSuite>& suites);

}  // namespace ladder::report
