#include "usecase/harness_own.h"

#include <chrono>

#include "engine/load.h"

namespace ladder::usecase {

std::set<std::string, std::less<>> played_roles(const scenario::Scenario& sc,
                                                const scenario::Testbed& testbed) {
  std::set<std::string, std::less<>> played;
  for (const scenario::Role& r : sc.roles) {
    const scenario::TestbedRole* t = testbed.find_role(r.id);
    if (t != nullptr && t->played_by == scenario::PlayedBy::harness) played.insert(r.id);
  }
  return played;
}

void judge_as_load(const scenario::Scenario& sc, const scenario::Testbed& testbed,
                   checker::EachOptions& options) {
  options.played = played_roles(sc, testbed);
  // A load run's stacks wait its transaction linger (their 64*T1) for an ACK; one that hung up
  // sooner misfired (engine/load.cpp).
  std::chrono::nanoseconds wait = engine::LoadOptions{}.transaction_linger;
  options.played_ack_wait = wait.count();
}

std::string harness_gave_up_note(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " call" : " calls") +
         " where the harness's own user agent hung up for want of an ACK (\"ACK Timeout\") "
         "sooner than its stack waits for one: its stack misfired on an overloaded loop (Sofia-SIP "
         "1.12.11); unknown, never passed, not held against the device";
}

}  // namespace ladder::usecase
