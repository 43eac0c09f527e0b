// Checking a live capture call by call while a load runs (`ladder run --calls`, `ladder check
// --live`). Part of ladder::usecase.
//
// LiveEach opens a live capture filtered to the role map's ports (every address of every role:
// a load gives a role one address per engine) with a big kernel buffer in block mode, and runs
// one thread of its own that reads the frames, writes them to the pcap as taken, decodes them
// (the file path's Decoder: fragments, TCP reassembly) and feeds a checker::EachChecker. The
// checker checks and frees a call as soon as it has a message for every step, or once it has
// been idle for EachOptions::idle of capture time, so memory follows the calls in progress,
// not the length of the load.
//
// The rule for lost packets: a call the capture lost is unknown, never passed. Once the kernel
// has dropped frames (pcap_stats: ps_drop, ps_ifdrop) or a TCP stream had a hole, a failed call
// whose root failures are all missing messages is counted `unknown`, not failed: the capture
// may have lost exactly those messages. A call with any other root failure (a wrong header, an
// order the device broke ...) still fails, and an unknown call is never a pass: the summary's
// all_passed() is false while anything is unknown. The report states the rule when it applied.
//
// Threading: start() and finish() on one thread (the caller's); stats() from any thread. The
// checking thread owns the capture, the decoder, the writer and the checker until finish()
// joins it. Every wait has a deadline: the thread polls with a short timeout, finish() drains
// for at most the time given.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "checker/each.h"
#include "scenario/scenario.h"

namespace ladder::usecase {

struct LiveEachOptions {
  std::string interface = "lo";
  std::string pcap_path;      ///< the capture saved as taken ("" : not saved)
  checker::EachOptions each;  ///< role map in each.check (its ports make the capture filter)
  std::size_t buffer_mib = 64;  ///< kernel capture buffer
  /// Datagrams the load generator's own sockets dropped so far (the harness could not keep
  /// up: usecase/socket_drops.h), asked on the checking thread with the kernel's capture drops.
  /// While above zero, a call that failed only by missing messages is unknown, as for a capture
  /// loss: the generator may have missed what it should have answered. Empty: none.
  std::function<std::uint64_t()> generator_drops;
};

/// A snapshot, safe to take from any thread.
struct LiveStats {
  std::uint64_t messages = 0, passed = 0, failed = 0, open = 0, kernel_drops = 0;
  std::uint64_t unknown = 0;
  std::uint64_t frames = 0;  ///< frames taken from the kernel
};

struct LiveEachResult {
  checker::EachSummary summary;  ///< counts, failures by step, percentiles; notes say the rule
  std::uint64_t unknown = 0;     ///< calls the capture may have lost (never "passed")
  std::uint64_t kernel_drops = 0, retransmissions = 0;
  std::uint64_t generator_drops = 0;  ///< LiveEachOptions::generator_drops at the end
  std::uint64_t frames = 0;      ///< frames taken from the kernel
  std::uint64_t peak_open = 0;   ///< most calls open in the checker at once
  /// Why the capture broke off early (the checker has what came before), else empty.
  std::string error;
  std::vector<std::string> notes;
  /// At least one call, none failed or unknown, and the capture ran to the end.
  bool all_passed() const { return error.empty() && summary.all_passed(); }
};

/// The BPF filter for a role map: the ports of every role address (the hosts of those bound to
/// any port), plus IP fragments after the first, which carry no ports. "" for an empty map.
std::string live_filter(const scenario::RoleMap& roles);

class LiveEach {
 public:
  /// Opens the capture and starts the checking thread; the scenario is copied. Errors are one
  /// sentence: an environment error when the capture cannot be opened ("capture on lo not
  /// permitted: ...", "capture on eth9: no such interface"), an input error when the scenario
  /// cannot be checked per Call-ID or the pcap file cannot be created.
  static std::expected<std::unique_ptr<LiveEach>, std::string> start(
      const scenario::Scenario& scenario, LiveEachOptions options);
  ~LiveEach();  ///< stops without draining if finish() was not called
  LiveEach(const LiveEach&) = delete;
  LiveEach& operator=(const LiveEach&) = delete;

  LiveStats stats() const;
  /// The load is over: reads what the kernel still holds until the capture has been quiet for
  /// a moment or `drain` has passed, checks every call still open, joins the thread. Once.
  LiveEachResult finish(std::chrono::milliseconds drain);

 private:
  struct Impl;
  explicit LiveEach(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ladder::usecase
