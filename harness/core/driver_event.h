// ladder::core::DriverEvent: what a handset said about itself through its driver (baresip's
// CALL_INCOMING, an Action URL hit, the operator's answer at a prompt), at the time the harness
// got it. Reports show these beside the wire messages: the phone's own view of the call next
// to what went over the wire. Plain data: the engine fills it, the checker carries it, reports
// read it, and none of them depends on another for it.
#pragma once

#include <string>

#include "core/core.h"

namespace ladder::core {

struct DriverEvent {
  TimeNs time = 0;      ///< when the harness got it (the engine's loop clock, like message times)
  std::string role;     ///< the testbed role of the handset: "A"
  std::string driver;   ///< "baresip", "action-uri", "prompt"
  std::string name;     ///< the event as the driver names it: "CALL_INCOMING", "answer"
  std::string detail;   ///< one line, secrets never: "sip:bob@example.test (incoming)"
  std::string call_id;  ///< the SIP Call-ID the event is about, when the driver says
};

}  // namespace ladder::core
