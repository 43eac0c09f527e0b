// The HTML reports: one self-contained page per verdict (an SVG ladder of what was expected
// beside what was seen), one per bulk check (`--each`), and the run index. Part of
// ladder::report; included by report/report.h.
//
// Every page is one file with its CSS, script and SVG inline: no network at view time, so it
// opens from a mail attachment. The ladder is drawn here, in C++, so the page reads without
// script; the script only adds the message panel on click, scrolling to the first divergence and
// a self-check (`#selftest`) the browser test reads.
//
// Threading: pure functions over values.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "checker/each.h"
#include "core/core.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::report {

struct HtmlVerdict {
  const scenario::Scenario* scenario = nullptr;
  const checker::Verdict* verdict = nullptr;
  /// The observed messages the verdict's indices point into, in capture order.
  std::span<const sip::WireMessage> messages;
  std::string capture;  ///< shown in the heading; linked when `capture_link` is set
  std::string capture_link;  ///< relative link to the capture, e.g. "capture.pcap"
  std::string title;         ///< e.g. "call 1234@host"; the scenario name when empty
  // Driven handsets' events (verdict->driver_events) are drawn as notes on their role's lane.
};

/// One verdict as a whole HTML page.
std::string verdict_html(const HtmlVerdict& in);

/// The result of `check --each` as a whole HTML page: counts, failures by step, histograms of
/// set-up time and of each step's latency, and the first failed calls drawn in full.
std::string each_html(const scenario::Scenario& scenario, const checker::EachSummary& summary,
                      const std::string& capture);

/// The run index: one row per run directory under `reports_dir` that holds a report.json, newest
/// first, with links to its report.html and capture. Read from the JSON reports, so it always
/// agrees with them. Unexpected: the directory cannot be listed.
std::string index_html(const std::string& reports_dir);

/// Rewrites `reports_dir`/index.html; returns the error, or "" on success.
std::string write_index(const std::string& reports_dir);

}  // namespace ladder::report
