// Dialog invariants (RFC 3261 12, 13.2.2.4, 17.1.1.3): one Call-ID and at most two tags per
// dialog, CSeq rising per sender, the right ACK transaction, and the route set from
// Record-Route on in-dialog requests.
#include <algorithm>
#include <map>

#include "checker/context.h"

namespace ladder::checker {
namespace {

Failure dialog_failure(std::string header, std::string expected, std::string seen,
                       std::string sentence) {
  Failure f;
  f.kind = core::FailureKind::dialog;
  f.header = std::move(header);
  f.expected = std::move(expected);
  f.seen = std::move(seen);
  f.message = std::move(sentence);
  return f;
}

template <typename Strings>
std::string join(const Strings& v) {
  std::string out;
  for (std::string_view s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return "[" + out + "]";
}

// Steps of each dialog key, in capture order of their messages.
std::map<std::string, std::vector<std::size_t>> steps_by_dialog(const Context& c) {
  std::map<std::string, std::vector<std::size_t>> out;
  for (std::size_t s = 0; s < c.scenario.steps.size(); ++s) {
    if (c.step(s).dialog && c.matched[s]) out[c.dialog_key(c.step(s))].push_back(s);
  }
  for (auto& [key, steps] : out) {
    std::sort(steps.begin(), steps.end(),
              [&c](std::size_t a, std::size_t b) { return *c.matched[a] < *c.matched[b]; });
  }
  return out;
}

void check_call_id_and_tags(Context& c, const std::string& key,
                            const std::vector<std::size_t>& steps) {
  const std::string& label = *c.step(steps.front()).dialog;
  const std::string_view call_id = c.dialog_call_id[key];
  std::vector<std::string_view> tags;  // views into the messages, which outlive the check
  tags.reserve(2);
  for (std::size_t s : steps) {
    std::size_t i = *c.matched[s];
    const sip::Summary& m = c.msg(i).message.summary();
    if (m.call_id != call_id) {
      std::string want(call_id);
      c.fail(s, i, dialog_failure("Call-ID", want, std::string(m.call_id),
                                  "dialog " + label + ": Call-ID '" + std::string(m.call_id) +
                                      "' differs from the dialog's '" + want + "'"));
      continue;
    }
    for (std::string_view tag : {m.from_tag, m.to_tag}) {
      if (tag.empty() || std::find(tags.begin(), tags.end(), tag) != tags.end()) continue;
      if (tags.size() < 2) {
        tags.emplace_back(tag);
        continue;
      }
      const char* header = tag == m.from_tag ? "From" : "To";
      std::string first(tags[0]), second(tags[1]);
      c.fail(s, i, dialog_failure(header, "tag '" + first + "' or '" + second + "'",
                                  std::string(tag),
                                  "dialog " + label + ": " + header + " tag '" + std::string(tag) +
                                      "' is neither of the dialog's tags '" + first + "', '" +
                                      second + "'"));
    }
  }
}

// Per hop and sender tag, new requests (not ACK or CANCEL) carry rising CSeq numbers.
void check_cseq(Context& c, const std::vector<std::size_t>& steps) {
  std::map<std::string, std::pair<std::uint32_t, std::size_t>> last;  // hop+tag -> (cseq, step)
  for (std::size_t s : steps) {
    const scenario::Step& st = c.step(s);
    if (!st.is_request() || st.method == "ACK" || st.method == "CANCEL") continue;
    std::size_t i = *c.matched[s];
    const sip::Summary& m = c.msg(i).message.summary();
    std::string key = st.from + ">" + st.to + "|" + std::string(m.from_tag);
    auto it = last.find(key);
    if (it != last.end() && m.cseq <= it->second.first) {
      c.fail(s, i, dialog_failure("CSeq", "more than " + std::to_string(it->second.first),
                                  std::to_string(m.cseq),
                                  "CSeq " + std::to_string(m.cseq) + " does not rise above " +
                                      c.step(it->second.second).id + "'s " +
                                      std::to_string(it->second.first) + " in dialog " +
                                      *st.dialog));
    }
    last[key] = {m.cseq, s};
  }
}

// The INVITE on the ACK's hop with the ACK's CSeq number, and that INVITE's final status.
struct InviteOnHop {
  std::optional<std::size_t> invite;
  int final_status = 0;
};

InviteOnHop find_invite(const Context& c, std::size_t ack) {
  const sip::WireMessage& a = c.msg(ack);
  const sip::Summary& as = a.message.summary();
  InviteOnHop out;
  for (std::size_t i = 0; i < ack; ++i) {
    const sip::WireMessage& o = c.msg(i);
    const sip::Summary& s = o.message.summary();
    if (c.info(i).retransmission_of) continue;
    if (s.is_request && s.method == "INVITE" && s.cseq == as.cseq && s.call_id == as.call_id &&
        c.info(i).src_role == c.info(ack).src_role && c.info(i).dst_role == c.info(ack).dst_role) {
      out.invite = i;
    }
  }
  if (!out.invite) return out;
  const sip::Summary& inv = c.msg(*out.invite).message.summary();
  for (std::size_t i = *out.invite + 1; i < ack; ++i) {
    const sip::Summary& s = c.msg(i).message.summary();
    if (!s.is_request && s.status >= 200 && s.cseq == inv.cseq && s.cseq_method == "INVITE" &&
        s.via_branch == inv.via_branch) {
      out.final_status = s.status;
    }
  }
  return out;
}

void check_acks(Context& c, const std::vector<std::size_t>& steps) {
  for (std::size_t s : steps) {
    const scenario::Step& st = c.step(s);
    if (!st.is_request() || st.method != "ACK") continue;
    std::size_t i = *c.matched[s];
    const sip::Summary& ack = c.msg(i).message.summary();
    InviteOnHop inv = find_invite(c, i);
    if (!inv.invite) {
      c.fail(s, i, dialog_failure("CSeq", "the CSeq number of an INVITE on this hop",
                                  std::to_string(ack.cseq),
                                  "ACK CSeq " + std::to_string(ack.cseq) +
                                      " matches no INVITE sent " + st.from + " -> " + st.to));
      continue;
    }
    const sip::Summary& invite = c.msg(*inv.invite).message.summary();
    std::string branch(invite.via_branch);
    if (inv.final_status >= 300 && ack.via_branch != invite.via_branch) {
      c.fail(s, i, dialog_failure("Via", "branch '" + branch + "'", std::string(ack.via_branch),
                                  "the ACK for a " + std::to_string(inv.final_status) +
                                      " must reuse the INVITE's branch '" + branch +
                                      "' (RFC 3261 17.1.1.3)"));
    }
    if (inv.final_status >= 200 && inv.final_status < 300 && ack.via_branch == invite.via_branch) {
      // A UA's own ACK breaks the UAC's rule; a proxy's forward of it breaks the proxy's: the
      // Via it adds carries a branch of its own (16.6 step 8).
      const char* rule = st.forwards ? "RFC 3261 16.6 step 8" : "RFC 3261 13.2.2.4";
      c.fail(s, i, dialog_failure("Via", "a new branch", std::string(ack.via_branch),
                                  "the ACK for a 2xx is a new transaction, but it reuses the "
                                  "INVITE's branch '" + branch + "' (" + rule + ")"));
    }
  }
}

// URIs of Route / Record-Route values, compared without display names. Views into the
// messages, which outlive the check: this runs for every call of a bulk check.
using Uris = sip::Views;
Uris uris(std::span<const std::string_view> values) {
  Uris out;
  for (std::string_view v : values) {
    std::size_t lt = v.find('<'), gt = v.find('>');
    out.push_back(lt != std::string_view::npos && gt != std::string_view::npos
                      ? v.substr(lt + 1, gt - lt - 1)
                      : v);
  }
  return out;
}

// Record-Route entries the proxies of this flow added: what an INVITE forward carries beyond
// the Record-Route of the INVITE it forwards. Few: a sorted vector.
std::vector<std::string_view> proxy_entries(const Context& c,
                                            const std::vector<std::size_t>& steps) {
  std::vector<std::string_view> out;
  for (std::size_t s : steps) {
    const scenario::Step& st = c.step(s);
    if (!st.is_request() || st.method != "INVITE" || !st.forwards || !c.matched[*st.forwards]) {
      continue;
    }
    auto mine = uris(c.msg(*c.matched[s]).message.header_views("Record-Route"));
    auto before = uris(c.msg(*c.matched[*st.forwards]).message.header_views("Record-Route"));
    if (mine.size() <= before.size()) continue;
    for (std::size_t k = 0; k < mine.size() - before.size(); ++k) out.push_back(mine[k]);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Route entries as written, or failing that compared as RFC 3261 19.1.4 compares URIs
// ("sip:P1.example.com;LR" is "sip:p1.example.com;lr").
bool same_uris(const Uris& a, const Uris& b) {
  if (a == b) return true;
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] == b[k]) continue;
    std::optional<sip::Uri> x = sip::parse_uri(a[k]), y = sip::parse_uri(b[k]);
    if (!x || !y || !sip::same_uri(*x, *y)) return false;
  }
  return true;
}

Uris only(const Uris& v, const std::vector<std::string_view>& keep) {
  Uris out;
  for (std::string_view x : v) {
    if (std::binary_search(keep.begin(), keep.end(), x)) {
      out.push_back(x);
      continue;
    }
    // Not as written: perhaps the same URI in other case (rare, so parsed only then).
    std::optional<sip::Uri> ux = sip::parse_uri(x);
    for (std::string_view k : keep) {
      std::optional<sip::Uri> uk = ux ? sip::parse_uri(k) : std::nullopt;
      if (uk && sip::same_uri(*ux, *uk)) {
        out.push_back(x);
        break;
      }
    }
  }
  return out;
}

// In-dialog requests from a UA carry the route set through the proxies that record-routed: the
// caller's is the 2xx's Record-Route reversed, the callee's the INVITE's Record-Route as
// received (RFC 3261 12.1.1, 12.1.2). Only the proxies' own entries are compared: a UA may
// carry pre-loaded or self-inserted entries (ipv6frag.pcap's SIPp does) without the DUT being
// at fault.
void check_route_sets(Context& c, const std::vector<std::size_t>& steps) {
  std::optional<std::size_t> invite_step;
  for (std::size_t s : steps) {
    if (c.step(s).is_request() && c.step(s).method == "INVITE") {
      invite_step = s;
      break;
    }
  }
  if (!invite_step) return;  // established before the capture: the route set is unknown
  std::vector<std::string_view> added = proxy_entries(c, steps);
  if (added.empty()) return;  // no proxy record-routed: nothing the route set must hold
  const std::string caller = c.step(*invite_step).from;

  std::map<std::string, Uris> route_set;  // UA role -> expected entries
  for (std::size_t s : steps) {
    const scenario::Step& st = c.step(s);
    const sip::Message& m = c.msg(*c.matched[s]).message;
    const sip::Summary& ms = m.summary();
    if (st.is_request() && st.method == "INVITE" && ms.to_tag.empty() && !route_set.count(st.to)) {
      route_set[st.to] = only(uris(m.header_views("Record-Route")), added);  // callee side
    }
    if (!st.is_request() && st.status >= 200 && st.status < 300 && ms.cseq_method == "INVITE" &&
        st.to == caller && !route_set.count(caller)) {
      Uris rr = only(uris(m.header_views("Record-Route")), added);
      Uris reversed;  // the caller's route set is the Record-Route in reverse order
      for (auto it = rr.end(); it != rr.begin();) reversed.push_back(*--it);
      route_set[caller] = reversed;
    }
  }
  const std::string invite_branch(c.msg(*c.matched[*invite_step]).message.summary().via_branch);
  for (std::size_t s : steps) {
    const scenario::Step& st = c.step(s);
    if (!st.is_request() || st.forwards) continue;
    const scenario::Role* sender = c.scenario.find_role(st.from);
    if (!sender || sender->kind != scenario::RoleKind::ua) continue;
    const sip::Message& m = c.msg(*c.matched[s]).message;
    if (m.summary().to_tag.empty()) continue;  // not in-dialog
    if (st.method == "ACK" && m.summary().via_branch == invite_branch) continue;  // non-2xx ACK
    auto it = route_set.find(st.from);
    if (it == route_set.end()) continue;
    auto seen = only(uris(m.header_views("Route")), added);
    if (!same_uris(seen, it->second)) {
      bool is_caller = st.from == caller;
      c.fail(s, *c.matched[s],
             dialog_failure("Route", join(it->second), join(uris(m.header_views("Route"))),
                            "Route: expected the proxies' entries " + join(it->second) +
                                " from the " +
                                (is_caller ? "2xx's Record-Route (reversed)"
                                           : "INVITE's Record-Route") +
                                ", seen Route " + join(uris(m.header_views("Route")))));
    }
  }
}

}  // namespace

void check_dialogs(Context& c) {
  for (const auto& [key, steps] : steps_by_dialog(c)) {
    check_call_id_and_tags(c, key, steps);
    check_cseq(c, steps);
    check_acks(c, steps);
    check_route_sets(c, steps);
  }
}

}  // namespace ladder::checker
