// What a load run's own user agents did that is not held against the device under test, judged
// alike while the load runs (usecase/load_run.cpp) and when its capture is checked again
// (`ladder check --each --testbed T`, usecase/check.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "checker/each.h"
#include "scenario/scenario.h"
#include "scenario/testbed.h"

namespace ladder::usecase {

/// Sets `played` (the ladder's roles `testbed` has the harness play) and `played_ack_wait` for
/// a capture of a load run with `testbed` whose stacks kept a transaction `linger` (their
/// 64*T1; 0: Sofia-SIP's 32 s): a call that failed at a step the harness sends, after one of
/// its user agents hung up for want of an ACK sooner than that, is unknown (checker/each.h).
void judge_as_load(const scenario::Scenario& sc, const scenario::Testbed& testbed,
                   std::chrono::milliseconds linger, checker::EachOptions& options);

/// The report's note for `n` (> 0) such calls.
std::string harness_gave_up_note(std::uint64_t n);

}  // namespace ladder::usecase
