// Proxy invariants of `forwards: Fn` steps (RFC 3261 16.6 for requests, 16.7 for responses).
// A B2BUA rewrites all of this by design, so nothing is checked through one.
#include <charconv>

#include "checker/context.h"
#include "checker/expect.h"

namespace ladder::checker {
namespace {

template <typename Strings>
std::string join(const Strings& v) {
  std::string out;
  for (std::string_view s : v) out += (out.empty() ? "" : ", ") + std::string(s);
  return out.empty() ? "(none)" : out;
}

// Via values compared without the received/rport parameters a server adds to the Via it
// received (RFC 3261 18.2.1, RFC 3581), so "the rest kept" compares what the proxy may not
// change. A text filter, not a parse, and no copies: it runs on every forward of a bulk check.
// next_kept() gives the next piece (the sent-by part, then ";name=value" each) that is not one
// of those, or an empty view at the end.
std::string_view next_kept(std::string_view v, std::size_t& pos) {
  while (pos < v.size()) {
    bool first = pos == 0;
    std::size_t semi = v.find(';', pos + 1);
    std::size_t end = semi == std::string_view::npos ? v.size() : semi;
    std::string_view piece = v.substr(pos, end - pos);
    pos = end;
    std::string_view name = piece.substr(0, piece.find('='));
    if (first || (name != ";received" && name != ";rport")) return piece;
  }
  return {};
}

bool same_without_received(std::string_view a, std::string_view b) {
  std::size_t pa = 0, pb = 0;
  for (;;) {
    std::string_view x = next_kept(a, pa), y = next_kept(b, pb);
    if (x != y) return false;
    if (x.empty()) return true;
  }
}

// How a Via further down the stack of a forward compares with the same Via in the message it
// forwards. `received`: the earlier hop's received value that a later hop changed.
struct ViaCompare {
  bool same = false;
  std::string received_before, received_after;
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// "SIP / 2.0 / udp" and "SIP/2.0/UDP" are the same sent-protocol.
std::string protocol_key(std::string_view protocol) {
  std::string out;
  for (char c : protocol) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += lower(c);
  }
  return out;
}

// The value of a ";received=" piece of a Via as written, or an empty view.
std::string_view received_of(std::string_view v) {
  for (std::size_t at = v.find(";received="); at != std::string_view::npos;
       at = v.find(";received=", at + 1)) {
    std::size_t start = at + 10;
    return v.substr(start, v.find(';', start) - start);
  }
  return {};
}

// The parsed comparison (RFC 3261 20.42, 25.1): LWS anywhere it may stand, the case of the
// protocol, transport, host and parameter names do not matter; received and rport may be added
// (or rport filled) by the hop that received the message, but a received once set stays.
ViaCompare compare_parsed(const sip::Via& before, const sip::Via& after) {
  ViaCompare r;
  if (protocol_key(before.protocol) != protocol_key(after.protocol) ||
      !iequal(before.host, after.host) || before.port != after.port) {
    return r;
  }
  auto added_by_server = [](std::string_view name) {
    return name == "received" || name == "rport";
  };
  for (const auto& [name, value] : before.params) {
    std::optional<std::string> other = after.param(name);
    if (name == "received" && other && *other != value) {
      r.received_before = value;
      r.received_after = *other;
      continue;
    }
    if (name == "rport" && value.empty()) continue;  // a later hop may fill it in
    if (!other || *other != value) return r;
  }
  for (const auto& [name, value] : after.params) {
    if (!before.param(name) && !added_by_server(name)) return r;
  }
  r.same = true;
  return r;
}

// The display name of a name-addr without quotes and escapes: "sipp" and sipp are the same name.
std::string display_name(std::string_view value) {
  std::size_t lt = value.find('<');
  if (lt == std::string_view::npos) return "";
  std::string_view d = value.substr(0, lt);
  while (!d.empty() && (d.front() == ' ' || d.front() == '\t')) d.remove_prefix(1);
  while (!d.empty() && (d.back() == ' ' || d.back() == '\t')) d.remove_suffix(1);
  if (d.size() >= 2 && d.front() == '"' && d.back() == '"') d = d.substr(1, d.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] == '\\' && i + 1 < d.size()) ++i;
    out += d[i];
  }
  return out;
}

