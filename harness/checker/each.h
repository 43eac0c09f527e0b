// Checking every instance of a flow in a capture that holds many (`ladder check --each`).
// Part of ladder::checker.
//
// Messages are grouped by Call-ID as they stream in. A call is checked, and its messages freed,
// as soon as each non-optional step has a message with its roles and label; else once `idle`
// of capture time has passed since its last message (64*T1 by default), or at finish(). So
// memory follows the calls in progress, not the capture. Retransmissions that arrive after a
// call was checked are counted, not checked; those of an open call are checked with it and
// counted too. A capture known to have lost packets (EachOptions::capture_lost, a live
// capture's kernel drops) makes a call that failed only by missing messages `unknown`: never
// passed, not blamed on the device. Scenarios whose steps span more than one dialog
// cannot be grouped by Call-ID: use the plain check for them, or say which call each Call-ID
// belongs to (EachOptions::call_of: the load run's Call-IDs carry their call's number).
// Without a role map, messages wait until the roles are inferred from the first call: once it
// has a message per step, has gone idle, or 20,000 messages have waited, whichever comes first.
//
// Threading: an EachChecker is used from one thread. check_each() runs several on as many
// threads, each reading the whole capture itself and taking only its share of the calls (by
// Call-ID), so no message crosses threads: on a two-core VM, handing each call's messages to
// another core cost more than checking them. Every checker sees every message's time, so each
// call is checked at the same moment, with the same messages, whatever the number of threads,
// and the merged summary is the same for any number.
#pragma once

#include <compare>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "checker/checker.h"

