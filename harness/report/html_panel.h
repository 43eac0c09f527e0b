// The panel of one ladder row: what the step expected beside what its message showed, the
// failures, and the message as on the wire. Private to ladder::report.
#pragma once

#include <string>
#include <vector>

#include "checker/checker.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::report::html {

/// Whether a finding was turned into a warning by the ladder's `policy.waive`.
bool waived(const checker::Failure& f);

/// One row of the ladder: a message, a step, or both.
struct PanelRow {
  std::string id;                                    ///< unique on the page
  const checker::StepResult* step = nullptr;         ///< the step drawn in the row, if any
  const sip::WireMessage* message = nullptr;         ///< the message drawn in the row, if any
  const checker::MessageResult* result = nullptr;    ///< the checker's view of that message
  std::vector<const sip::WireMessage*> copies;       ///< its retransmissions, folded into it
  std::vector<const checker::Failure*> failures;     ///< failures and warnings of the row
};

/// The hidden <div> the script shows when the row is clicked.
std::string row_panel(const scenario::Scenario& scenario, const PanelRow& row,
                      core::TimeNs origin);

}  // namespace ladder::report::html