// Whether the Via stack of `later` (a forward) keeps the stack of `earlier` (the message it
// forwards) below the top Via the proxy added (requests: later_skip 1) or above the one it
// popped (responses: earlier_skip 1). Raw text first, as a bulk check needs; the parsed
// comparison only when the text differs beyond received/rport.
ViaCompare kept_stack(const sip::Message& earlier, const sip::Views& ev, std::size_t earlier_skip,
                      const sip::Message& later, const sip::Views& lv, std::size_t later_skip) {
  ViaCompare r;
  if (ev.size() < earlier_skip || lv.size() < later_skip ||
      ev.size() - earlier_skip != lv.size() - later_skip) {
    return r;
  }
  std::size_t n = ev.size() - earlier_skip;
  bool textual = true;
  for (std::size_t k = 0; k < n && textual; ++k) {
    std::string_view a = ev[k + earlier_skip], b = lv[k + later_skip];
    if (a == b) continue;
    if (!same_without_received(a, b)) {
      textual = false;
      break;
    }
    std::string_view ra = received_of(a), rb = received_of(b);
    if (!ra.empty() && ra != rb && r.received_before.empty()) {
      r.received_before = ra;
      r.received_after = rb.empty() ? "(none)" : rb;
    }
  }
  if (textual) {
    r.same = true;
    return r;
  }
  std::vector<sip::Via> ep = earlier.vias(), lp = later.vias();
  if (ep.size() != ev.size() || lp.size() != lv.size()) return r;  // Sofia rejected a Via
  for (std::size_t k = 0; k < n; ++k) {
    ViaCompare one = compare_parsed(ep[k + earlier_skip], lp[k + later_skip]);
    if (!one.same) return one;
    if (!one.received_before.empty() && r.received_before.empty()) {
      r.received_before = one.received_before;
      r.received_after = one.received_after;
    }
  }
  r.same = true;
  return r;
}

// URIs as written, or failing that as RFC 3261 19.1.4 compares them ("sip:Bob@H" and
// "sip:Bob@h" are one URI).
bool same_uri_text(std::string_view a, std::string_view b) {
  if (a == b) return true;
  std::optional<sip::Uri> x = sip::parse_uri(a), y = sip::parse_uri(b);
  return x && y && sip::same_uri(*x, *y);
}

// One Record-Route entry kept: as written, or the same URI and parameters (LWS, case).
bool same_entry(std::string_view a, std::string_view b) {
  if (a == b) return true;
  ValueParts pa = split_value("Record-Route", a), pb = split_value("Record-Route", b);
  return same_uri_text(pa.uri, pb.uri) && pa.params == pb.params;
}

bool ends_with(const sip::Views& all, const sip::Views& tail) {
  if (tail.size() > all.size()) return false;
  return std::equal(tail.begin(), tail.end(), all.end() - static_cast<std::ptrdiff_t>(tail.size()),
                    same_entry);
}

bool same_list(const sip::Views& a, const sip::Views& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_entry);
}

}  // namespace

