// Checking every instance of a flow in a capture that holds many (`ladder check --each`).
// Part of ladder::checker.
//
// Messages are grouped by Call-ID as they stream in. A call is checked, and its messages freed,
// as soon as each non-optional step has a message with its roles and label; else after `idle`
// of capture time without a message (64*T1 by default), or at finish(). So memory follows the
// calls in progress, not the capture. Retransmissions that arrive after a call was checked are
// counted, not checked. Scenarios whose steps span more than one dialog cannot be grouped by
// Call-ID: use the plain check for them.
//
// Threading: add() and finish() are called from one thread. With `jobs` > 1, finished calls are
// checked on `jobs` - 1 worker threads and, when their queue is full, on the calling thread
// itself (check() is a pure function of its inputs; each call's messages move to exactly one
// thread). Outcomes are merged in the order the calls finished, so the summary, the counts and
// the "first failed" calls are the same for any `jobs`. The queue is bounded, so is memory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checker/checker.h"

namespace ladder::checker {

struct EachOptions {
  CheckOptions check;
  std::size_t keep_failed = 3;  ///< verdicts of the first failed calls kept in full
  core::TimeNs idle = 32'000'000'000;
  unsigned jobs = 1;  ///< threads checking finished calls, the caller's included; 1: inline
};

struct FailedCall {
  std::string call_id;
  Verdict verdict;
};

struct EachSummary {
  std::uint64_t calls = 0;
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  std::uint64_t messages = 0;          ///< SIP messages taken in
  std::uint64_t outside_roles = 0;     ///< messages whose endpoints are no role (not checked)
  std::uint64_t late = 0;              ///< arrived after their call was checked
  std::map<std::string, std::uint64_t> failures_by_step;  ///< "F5 missing" -> count
  std::vector<FailedCall> first_failed;
  std::vector<std::string> notes;
  scenario::RoleMap roles;
};

class EachChecker {
 public:
  /// `scenario` must outlive the checker.
  EachChecker(const scenario::Scenario& scenario, EachOptions options);
  ~EachChecker();
  EachChecker(EachChecker&&) noexcept;
  EachChecker& operator=(EachChecker&&) noexcept;

  /// Takes the next message in capture order.
  void add(Observed message);
  /// End of the capture: checks every call still open.
  void finish();
  const EachSummary& summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Whether `scenario` can be checked per Call-ID (all its dialog steps share one dialog label).
bool groupable_by_call_id(const scenario::Scenario& scenario);

}  // namespace ladder::checker
