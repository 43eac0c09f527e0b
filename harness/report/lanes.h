// Drawing arrows between vertical lanes, shared by the capture ladder (`show`) and the verdict
// ladder (`check`, `run`). Private to ladder::report.
#pragma once

#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace ladder::report {

/// The lanes of a ladder drawing: roles in the order they first appear in the steps (A, P, B
/// as a vendor ladder draws them), then the scenario's roles that no step uses.
std::vector<std::string> lane_order(const scenario::Scenario& scenario);

class Lanes {
 public:
  /// `titles` name the lanes left to right; `gap` columns between two lanes.
  Lanes(std::vector<std::string> titles, std::size_t gap);

  /// The title row, each title starting above its lane.
  std::string title_row() const;
  /// A row with an arrow from lane `from` to lane `to` labelled `label` (a mark beside the lane
  /// when from == to).
  std::string arrow(std::size_t from, std::size_t to, const std::string& label) const;
  /// A row with only the lanes.
  std::string blank() const;

 private:
  std::vector<std::string> titles_;
  std::size_t gap_;
  std::size_t width_;
};

}  // namespace ladder::report