namespace ladder::checker {

struct EachOptions {
  CheckOptions check;
  std::size_t keep_failed = 3;  ///< verdicts of the first failed calls kept in full
  core::TimeNs idle = 32'000'000'000;
  /// Whether the capture is known to have lost packets so far (a live capture's kernel drops);
  /// asked, on the checker's thread, when a call fails. While it says yes, a failed call whose
  /// root failures are all missing messages is counted `unknown`, not failed: the capture may
  /// have lost them. Empty: a complete capture (a file).
  std::function<bool()> capture_lost;
  /// Which call a Call-ID belongs to, for a ladder whose steps span several dialogs (a
  /// transfer): messages whose Call-IDs give the same key are one call, checked as a whole. It
  /// returns a view into its argument (e.g. a prefix). Empty: each Call-ID is a call of its own,
  /// and a multi-dialog ladder cannot be checked per call (groupable_by_call_id()).
  std::function<std::string_view(std::string_view call_id)> call_of;
  /// A load run's own roles (those the harness plays), and whether the harness has fallen
  /// behind (datagrams dropped at its own sockets), asked like capture_lost. While it says yes,
  /// a failed call with a root failure at a step one of `played` sends is `unknown`: the
  /// harness's own user agent went wrong (say a UAS whose caller missed the 2xx gives up waiting
  /// for the ACK and hangs up), which says nothing about the device. Empty: never.
  std::set<std::string, std::less<>> played;
  std::function<bool()> harness_behind;
  /// How long the played roles' stacks wait for the ACK of a 2xx they sent (their 64*T1). A
  /// played role that hung up for want of that ACK (its BYE says `Reason: ...;text="ACK
  /// Timeout"`, Sofia-SIP's words) sooner than this gave up early: its stack misfired (Sofia-SIP
  /// 1.12.11's Timer H fires early on an overloaded loop, measured 2 ms to 1 s after the 2xx),
  /// so a call failed at a step a played role sends is then `unknown`, whatever the drop
  /// counters say. 0: never.
  core::TimeNs played_ack_wait = 0;
  /// A load run whose engines register under users of their own (engine 2's B is "bob-2"):
  /// the users of the roles that differ for the call a Call-ID belongs to ("B" -> "bob-2"),
  /// or null for the testbed's own. ${ROLE.user} is then that call's. The maps must live as
  /// long as the function (it may own them). Empty: one set of users for every call.
  std::function<const std::map<std::string, std::string, std::less<>>*(std::string_view call_id)>
      users_of;
};

/// Which calls a checker takes: those whose Call-ID hashes to `index` modulo `count`.
struct Share {
  unsigned index = 0;
  unsigned count = 1;
};

/// When a call was checked, comparable across checkers of the same capture: the arrival (count
/// of messages added before) that completed it or found it idle, then completion before idle
/// sweeps, idle calls by their last message, the end of the capture last; ties by first message.
struct CheckedAt {
  std::uint64_t arrival = 0;
  int phase = 0;  ///< 0 completed, 1 idle, 2 end of capture
  core::TimeNs last = 0;
  std::uint64_t first = 0;  ///< arrival of the call's first message
  auto operator<=>(const CheckedAt&) const = default;
};

/// A message of a failed call kept for the reports (the HTML page draws the call in full).
struct KeptMessage {
  sip::Wire wire;
  std::string bytes;
};

struct FailedCall {
  std::string call_id;  ///< the Call-ID of the call's first message
  Verdict verdict;
  CheckedAt at;
  std::vector<KeptMessage> messages;  ///< what the verdict's message indices point into
};

/// Durations counted in logarithmic bins (kPerDecade per decade from 1 us; bin 0 also holds
/// shorter ones), so the shares of a bulk check merge by adding and memory does not grow with
/// the number of calls. A bin spans a factor of 10^(1/kPerDecade) = 1.26, so a percentile read
/// from the bins is within about 12% of the true value (the geometric middle of its bin).
struct Histogram {
  static constexpr std::size_t kPerDecade = 10;
  static constexpr std::size_t kBins = 9 * kPerDecade;  ///< up to 1000 s; longer go in the last
  std::vector<std::uint64_t> counts;  ///< empty until the first add()
  std::uint64_t total = 0;
  core::TimeNs min = 0, max = 0, sum = 0;
  void add(core::TimeNs duration);
  void merge(const Histogram& other);
  /// The shortest duration of `bin`.
  static core::TimeNs lower(std::size_t bin);
  /// The duration below which a share `q` (0..1) of the values lie, e.g. 0.99 for p99: the
  /// geometric middle of the bin that holds that rank, kept within [min, max] (so exact at the
  /// ends and for a single value; else within the bin's +-12%). 0 when empty.
  core::TimeNs percentile(double q) const;
};

struct EachSummary {
  std::uint64_t calls = 0;             ///< passed + failed + unknown
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  /// Failed only by missing messages while the capture had lost packets (EachOptions::
  /// capture_lost): neither passed nor failed. Never counted as passed.
  std::uint64_t unknown = 0;
  /// Of the unknown: calls a played role's own stack hung up too early (played_ack_wait).
  std::uint64_t harness_gave_up = 0;
  std::uint64_t messages = 0;          ///< SIP messages taken in
  /// Messages of an open call whose transmission it had already (sip::hop_key): resent by
  /// their sender. Those after their call was checked are in `late` instead.
  std::uint64_t retransmissions = 0;
  std::uint64_t outside_roles = 0;     ///< messages whose endpoints are no role (not checked)
  std::uint64_t late = 0;              ///< arrived after their call was checked
  /// "F5 missing" -> count of calls, root failures only (not what follows from them).
  std::map<std::string, std::uint64_t> failures_by_step;
  /// The same for the unknown calls: which steps the capture may have lost.
  std::map<std::string, std::uint64_t> unknown_by_step;
  std::vector<FailedCall> first_failed;
  /// Call set-up time: from a call's first step to the first 2xx to an INVITE that reaches the
  /// caller (the first step's sender; else any such 2xx). Calls without one are not counted.
  Histogram setup;
  /// Each step's latency after its trigger (the step that lets its sender act), by step id.
  std::map<std::string, Histogram> latency_by_step;
  std::vector<std::string> notes;
  scenario::RoleMap roles;
  /// The verdict of the whole bulk check: at least one call, and none failed or unknown.
  bool all_passed() const { return failed == 0 && unknown == 0 && calls > 0; }
};

class EachChecker {
 public:
  /// `scenario` must outlive the checker.
  EachChecker(const scenario::Scenario& scenario, EachOptions options, Share share = {});
  ~EachChecker();
  EachChecker(EachChecker&&) noexcept;
  EachChecker& operator=(EachChecker&&) noexcept;

  /// Takes the next message in capture order. Every message of the capture must be added, also
  /// those outside the share: their time drives the idle sweep.
  void add(sip::WireMessage message);
  /// The same for a message not parsed yet; it is parsed only when its call is in the share.
  void add(const sip::WireBytes& message);
  /// End of the capture: checks every call still open.
  void finish();
  const EachSummary& summary() const;
  /// Calls taken in and not checked yet (what the checker's memory follows).
  std::size_t open_calls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Feeds every message of a capture, in order, to a checker.
using Feed = std::function<void(const sip::WireBytes&)>;
/// Reads the whole capture into `feed`; called once per job, on that job's thread, with the
/// job's number (0 .. jobs-1). Job 0 is the one to report diagnostics.
using Reader = std::function<void(unsigned job, const Feed& feed)>;

/// Checks every call with `jobs` EachCheckers, one per thread (job 0 on the calling thread),
/// each given a Share of the calls, and merges their summaries. An exception in any job is
/// rethrown here after all have stopped.
EachSummary check_each(const scenario::Scenario& scenario, const EachOptions& options,
                       unsigned jobs, const Reader& read);

/// Whether `scenario` can be checked per Call-ID (all its dialog steps share one dialog label).
bool groupable_by_call_id(const scenario::Scenario& scenario);

}  // namespace ladder::checker
