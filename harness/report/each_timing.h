// The timings of `check --each` as every report shows them: call set-up, then each step's
// latency after its trigger, in ladder order, with p50/p95/p99 from the checker's histograms.
// Private to ladder::report.
#pragma once

#include <string>
#include <vector>

#include "checker/each.h"
#include "scenario/scenario.h"

namespace ladder::report::detail {

struct Timing {
  std::string key;    ///< "setup", or the step id
  std::string after;  ///< the trigger's step id ("" for set-up)
  std::string title;  ///< "call set-up (first step to the INVITE's 2xx at the caller)", "F3 INVITE P -> B after F1"
  const checker::Histogram* histogram = nullptr;
};

/// Set-up first (when any call had one), then the steps with a latency, in ladder order.
std::vector<Timing> each_timings(const scenario::Scenario& scenario,
                                 const checker::EachSummary& summary);

/// Milliseconds with three significant figures or so: "0.123", "12.3", "1234".
std::string milliseconds(core::TimeNs t);

/// "p50 1.23 ms, p95 4.56 ms, p99 7.89 ms (1500 values, max 12.3 ms)"
std::string percentiles_text(const checker::Histogram& h);

}  // namespace ladder::report::detail
