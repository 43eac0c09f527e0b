#include "usecase/harness_own.h"

namespace ladder::usecase {

void judge_as_load(const scenario::Scenario& sc, const scenario::Testbed& testbed,
                   std::chrono::milliseconds linger, checker::EachOptions& options) {
  options.played.clear();
  for (const scenario::Role& r : sc.roles) {
    const scenario::TestbedRole* t = testbed.find_role(r.id);
    if (t != nullptr && t->played_by == scenario::PlayedBy::harness) options.played.insert(r.id);
  }
  // The stacks wait that long for an ACK; one that hung up sooner misfired (engine/load.cpp).
  if (linger.count() <= 0) linger = std::chrono::milliseconds(32'000);
  options.played_ack_wait = std::chrono::nanoseconds(linger).count();
}

std::string harness_gave_up_note(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " call" : " calls") +
         " where the harness's own user agent hung up for want of an ACK (\"ACK Timeout\") "
         "sooner than its stack waits for one: its stack misfired on an overloaded loop (Sofia-SIP "
         "1.12.11); unknown, never passed, not held against the device";
}

}  // namespace ladder::usecase
