// Order (causal by default, listed with strict_order), `within:` timing, and retransmissions.
#include <cmath>

#include "checker/context.h"

namespace ladder::checker {
namespace {

std::string why(const scenario::Step& s, std::size_t p, const scenario::Step& ps) {
  if (s.forwards == p) return "the message it forwards";
  if (s.answers == p) return "the request it answers";
  if (s.after == p) return "its trigger (after: " + ps.id + ")";
  return "which " + s.from + " receives before sending " + s.id;
}

std::string ms(core::TimeNs ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

}  // namespace

void check_order(Context& c) {
  std::optional<std::size_t> previous;  // for strict_order: the last matched step in list order
  for (std::size_t s = 0; s < c.scenario.steps.size(); ++s) {
    auto i = c.matched[s];
    if (!i) continue;
    const scenario::Step& st = c.step(s);
    for (std::size_t p : st.preceded_by) {
      auto j = c.matched[p];
      if (!j || *j < *i) continue;
      const scenario::Step& ps = c.step(p);
      Failure f;
      f.kind = core::FailureKind::order;
      f.expected = "after " + ps.id + " (frame " + std::to_string(c.msg(*j).frame) + ")";
      f.seen = "before it";
      f.message = st.id + " came before " + ps.id + " (" + ps.id + " is at frame " +
                  std::to_string(c.msg(*j).frame) + "), " + why(st, p, ps);
      c.fail(s, *i, std::move(f));
    }
    if (c.scenario.policy.strict_order && previous && *c.matched[*previous] > *i) {
      const scenario::Step& ps = c.step(*previous);
      Failure f;
      f.kind = core::FailureKind::order;
      f.expected = "after " + ps.id;
      f.seen = "before it";
      f.message = st.id + " came before " + ps.id + " (" + ps.id + " is at frame " +
                  std::to_string(c.msg(*c.matched[*previous]).frame) +
                  "); strict_order demands the listed order";
      c.fail(s, *i, std::move(f));
    }
    previous = s;
    if (st.within) {
      auto j = c.matched[st.within->of];
      if (!j) continue;
      core::TimeNs dt = c.msg(*i).time - c.msg(*j).time;
      auto max_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(st.within->max).count();
      if (dt > max_ns) {
        Failure f;
        f.kind = core::FailureKind::timing;
        f.expected = "within " + scenario::format_duration(st.within->max) + " of " +
                     c.step(st.within->of).id;
        f.seen = ms(dt);
        f.message = st.id + " came " + ms(dt) + " after " + c.step(st.within->of).id +
                    "; expected within " + scenario::format_duration(st.within->max);
        c.fail(s, *i, std::move(f));
      }
    }
  }
}

void check_retransmissions(Context& c, std::size_t step) {
  auto i = c.matched[step];
  if (!i) return;
  StepResult& r = c.result(step);
  for (std::size_t k = *i + 1; k < c.messages.size(); ++k) {
    if (c.info(k).retransmission_of == *i) r.retransmissions.push_back({c.msg(k).frame, c.msg(k).time});
  }
  const scenario::Step& st = c.step(step);
  int n = static_cast<int>(r.retransmissions.size());
  if (st.retransmissions) {
    const scenario::CountRange& want = *st.retransmissions;
    if (n < want.min || (want.max && n > *want.max)) {
      Failure f;
      f.kind = core::FailureKind::retransmission;
      f.expected = want.max && *want.max == want.min
                       ? std::to_string(want.min)
                       : std::to_string(want.min) + ".." +
                             (want.max ? std::to_string(*want.max) : std::string("any"));
      f.seen = std::to_string(n);
      f.message = "retransmissions: expected " + f.expected + ", seen " + f.seen;
      c.fail(step, *i, std::move(f));
    }
  }
  if (c.msg(*i).transport != core::Transport::udp || n == 0) return;
  // RFC 3261 17.1.1.2 / 17.1.2.2 / 13.3.1.4: intervals start at T1 and double; non-INVITE
  // requests and 2xx responses cap at T2. Flag intervals far from that (warnings only: a stack may
  // use another T1).
  constexpr double t1 = 0.5, t2 = 4.0;
  bool capped = st.is_request() ? st.method != "INVITE" : true;
  core::TimeNs prev = c.msg(*i).time;
  double expected = t1;
  for (const Retransmission& rt : r.retransmissions) {
    double seen = static_cast<double>(rt.time - prev) / 1e9;
    if (seen < expected * 0.75 || seen > expected * 1.5 + 0.1) {
      Failure f;
      f.kind = core::FailureKind::retransmission;
      f.warning = true;
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "retransmission at frame %llu came %.3f s after the previous copy; T1 doubling "
                    "expects %.3f s",
                    static_cast<unsigned long long>(rt.frame), seen, expected);
      f.message = buf;
      f.expected = std::to_string(expected) + " s";
      f.seen = std::to_string(seen) + " s";
      f.frame = rt.frame;
      f.time = rt.time;
      c.fail(step, npos, std::move(f));
    }
    prev = rt.time;
    expected = capped ? std::min(expected * 2, t2) : expected * 2;
  }
}

}  // namespace ladder::checker
