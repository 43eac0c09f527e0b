// ladder::draft: a ladder drafted from a recorded call (`ladder init`, issue 12): record on the
// bench, assert in CI.
//
// Roles are named from the endpoints (A, B, C ... in order of appearance; a role that forwards
// requests is a proxy, P), or as given. Every message becomes a step F1..Fn in capture order,
// except 100 Trying and retransmissions (expected noise to the checker). Forwards (a proxy's
// copy of a request or response it received) and dialogs (the Call-ID of a transaction that got
// a 2xx) are detected; responses name the request they answer. The headers that identify the
// flow are kept as expectations (Refer-To's user, Replaces, the Event package, the body's type
// and SDP direction); what changes from call to call (tags, branches, Call-IDs, ports, CSeq
// numbers) is not pinned.
//
// Pure: messages in, YAML text out. Threading: no shared state.
#pragma once

#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::draft {

struct DraftOptions {
  scenario::RoleMap roles;  ///< names given on the command line; the others are made up
  std::string name;         ///< the ladder's name
  std::string source;       ///< what it was drafted from, for the header comment
};

struct DraftRole {
  std::string id;
  std::vector<core::Endpoint> endpoints;  ///< the first is where it was first seen
  bool proxy = false;
};

struct DraftHeader {
  std::string name;
  std::string yaml;  ///< the expectation as a YAML flow value: "present", "{uri: {user: bob}}"
};

struct DraftStep {
  std::string id;
  std::string from, to;
  bool request = true;
  std::string method;  ///< requests
  int status = 0;      ///< responses
  std::string dialog;  ///< label, or empty
  std::string forwards, answers;  ///< step ids, or empty
  std::vector<DraftHeader> headers;
  std::string content_type;     ///< media type of a body, or empty
  std::string sdp_direction;    ///< "a=sendonly" ..., or empty
  std::uint64_t frame = 0;      ///< where it came from, for a comment
  bool triggers_nothing = false;  ///< a provisional response (not 100rel) or an ACK
};

struct Draft {
  std::string name;
  std::string source;
  std::vector<DraftRole> roles;
  std::vector<std::string> dialogs;  ///< labels, all `new`
  std::vector<DraftStep> steps;
  /// Groups of step ids whose order is free: what a UA receives that makes it do nothing (a
  /// provisional response, an ACK) beside what that UA sends after it.
  std::vector<std::vector<std::string>> any_order;
  bool proxy_record_routes = true;   ///< a proxy added Record-Route to what it forwarded
  std::vector<std::string> waive;    ///< failure kinds the recorded call itself shows
  std::vector<std::string> waive_why;  ///< one line each, for the comment
  std::vector<std::string> notes;    ///< what was left out and why
};

/// Drafts a ladder from `messages` (capture order; one call or all of a capture).
Draft make_draft(const std::vector<sip::WireMessage>& messages, const DraftOptions& options);

/// The draft as a ladder file.
std::string to_yaml(const Draft& draft);

}  // namespace ladder::draft
