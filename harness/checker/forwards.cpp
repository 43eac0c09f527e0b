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

bool ends_with(const sip::Views& all, const sip::Views& tail) {
  if (tail.size() > all.size()) return false;
  return std::equal(tail.begin(), tail.end(), all.end() - static_cast<std::ptrdiff_t>(tail.size()));
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
      equal = pa.uri == pb.uri && pa.params == pb.params && display_name(*a) == display_name(*b);
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
  // `with_top` is `without` under one more Via (a request going down, or a response before its
  // top Via was popped); compared without received/rport only when they differ as written.
  auto top_added = [](const sip::Views& with_top, const sip::Views& without) {
    if (with_top.size() != without.size() + 1) return false;
    return std::equal(with_top.begin() + 1, with_top.end(), without.begin(),
                      same_without_received);
  };
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
    if (!top_added(mvia, fvia)) {
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
    if (!top_added(fvia, mvia)) {
      std::vector<std::string_view> popped(fvia.begin() + (fvia.empty() ? 0 : 1), fvia.end());
      fail("Via", "[" + join(popped) + "]", "[" + join(mvia) + "]", "the top Via removed");
    }
    auto frr = f.header_views("Record-Route");
    auto mrr = m.header_views("Record-Route");
    if (frr != mrr) {
      fail("Record-Route", "[" + join(frr) + "]", "[" + join(mrr) + "]", "must be kept");
    }
  }
}

}  // namespace ladder::checker
