// What a load run's own user agents did that is not held against the device under test, judged
// alike while the load runs (usecase/load_run.cpp) and when its capture is checked again
// (`ladder check --each --testbed T`, usecase/check.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "checker/each.h"
#include "scenario/scenario.h"
#include "scenario/testbed.h"

namespace ladder::usecase {

/// The ladder's roles that `testbed` has the harness play.
std::set<std::string, std::less<>> played_roles(const scenario::Scenario& sc,
                                                const scenario::Testbed& testbed);

/// Sets `played` and `played_ack_wait` for a capture of a load run with `testbed`: a call that
/// failed at a step the harness sends, after one of its user agents hung up for want of an ACK
/// sooner than a load run's stack waits for one, is unknown (checker/each.h).
void judge_as_load(const scenario::Scenario& sc, const scenario::Testbed& testbed,
                   checker::EachOptions& options);

/// The report's note for `n` (> 0) such calls.
std::string harness_gave_up_note(std::uint64_t n);

}  // namespace ladder::usecase
