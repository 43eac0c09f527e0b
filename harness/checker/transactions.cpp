// Rules that hold across messages rather than in one: a CANCEL and its INVITE (RFC 3261 9.1),
// the ACK for a non-2xx and its INVITE (17.1.1.3), and the uniqueness of the branch that starts
// a new transaction (8.1.1.7 for the UAC; 16.6 step 8 for the Via a proxy adds to a forward).
// Like the per-message rules they apply to every message between the roles, in the ladder or
// not; a finding fails the step of the message that breaks the rule (a warning for a message no
// step describes, or when rules only warn).
#include <algorithm>

#include "checker/context.h"
#include "checker/expect.h"

namespace ladder::checker {
namespace {

void rule_failure(Context& c, std::size_t i, std::string rule, std::string header,
                  std::string expected, std::string seen, std::string sentence) {
  Failure f;
  f.kind = core::FailureKind::rule;
  f.header = std::move(header);
  f.expected = std::move(expected);
  f.seen = std::move(seen);
  f.message = std::move(rule) + ": " + std::move(sentence);
  std::optional<std::size_t> step = c.step_of[i];
  f.warning = !c.options.rules_fail || !step;
  c.fail(step ? *step : npos, i, std::move(f));
}

bool checked(const Context& c, std::size_t i) {
  const MessageResult& m = c.info(i);
  return !m.src_role.empty() && !m.dst_role.empty() && !m.retransmission_of;
}

bool same_hop(const Context& c, std::size_t a, std::size_t b) {
  return c.msg(a).src == c.msg(b).src && c.msg(a).dst == c.msg(b).dst;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive, and blind to LWS: "SIP / 2.0 / udp" is "SIP/2.0/UDP".
bool same_token_text(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto skip = [](std::string_view v, std::size_t& k) {
    while (k < v.size() && (v[k] == ' ' || v[k] == '\t' || v[k] == '\r' || v[k] == '\n')) ++k;
  };
  for (;;) {
    skip(a, i);
    skip(b, j);
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (lower(a[i++]) != lower(b[j++])) return false;
  }
}

// Two parsed Vias with the same sent-protocol, sent-by and parameters (RFC 3261 20.42, 25.1).
bool same_via(const sip::Via& a, const sip::Via& b) {
  return same_token_text(a.protocol, b.protocol) && same_token_text(a.host, b.host) &&
         a.port == b.port && a.params == b.params;
}

std::string quoted(std::optional<std::string_view> v) {
  return v ? "'" + std::string(*v) + "'" : std::string("absent");
}

// The INVITE that a CANCEL or ACK on the same hop refers to: the latest one before it with its
// Call-ID and CSeq number, else with its top Via branch (a CANCEL that got the CSeq wrong).
std::optional<std::size_t> invite_of(const Context& c, std::size_t i) {
  const sip::Summary& r = c.msg(i).message.summary();
  std::optional<std::size_t> by_cseq, by_branch;
  for (std::size_t j = 0; j < i; ++j) {
    const sip::Summary& s = c.msg(j).message.summary();
    if (!s.is_request || s.method != "INVITE" || !checked(c, j) || !same_hop(c, i, j)) continue;
    if (s.call_id == r.call_id && s.cseq == r.cseq) by_cseq = j;
    if (!r.via_branch.empty() && s.via_branch == r.via_branch) by_branch = j;
  }
  return by_cseq ? by_cseq : by_branch;
}

// RFC 3261 9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields
// in the CANCEL request MUST be identical to those in the request being cancelled, including
// tags. ... [it] MUST have a single Via header field value matching the top Via value in the
// request being cancelled."
void check_cancel(Context& c, std::size_t i) {
  std::optional<std::size_t> j = invite_of(c, i);
  if (!j) return;  // the INVITE is not in the capture
  const sip::Message& cancel = c.msg(i).message;
  const sip::Message& invite = c.msg(*j).message;
  const std::string at = " (frame " + std::to_string(c.msg(*j).frame) + ")";
  auto differ = [&](const char* header, std::optional<std::string_view> want,
                    std::optional<std::string_view> seen, bool name_addr) {
    if (want == seen) return;
    if (want && seen && name_addr) {
      ValueParts a = split_value(header, *want), b = split_value(header, *seen);
      auto ua = sip::parse_uri(a.uri), ub = sip::parse_uri(b.uri);
      if (a.params == b.params && (a.uri == b.uri || (ua && ub && sip::same_uri(*ua, *ub)))) {
        return;
      }
    }
    rule_failure(c, i, "RFC 3261 9.1", header, quoted(want), quoted(seen),
                 std::string("the CANCEL's ") + header + " must equal its INVITE's" + at +
                     ": expected " + quoted(want) + ", seen " + quoted(seen));
  };
  const sip::Summary& cs = cancel.summary();
  const sip::Summary& is = invite.summary();
  if (cs.request_uri != is.request_uri) {
    auto a = sip::parse_uri(is.request_uri), b = sip::parse_uri(cs.request_uri);
    if (!a || !b || !sip::same_uri(*a, *b)) {
      differ("Request-URI", is.request_uri, cs.request_uri, false);
    }
  }
  differ("Call-ID", is.call_id, cs.call_id, false);
  differ("From", invite.header_view("From"), cancel.header_view("From"), true);
  differ("To", invite.header_view("To"), cancel.header_view("To"), true);
  if (cs.cseq != is.cseq) {
    rule_failure(c, i, "RFC 3261 9.1", "CSeq", std::to_string(is.cseq), std::to_string(cs.cseq),
                 "the CANCEL's CSeq number must equal its INVITE's" + at + ": expected " +
                     std::to_string(is.cseq) + ", seen " + std::to_string(cs.cseq));
  }
  sip::Views cv = cancel.header_views("Via");
  std::optional<std::string_view> top = invite.header_view("Via");
  bool same_top = cv.size() == 1 && top && cv[0] == *top;
  if (!same_top && cv.size() == 1 && top) {
    std::vector<sip::Via> a = invite.vias(), b = cancel.vias();
    same_top = !a.empty() && b.size() == 1 && same_via(a[0], b[0]);
  }
  if (!same_top) {
    std::string seen;
    for (std::string_view v : cv) seen += (seen.empty() ? "" : ", ") + std::string(v);
    rule_failure(c, i, "RFC 3261 9.1", "Via", quoted(top), "[" + seen + "]",
                 "the CANCEL must carry one Via, its INVITE's top Via" + at + ": expected " +
                     quoted(top) + ", seen [" + seen + "]");
  }
}

// The final status of the INVITE at `j`, from a response on the reverse hop; 0 when none.
int final_status(const Context& c, std::size_t j, std::size_t before) {
  const sip::Summary& inv = c.msg(j).message.summary();
  int status = 0;
  for (std::size_t k = j + 1; k < before; ++k) {
    const sip::Summary& s = c.msg(k).message.summary();
    if (s.is_request || s.status < 200 || s.cseq_method != "INVITE" || s.cseq != inv.cseq ||
        s.via_branch != inv.via_branch || s.call_id != inv.call_id) {
      continue;
    }
    if (c.msg(k).src == c.msg(j).dst && c.msg(k).dst == c.msg(j).src) status = s.status;
  }
  return status;
}

// RFC 3261 17.1.1.3: "If the INVITE request whose response is being acknowledged had Route
// header fields, those header fields MUST appear in the ACK."
void check_non_2xx_ack(Context& c, std::size_t i) {
  std::optional<std::size_t> j = invite_of(c, i);
  if (!j) return;
  const sip::Message& ack = c.msg(i).message;
  const sip::Message& invite = c.msg(*j).message;
  if (ack.summary().via_branch != invite.summary().via_branch) return;  // a 2xx's ACK
  int status = final_status(c, *j, i);
  if (status < 300) return;
  sip::Views want = invite.header_views("Route"), seen = ack.header_views("Route");
  if (want == seen) return;
  std::vector<sip::NameAddr> a = invite.routes(), b = ack.routes();
  bool same = a.size() == b.size() && a.size() == want.size() && b.size() == seen.size();
  for (std::size_t k = 0; same && k < a.size(); ++k) {
    same = sip::same_uri(a[k].uri, b[k].uri) && a[k].params == b[k].params;
  }
  if (same) return;
  auto list = [](const sip::Views& v) {
    std::string out;
    for (std::string_view s : v) out += (out.empty() ? "" : ", ") + std::string(s);
    return "[" + out + "]";
  };
  rule_failure(c, i, "RFC 3261 17.1.1.3", "Route", list(want), list(seen),
               "the ACK for a " + std::to_string(status) +
                   " must carry the INVITE's Route header fields (frame " +
                   std::to_string(c.msg(*j).frame) + "): expected " + list(want) + ", seen " +
                   list(seen));
}

// A request that starts no transaction of its own: a CANCEL, or the ACK for a non-2xx, whose
// branch is its INVITE's on purpose.
bool shares_invite_branch(const Context& c, std::size_t i) {
  const sip::Summary& s = c.msg(i).message.summary();
  if (s.method != "CANCEL" && s.method != "ACK") return false;
  std::optional<std::size_t> j = invite_of(c, i);
  return j && c.msg(*j).message.summary().via_branch == s.via_branch;
}

// RFC 3261 8.1.1.7: "The branch ID inserted by an element compliant with this specification MUST
// always begin with the characters "z9hG4bK" ... [and] MUST be unique across space and time for
// all requests sent by the UA" (CANCEL and non-2xx ACK excepted); 16.6 step 8 asks the same of
// the Via a proxy adds to each forward. A second request with the same top branch that is not a
// copy of the first (other Call-ID, CSeq number or method) breaks it.
// Whether the request at `i` starts a transaction of its own with a branch to compare.
bool new_transaction(const Context& c, std::size_t i) {
  if (!checked(c, i)) return false;
  const sip::Summary& s = c.msg(i).message.summary();
  return s.is_request && !s.via_branch.empty() && !shares_invite_branch(c, i);
}

void check_branches(Context& c) {
  // A call has a handful of requests: compare each with those before it, with no allocation
  // (bulk checks run this per call); the branch compare comes first, so the rarer questions
  // are asked only of an equal branch.
  for (std::size_t i = 0; i < c.messages.size(); ++i) {
    const sip::Summary& s = c.msg(i).message.summary();
    if (!s.is_request || s.via_branch.empty()) continue;
    std::size_t first = npos;
    for (std::size_t j = 0; j < i && first == npos; ++j) {
      const sip::Summary& o = c.msg(j).message.summary();
      if (o.is_request && o.via_branch == s.via_branch && new_transaction(c, j)) first = j;
    }
    if (first == npos || !new_transaction(c, i)) continue;
    const sip::Summary& o = c.msg(first).message.summary();
    if (o.call_id == s.call_id && o.cseq == s.cseq && o.cseq_method == s.cseq_method) continue;
    // A forward carries the proxy's Via over the ones it received.
    bool forward = c.msg(i).message.count("Via") > 1;
    const char* rule = forward ? "RFC 3261 16.6 step 8" : "RFC 3261 8.1.1.7";
    std::string branch(s.via_branch);
    rule_failure(
        c, i, rule, "Via", "a branch no other transaction has", branch,
        std::string(forward ? "the branch of the Via a proxy adds" : "a new request's branch") +
            " must be unique, but '" + branch + "' is also that of " + std::string(o.method) +
            " CSeq " + std::to_string(o.cseq) + " at frame " + std::to_string(c.msg(first).frame));
  }
}

}  // namespace

void check_transactions(Context& c) {
  for (std::size_t i = 0; i < c.messages.size(); ++i) {
    if (!checked(c, i)) continue;
    const sip::Summary& s = c.msg(i).message.summary();
    if (!s.is_request) continue;
    if (s.method == "CANCEL") check_cancel(c, i);
    if (s.method == "ACK") check_non_2xx_ack(c, i);
  }
  check_branches(c);
}

}  // namespace ladder::checker
