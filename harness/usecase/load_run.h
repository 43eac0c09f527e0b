// `ladder run LADDER --testbed T --calls N --rate R[:R2] [--concurrency C] [--duration D]`:
// one ladder played as load by the engine's load mode (engine/load.h), the wire captured to the
// run directory's capture.pcap and every call checked while it is taken (usecase/live_each.h),
// so the verdict is ready when the load stops.
//
// Threading: run_load() runs in the calling thread; the engines and the checking thread are
// their own and joined before it returns. on_progress is called from the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checker/each.h"
#include "scenario/scenario.h"
#include "usecase/usecase.h"

namespace ladder::usecase {

struct LoadRequest {
  std::string scenario;  ///< one ladder file
  std::string testbed;
  std::string out;        ///< run directory; empty: reports/<time>-<ladder>-load
  std::string interface;  ///< capture interface override
  double step_timeout = 5.0;  ///< seconds
  std::optional<std::chrono::microseconds> ring;
  std::uint64_t calls = 0;
  double rate = 10;
  std::optional<double> rate_end;
  std::chrono::milliseconds duration{0};
  std::uint64_t concurrency = 0;
  unsigned engines = 0;
};

/// A snapshot while the load runs.
struct LoadProgress {
  std::uint64_t started = 0, completed = 0, failed = 0, in_progress = 0;  ///< engines' view
  double elapsed_s = 0;
  std::uint64_t passed = 0, checked_failed = 0;  ///< checked from the capture so far
  std::uint64_t frames = 0, kernel_drops = 0;    ///< of the capture so far
};

struct LoadRunResult {
  Outcome outcome = Outcome::bad_input;
  std::string error;  ///< one sentence when bad_input or environment
  std::optional<scenario::Scenario> scenario;
  std::string dir, capture;  ///< the run directory and its capture file
  std::uint64_t attempted = 0;              ///< calls the engines started
  std::uint64_t engine_completed = 0, engine_failed = 0;
  std::vector<std::string> engine_errors;   ///< the first few, "call 17: ..."
  double achieved_rate = 0;                 ///< calls started per second, first to last start
  unsigned engines = 0;
  std::optional<checker::EachSummary> each;  ///< every call of the capture checked
  /// Calls started that the check did not find in the capture (lost by it): never "passed".
  std::uint64_t unknown = 0;
  std::uint64_t frames = 0, kernel_drops = 0, retransmissions = 0;
  /// Datagrams dropped at the played roles' own sockets (the harness could not keep up).
  std::uint64_t generator_drops = 0;
  std::vector<std::string> notes;
  double seconds = 0;  ///< wall time, set-up to check
};

LoadRunResult run_load(const LoadRequest& request, const Hooks& hooks,
                       const std::function<void(const LoadProgress&)>& on_progress);

}  // namespace ladder::usecase