void check_forward(Context& c, std::size_t step) {
  const scenario::Step& s = c.step(step);
  if (!s.forwards || c.b2bua) return;
  auto mi = c.matched[step];
  auto fi = c.matched[*s.forwards];
  if (!mi || !fi) return;
  const sip::Message& m = c.msg(*mi).message;
  const sip::Message& f = c.msg(*fi).message;
  const std::string& fid = c.step(*s.forwards).id;
  auto fail = [&](const std::string& header, std::string expected, std::string seen,
                  const std::string& what) {
    Failure x;
    x.kind = core::FailureKind::forward;
    x.header = header;
    x.message = header + ": " + what + " (forward of " + fid + "): expected " + expected +
                ", seen " + seen;
    x.expected = std::move(expected);
    x.seen = std::move(seen);
    c.fail(step, *mi, std::move(x));
  };
  // From and To are compared as display name (unquoted), URI and parameters: a proxy may
  // re-quote a display name (ipv6frag.pcap) but not change who the request is from or to.
  auto same = [&](const char* header, bool name_addr) {
    auto a = f.header_view(header);
    auto b = m.header_view(header);
    bool equal = a == b;
    if (!equal && a && b && name_addr) {
      ValueParts pa = split_value(header, *a), pb = split_value(header, *b);
      equal = same_uri_text(pa.uri, pb.uri) && pa.params == pb.params &&
              display_name(*a) == display_name(*b);
    }
    if (!equal && std::string_view(header) == "Call-ID") {
      // Named as the fault it is (issue 12): the step was found despite it (a near miss).
      const scenario::Role* role = c.scenario.find_role(s.from);
      std::string who = role && role->kind == scenario::RoleKind::proxy ? "the proxy" : s.from;
      Failure x;
      x.kind = core::FailureKind::forward;
      x.header = header;
      x.expected = a ? "'" + std::string(*a) + "'" : "absent";
      x.seen = b ? "'" + std::string(*b) + "'" : "absent";
      x.message = who + " changed the Call-ID: expected " + x.expected + ", seen " + x.seen +
                  " (forward of " + fid + ")";
      c.fail(step, *mi, std::move(x));
      return;
    }
    if (!equal) {
      fail(header, a ? "'" + std::string(*a) + "'" : "absent",
           b ? "'" + std::string(*b) + "'" : "absent", "must be kept");
    }
  };
  same("Call-ID", false);
  same("From", true);
  same("To", true);
  same("CSeq", false);

  sip::Views fvia = f.header_views("Via");
  sip::Views mvia = m.header_views("Via");
  // A request going down gets one Via more; a response going up has its top Via popped.
  ViaCompare via =
      s.is_request() ? kept_stack(f, fvia, 0, m, mvia, 1) : kept_stack(f, fvia, 1, m, mvia, 0);
  if (via.same && !via.received_before.empty()) {
    fail("Via", "received=" + via.received_before, "received=" + via.received_after,
         "a received parameter is not changed by later hops (RFC 3261 18.2.1)");
  }
  if (s.is_request()) {
    auto fmf = f.header_view("Max-Forwards");
    auto mmf = m.header_view("Max-Forwards");
    std::string want = "70";
    if (fmf) {
      int value = 0;
      auto [p, ec] = std::from_chars(fmf->data(), fmf->data() + fmf->size(), value);
      want = ec == std::errc() && p == fmf->data() + fmf->size()
                 ? std::to_string(value - 1)
                 : "(one less than '" + std::string(*fmf) + "')";
    }
    if (!mmf || *mmf != want) {
      fail("Max-Forwards", want, mmf ? std::string(*mmf) : "absent", "one less");
    }
    if (!via.same) {
      fail("Via", "a new top Via over [" + join(fvia) + "]", "[" + join(mvia) + "]",
           "a new top Via with the rest kept");
    }
    bool initial = m.summary().to_tag.empty();
    bool dialog_creating = s.method == "INVITE" || s.method == "SUBSCRIBE" || s.method == "REFER";
    const scenario::Role* proxy = c.scenario.find_role(s.from);
    bool want_rr = c.options.record_route.value_or(proxy && c.scenario.expects_record_route(*proxy));
    if (want_rr && initial && dialog_creating) {
      sip::Views frr = f.header_views("Record-Route");
      sip::Views mrr = m.header_views("Record-Route");
      if (mrr.size() <= frr.size() || !ends_with(mrr, frr)) {
        fail("Record-Route",
             frr.empty() ? "a Record-Route added" : "a Record-Route added over [" + join(frr) + "]",
             mrr.empty() ? "none" : "[" + join(mrr) + "]", "the proxy record-routes");
      }
    }
  } else {
    if (!via.same) {
      std::vector<std::string_view> popped(fvia.begin() + (fvia.empty() ? 0 : 1), fvia.end());
      fail("Via", "[" + join(popped) + "]", "[" + join(mvia) + "]", "the top Via removed");
    }
    auto frr = f.header_views("Record-Route");
    auto mrr = m.header_views("Record-Route");
    if (!same_list(frr, mrr)) {
      fail("Record-Route", "[" + join(frr) + "]", "[" + join(mrr) + "]", "must be kept");
    }
  }
}

}  // namespace ladder::checker
