// RFC 3261 rule checks that apply to every SIP message, whatever the ladder says.
// Part of ladder::checker (pure: no Sofia loop, no libpcap).
#pragma once

#include <string>
#include <vector>

#include "core/core.h"
#include "sip/sip.h"

namespace ladder::checker {

/// One broken rule in one message.
struct RuleFinding {
  std::string rule;     ///< "RFC 3261 8.1.1.7"
  std::string header;   ///< the header concerned, or "" for the start line / body
  std::string message;  ///< "branch 'abc123' lacks the magic cookie z9hG4bK"
};

/// Checks one message against the RFC 3261 rules every request or response must follow:
/// mandatory headers, the branch magic cookie, CSeq method, Content-Length against the body
/// (and its presence on stream transports), Content-Type with a body, To tag on responses other
/// than 100, From tag, Max-Forwards range, Contact in INVITE and its 2xx.
/// `full_parse`: also ask Sofia's parser whether the message is well-formed (about 5 us a
/// message); without it only the fast scan's structural problems count.
std::vector<RuleFinding> check_rules(const sip::Message& message, core::Transport transport,
                                     bool full_parse = true);

}  // namespace ladder::checker
