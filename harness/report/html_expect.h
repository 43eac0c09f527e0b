// A step's expectations beside what its message showed. Private to ladder::report.
#pragma once

#include <string>
#include <vector>

#include "checker/checker.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::report::html {

struct ExpectContext {
  const sip::Message* message = nullptr;  ///< the message that satisfied the step, if any
  std::string src_role, dst_role;
  std::vector<const checker::Failure*> failures;  ///< the step's failures
};

/// A table: each expectation of `step`, what was expected, what was seen, ok or failed.
std::string expectations_table(const scenario::Scenario& scenario, const scenario::Step& step,
                               const ExpectContext& context);

}  // namespace ladder::report::html
