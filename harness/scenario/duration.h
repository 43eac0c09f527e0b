// Durations as ladder and testbed files write them ("500ms", "2s", "1.5s").
//
// Threading: pure functions on values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ladder::scenario {

using Duration = std::chrono::microseconds;

/// Parses "500ms", "2s", "1.5s", "100us", "1m". Empty on anything else.
std::optional<Duration> parse_duration(std::string_view text);
/// "500ms", "2s", "1.5s": the shortest exact form.
std::string format_duration(Duration d);

}  // namespace ladder::scenario
