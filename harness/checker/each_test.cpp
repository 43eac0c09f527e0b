// EachChecker (`ladder check --each`) on many synthetic calls interleaved in time: counts, the
// failures by step, the first failed calls in time order, idle sweeps, late retransmissions,
// and the same summary whether calls are checked inline or on worker threads.
#include "checker/each.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "checker/flow_test_util.h"

namespace ladder::checker {
namespace {

using namespace ladder::checker::testing;

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Call k of a load: basic_call() with its own Call-ID, tags and branches, starting k * 50 ms in,
// so up to a hundred calls are open at once.
std::vector<Wire> call(int k) {
  std::vector<Wire> w = basic_call();
  std::string n = std::to_string(k);
  for (Wire& m : w) {
    replace_all(m.text, "Call-ID: call-1", "Call-ID: call-" + n);
    replace_all(m.text, "tag=fa", "tag=fa" + n);
    replace_all(m.text, "tag=tb", "tag=tb" + n);
    replace_all(m.text, "branch=z9hG4bK", "branch=z9hG4bK" + n + "-");
    m.at += k * 0.05;
  }
  return w;
}

std::vector<sip::WireMessage> interleave(std::vector<std::vector<Wire>> calls) {
  std::vector<Wire> all;
  for (auto& c : calls) all.insert(all.end(), c.begin(), c.end());
  std::stable_sort(all.begin(), all.end(), [](const Wire& a, const Wire& b) { return a.at < b.at; });
  return observe(all);
}

// check_each() on `jobs` threads, each job reading the same messages as a capture would give
// them: bytes not parsed yet.
EachSummary run(const std::vector<sip::WireMessage>& in, unsigned jobs, bool roles = true) {
  EachOptions o;
  if (roles) o.check.roles = role_map();
  scenario::Scenario sc = load(basic_ladder());
  return check_each(sc, o, jobs, [&in](unsigned, const Feed& feed) {
    for (const sip::WireMessage& m : in) {
      feed(sip::WireBytes{static_cast<const sip::Wire&>(m), m.message.bytes()});
    }
  });
}

// 300 calls; call 7 loses its 180 P -> A, call 20 keeps Max-Forwards, call 250 loses its BYE
// forward.
std::vector<sip::WireMessage> load_with_faults() {
  std::vector<std::vector<Wire>> calls;
  for (int k = 1; k <= 300; ++k) {
    std::vector<Wire> c = call(k);
    if (k == 20) edit(c[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
    if (k == 250) c.erase(c.begin() + F11);
    if (k == 7) c.erase(c.begin() + F5);
    calls.push_back(std::move(c));
  }
  return interleave(std::move(calls));
}

std::vector<std::string> failed_ids(const EachSummary& s) {
  std::vector<std::string> ids;
  for (const FailedCall& f : s.first_failed) ids.push_back(f.call_id);
  return ids;
}

TEST(EachChecker, CountsEveryCallAndNamesTheFailures) {
  std::vector<sip::WireMessage> in = load_with_faults();
  EachSummary s = run(in, 1);
  EXPECT_EQ(s.calls, 300u);
  EXPECT_EQ(s.passed, 297u);
  EXPECT_EQ(s.failed, 3u);
  EXPECT_EQ(s.messages, in.size());
  EXPECT_EQ(s.outside_roles, 0u);
  std::map<std::string, std::uint64_t> want = {
      {"F3 forward", 1}, {"F5 missing", 1}, {"F11 missing", 1}};
  EXPECT_EQ(s.failures_by_step, want);
  // Kept in full, in the order the calls were checked: call 20 as soon as it completed; calls
  // 7 and 250, which never complete, at the end of the capture in order of their first message.
  ASSERT_EQ(failed_ids(s), (std::vector<std::string>{"call-20", "call-7", "call-250"}));
  const Verdict& v = s.first_failed[0].verdict;
  auto it = std::find_if(v.failures.begin(), v.failures.end(),
                         [](const Failure& f) { return f.header == "Max-Forwards"; });
  ASSERT_NE(it, v.failures.end());
  EXPECT_EQ(it->expected, "69");
  EXPECT_EQ(it->seen, "70");
}

TEST(EachChecker, ThreadsGiveTheSameSummary) {
  std::vector<sip::WireMessage> in = load_with_faults();
  EachSummary one = run(in, 1);
  for (unsigned jobs : {2u, 3u, 8u}) {
    EachSummary many = run(in, jobs);
    EXPECT_EQ(many.calls, one.calls) << jobs;
    EXPECT_EQ(many.passed, one.passed) << jobs;
    EXPECT_EQ(many.messages, one.messages) << jobs;
    EXPECT_EQ(many.late, one.late) << jobs;
    EXPECT_EQ(many.failures_by_step, one.failures_by_step) << jobs;
    EXPECT_EQ(failed_ids(many), failed_ids(one)) << jobs;
    ASSERT_EQ(many.first_failed.size(), one.first_failed.size());
    for (std::size_t i = 0; i < one.first_failed.size(); ++i) {
      EXPECT_EQ(many.first_failed[i].verdict.failures.size(),
                one.first_failed[i].verdict.failures.size());
      EXPECT_EQ(many.first_failed[i].at, one.first_failed[i].at);
    }
  }
}

TEST(EachChecker, KeepsOnlyTheFirstFailedCallsInFull) {
  std::vector<std::vector<Wire>> calls;
  for (int k = 1; k <= 40; ++k) {
    std::vector<Wire> c = call(k);
    if (k % 4 == 0) c.erase(c.begin() + F5);
    calls.push_back(std::move(c));
  }
  EachSummary s = run(interleave(std::move(calls)), 2);
  EXPECT_EQ(s.failed, 10u);
  EXPECT_EQ(s.failures_by_step.at("F5 missing"), 10u);
  EXPECT_EQ(failed_ids(s), (std::vector<std::string>{"call-4", "call-8", "call-12"}));
}

TEST(EachChecker, RetransmissionAfterTheCallWasCheckedIsCountedLate) {
  std::vector<Wire> c = call(1);
  Wire again = c[F13];
  again.at += 0.5;  // B's 200 to BYE lost, P sends it again after the call completed
  c.push_back(again);
  EachSummary s = run(interleave({c}), 1);
  EXPECT_EQ(s.calls, 1u);
  EXPECT_EQ(s.passed, 1u);
  EXPECT_EQ(s.late, 1u);
}

TEST(EachChecker, IdleCallsAreCheckedWithoutWaitingForTheEnd) {
  // Call 1 never completes (no BYE at all); 40 s later call 2 arrives: call 1 is swept as idle
  // and fails for its missing steps, before call 2 is checked.
  std::vector<Wire> first = call(1);
  first.resize(F9 + 1);
  std::vector<Wire> second = call(2);
  for (Wire& w : second) w.at += 40;
  for (unsigned jobs : {1u, 2u, 3u}) {  // each job sweeps its own calls at the same moment
    EachSummary s = run(interleave({first, second}), jobs);
    EXPECT_EQ(s.calls, 2u) << jobs;
    EXPECT_EQ(s.failed, 1u) << jobs;
    EXPECT_EQ(failed_ids(s), std::vector<std::string>{"call-1"}) << jobs;
    EXPECT_EQ(s.failures_by_step.at("F10 missing"), 1u) << jobs;
    ASSERT_EQ(s.first_failed.size(), 1u);
    EXPECT_EQ(s.first_failed[0].at.phase, 1) << jobs;  // idle, not the end of the capture
  }
}

TEST(EachChecker, InfersTheRolesFromTheFirstCall) {
  std::vector<std::vector<Wire>> calls;
  for (int k = 1; k <= 5; ++k) calls.push_back(call(k));
  EachSummary s = run(interleave(std::move(calls)), 2, false);
  EXPECT_EQ(s.calls, 5u);
  EXPECT_EQ(s.passed, 5u);
  ASSERT_FALSE(s.notes.empty());
  EXPECT_NE(s.notes.front().find("roles inferred"), std::string::npos) << s.notes.front();
  EXPECT_NE(s.notes.front().find("(from the first call)"), std::string::npos) << s.notes.front();
}

TEST(EachChecker, InfersTheRolesFromAFirstCallThatNeverCompletes) {
  // Call 1 lacks F5, so it never has a message per step; the others come 40 s later. The roles
  // still come from call 1 (once it has gone idle), and every call is checked.
  std::vector<std::vector<Wire>> calls;
  for (int k = 1; k <= 5; ++k) {
    std::vector<Wire> c = call(k);
    if (k == 1) c.erase(c.begin() + F5);
    for (Wire& w : c) w.at += k == 1 ? 0 : 40;
    calls.push_back(std::move(c));
  }
  std::vector<sip::WireMessage> in = interleave(std::move(calls));
  for (unsigned jobs : {1u, 2u}) {
    EachSummary s = run(in, jobs, false);
    EXPECT_EQ(s.calls, 5u) << jobs;
    EXPECT_EQ(s.passed, 4u) << jobs;
    EXPECT_EQ(failed_ids(s), std::vector<std::string>{"call-1"}) << jobs;
    ASSERT_FALSE(s.notes.empty()) << jobs;
    EXPECT_NE(s.notes.front().find("roles inferred"), std::string::npos) << s.notes.front();
  }
}

TEST(EachChecker, MessagesOutsideTheRolesAreCountedNotChecked) {
  std::vector<Wire> c = call(1);
  std::vector<sip::WireMessage> in = interleave({c});
  sip::Wire where{.frame = 99,
                  .time = in.back().time + 1,
                  .src = *core::Endpoint::parse("10.9.9.9:5060"),
                  .dst = endpoint_of("P")};
  sip::WireMessage stray{where, sip::Message(std::string(in.front().message.bytes()))};
  in.push_back(std::move(stray));
  EachSummary s = run(in, 1);
  EXPECT_EQ(s.outside_roles, 1u);
  EXPECT_EQ(s.passed, 1u);
}

// A ladder of two calls in a row, A to B twice (two dialogs, two Call-IDs a flow), and flow k
// of a load: its calls have Call-IDs "k-1-run" and "k-2-run", as the load engines make them.
std::string two_calls_ladder() {
  std::string one = basic_ladder();
  std::string steps = one.substr(one.find("  - {id: F1,"));
  std::string second = steps;
  for (int i = 13; i >= 1; --i) {
    for (const char* end : {",", "}"}) {
      replace_all(second, "F" + std::to_string(i) + end, "G" + std::to_string(i) + end);
    }
  }
  replace_all(second, "dialog: call", "dialog: again");
  std::string head = one.substr(0, one.find("steps:\n"));
  replace_all(head, "dialogs: {call: new}", "dialogs: {call: new, again: new}");
  return head + "steps:\n" + steps + second;
}

std::vector<Wire> flow(int k, bool drop_second_180) {
  std::vector<Wire> all;
  for (int c = 1; c <= 2; ++c) {
    std::vector<Wire> w = call(100 * k + c);
    for (Wire& m : w) {
      replace_all(m.text, "Call-ID: call-" + std::to_string(100 * k + c),
                  "Call-ID: " + std::to_string(k) + "-" + std::to_string(c) + "-run");
      m.at += (c - 1) * 6.0 - (100 * k + c) * 0.05 + k * 0.05;
    }
    if (c == 2 && drop_second_180) w.erase(w.begin() + F5);
    all.insert(all.end(), w.begin(), w.end());
  }
  return all;
}

TEST(EachChecker, CallIdsGroupedIntoOneCallAreCheckedAsAWhole) {
  scenario::Scenario sc = load(two_calls_ladder());
  std::vector<std::vector<Wire>> flows;
  for (int k = 1; k <= 40; ++k) flows.push_back(flow(k, k == 9));
  std::vector<sip::WireMessage> in = interleave(std::move(flows));
  EachOptions o;
  o.check.roles = role_map();
  o.call_of = [](std::string_view id) { return id.substr(0, id.find('-') + 1); };
  EachSummary s = check_each(sc, o, 2, [&in](unsigned, const Feed& feed) {
    for (const sip::WireMessage& m : in) {
      feed(sip::WireBytes{static_cast<const sip::Wire&>(m), m.message.bytes()});
    }
  });
  EXPECT_EQ(s.calls, 40u);
  EXPECT_EQ(s.passed, 39u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.failures_by_step["G5 missing"], 1u);
  ASSERT_EQ(s.first_failed.size(), 1u);
  EXPECT_EQ(s.first_failed[0].call_id, "9-1-run");  // the flow's first Call-ID

  // Without it, each Call-ID is a call of its own: half a flow each, none passes.
  o.call_of = nullptr;
  EachSummary apart = check_each(sc, o, 1, [&in](unsigned, const Feed& feed) {
    for (const sip::WireMessage& m : in) {
      feed(sip::WireBytes{static_cast<const sip::Wire&>(m), m.message.bytes()});
    }
  });
  EXPECT_EQ(apart.calls, 80u);
  EXPECT_EQ(apart.passed, 0u);
}

TEST(EachChecker, RetransmissionsOfAnOpenCallAreCounted) {
  std::vector<Wire> c = call(1);
  Wire again = c[F1];
  again.at += 0.0001;  // A resends its INVITE before P's 100 reaches it
  c.insert(c.begin() + F1 + 1, again);
  EachSummary s = run(interleave({c}), 1);
  EXPECT_EQ(s.passed, 1u);
  EXPECT_EQ(s.retransmissions, 1u);
  EXPECT_EQ(s.late, 0u);
}

// One EachChecker on this thread over `in`, with the role map and what `set` adds.
EachSummary run_with(const std::vector<sip::WireMessage>& in,
                     const std::function<void(EachOptions&)>& set) {
  EachOptions o;
  o.check.roles = role_map();
  set(o);
  scenario::Scenario sc = load(basic_ladder());
  EachChecker each(sc, o);
  for (const sip::WireMessage& m : in) each.add(m.copy());
  each.finish();
  return each.summary();
}

// EachOptions::capture_lost: a failed call whose root failures are all missing messages is
// unknown while the capture says it lost packets; any other root failure still fails it.
EachSummary run_lossy(const std::vector<sip::WireMessage>& in, bool lost) {
  return run_with(in, [lost](EachOptions& o) { o.capture_lost = [lost] { return lost; }; });
}

TEST(EachChecker, ACallTheCaptureMayHaveLostIsUnknownNeverPassed) {
  std::vector<sip::WireMessage> in = load_with_faults();  // F5 and F11 missing, F3 forward
  EachSummary lossy = run_lossy(in, true);
  EXPECT_EQ(lossy.calls, 300u);
  EXPECT_EQ(lossy.passed, 297u);
  EXPECT_EQ(lossy.unknown, 2u);
  EXPECT_EQ(lossy.failed, 1u);
  EXPECT_EQ(lossy.failures_by_step, (std::map<std::string, std::uint64_t>{{"F3 forward", 1}}));
  EXPECT_EQ(lossy.unknown_by_step,
            (std::map<std::string, std::uint64_t>{{"F5 missing", 1}, {"F11 missing", 1}}));
  EXPECT_EQ(failed_ids(lossy), std::vector<std::string>{"call-20"});
  EXPECT_FALSE(lossy.all_passed());

  EachSummary whole = run_lossy(in, false);
  EXPECT_EQ(whole.unknown, 0u);
  EXPECT_EQ(whole.failed, 3u);
  // Nothing failed, but a call is unknown: still not a pass.
  std::vector<Wire> c = call(1);
  c.erase(c.begin() + F5);
  EachSummary only_unknown = run_lossy(interleave({c}), true);
  EXPECT_EQ(only_unknown.failed, 0u);
  EXPECT_EQ(only_unknown.unknown, 1u);
  EXPECT_FALSE(only_unknown.all_passed());
}

// EachOptions::harness_behind: a load run's played user agent that fell behind botches its own
// steps (B hangs up before the ACK reaches it, as a UAS does that waited too long for one); while
// the harness says it fell behind, such a call is unknown. A step the device sends that is wrong
// still fails the call, and a harness that kept up answers for its own steps.
EachSummary run_behind(const std::vector<sip::WireMessage>& in, bool behind,
                       const std::set<std::string, std::less<>>& played) {
  return run_with(in, [&](EachOptions& o) {
    o.played = played;
    o.harness_behind = [behind] { return behind; };
  });
}

TEST(EachChecker, AStepTheHarnessBotchedWhileBehindIsUnknownNeverFailed) {
  std::vector<Wire> early_bye = call(1);  // B's BYE and P's forward of it before the ACK
  early_bye[F10].at = early_bye[F7].at + 0.001;
  early_bye[F11].at = early_bye[F7].at + 0.002;
  std::vector<Wire> bad_forward = call(2);
  edit(bad_forward[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
  const auto in = interleave({early_bye, bad_forward, call(3)});

  EachSummary behind = run_behind(in, true, {"A", "B"});
  EXPECT_EQ(behind.passed, 1u);
  EXPECT_EQ(behind.unknown, 1u);
  EXPECT_EQ(behind.failed, 1u);
  EXPECT_EQ(failed_ids(behind), std::vector<std::string>{"call-2"});
  EXPECT_EQ(behind.unknown_by_step.count("F10 order"), 1u);

  EachSummary kept_up = run_behind(in, false, {"A", "B"});
  EXPECT_EQ(kept_up.unknown, 0u);
  EXPECT_EQ(kept_up.failed, 2u);
  EXPECT_EQ(kept_up.failures_by_step.count("F10 order"), 1u);

  EachSummary b_is_the_device = run_behind(in, true, {"A"});
  EXPECT_EQ(b_is_the_device.unknown, 0u);
  EXPECT_EQ(b_is_the_device.failed, 2u);
}

// Sofia-SIP 1.12.11 on an overloaded loop fires Timer H early: the harness's own B hangs up
// ("ACK Timeout") a few hundred ms after its 200, before the ACK it was waiting for. That is the
// harness's doing, whatever the drop counters say; a B that waited its full 64*T1, or a device
// B, or a BYE without that reason, is judged as before.
TEST(EachChecker, AHarnessStackThatGaveUpOnTheAckEarlyIsUnknownNeverFailed) {
  const std::string ack_timeout = "\r\nReason: SIP;cause=408;text=\"ACK Timeout\"\r\n";
  auto bye_before_ack = [&](int k, double after_200, bool reason) {
    std::vector<Wire> c = call(k);
    double t = c[F6].at + after_200;
    c[F10].at = t;
    c[F11].at = t + 0.001;
    c[F8].at = t + 0.002;
    c[F9].at = t + 0.003;
    c[F12].at = t + 0.004;
    c[F13].at = t + 0.005;
    if (reason) edit(c[F10].text, "\r\n", ack_timeout);
    return c;
  };
  const auto in = interleave({bye_before_ack(1, 0.3, true), bye_before_ack(2, 5.0, true),
                              bye_before_ack(3, 0.3, false), call(4)});
  auto judge = [&](const std::set<std::string, std::less<>>& played) {
    return run_with(in, [&](EachOptions& o) {
      o.played = played;
      o.played_ack_wait = 4'000'000'000;  // the load run's 64*T1
    });
  };
  EachSummary s = judge({"A", "B"});
  EXPECT_EQ(s.passed, 1u);
  EXPECT_EQ(s.unknown, 1u);  // call 1: gave up 0.3 s after its 200
  EXPECT_EQ(s.harness_gave_up, 1u);
  EXPECT_EQ(s.unknown_by_step.count("F10 order"), 1u);
  // Call 3 (no reason) is over first; call 2 waited its full 4 s and more.
  EXPECT_EQ(failed_ids(s), (std::vector<std::string>{"call-3", "call-2"}));

  EachSummary device_b = judge({"A"});
  EXPECT_EQ(device_b.unknown, 0u);
  EXPECT_EQ(device_b.failed, 3u);
}

// A load run on two engines that register apart: the second engine's calls go to "bob-2". Each
// call is checked with its own engine's user for ${B.user}, so a call the proxy routed by the
// wrong user still fails.
TEST(EachChecker, EachCallIsCheckedWithItsOwnEnginesUsers) {
  std::string text = basic_ladder();
  edit(text, "{id: F1, from: A, to: P, request: INVITE, dialog: call}",
       "{id: F1, from: A, to: P, request: INVITE, dialog: call, uri: {user: '${B.user}'}}");
  scenario::Scenario sc = load(text);
  std::vector<Wire> own = call(1);  // engine 1: bob
  std::vector<Wire> apart = call(2);  // engine 2: bob-2
  edit(apart[F1].text, "INVITE sip:bob@", "INVITE sip:bob-2@");
  std::vector<Wire> crossed = call(3);  // engine 2's call, but to engine 1's bob
  const auto in = interleave({own, apart, crossed});
  auto run_with = [&](bool users) {
    EachOptions o;
    o.check.roles = role_map();
    o.check.bindings.roles["B"]["user"] = "bob";
    auto second = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    (*second)["B"] = "bob-2";
    if (users) {
      o.users_of = [second](std::string_view id) -> const std::map<std::string, std::string,
                                                                  std::less<>>* {
        return id == "call-1" ? nullptr : second.get();
      };
    }
    return check_each(sc, o, 1, [&in](unsigned, const Feed& feed) {
      for (const sip::WireMessage& m : in) {
        feed(sip::WireBytes{static_cast<const sip::Wire&>(m), m.message.bytes()});
      }
    });
  };
  EachSummary by_engine = run_with(true);
  EXPECT_EQ(by_engine.passed, 2u);
  EXPECT_EQ(failed_ids(by_engine), std::vector<std::string>{"call-3"});
  EXPECT_EQ(by_engine.failures_by_step["F1 header"], 1u);  // the Request-URI's user

  EachSummary one_user = run_with(false);
  EXPECT_EQ(one_user.passed, 2u);
  EXPECT_EQ(failed_ids(one_user), std::vector<std::string>{"call-2"});
}

TEST(EachChecker, OpenCallsFollowTheCallsInProgress) {
  EachOptions o;
  o.check.roles = role_map();
  scenario::Scenario sc = load(basic_ladder());
  EachChecker each(sc, o);
  std::vector<std::vector<Wire>> calls;
  for (int k = 1; k <= 300; ++k) calls.push_back(call(k));
  std::size_t peak = 0;
  for (const sip::WireMessage& m : interleave(std::move(calls))) {
    each.add(m.copy());
    peak = std::max(peak, each.open_calls());
  }
  EXPECT_EQ(each.open_calls(), 0u);  // every call completed and was freed
  // Calls start 50 ms apart and last about 5 s (call()): about a hundred in progress at once,
  // never the 300 of the whole load.
  EXPECT_GT(peak, 50u);
  EXPECT_LE(peak, 110u);
  EXPECT_EQ(each.summary().passed, 300u);
}

TEST(Histogram, PercentilesOfASingleValueAreThatValue) {
  Histogram h;
  h.add(12'345'678);
  for (double q : {0.0, 0.5, 0.95, 0.99, 1.0}) EXPECT_EQ(h.percentile(q), 12'345'678) << q;
  EXPECT_EQ(Histogram{}.percentile(0.5), 0);
}

TEST(Histogram, PercentilesFallWithinTheirBin) {
  // 1 .. 1000 ms, one value each: the true p50 is 500 ms, p95 950 ms, p99 990 ms.
  Histogram h;
  for (int ms = 1; ms <= 1000; ++ms) h.add(static_cast<core::TimeNs>(ms) * 1'000'000);
  auto near = [](core::TimeNs got, double want_ms) {
    double g = static_cast<double>(got) / 1e6;
    return g >= want_ms / 1.26 && g <= want_ms * 1.26;  // one bin: a factor 10^0.1
  };
  EXPECT_PRED2(near, h.percentile(0.5), 500.0);
  EXPECT_PRED2(near, h.percentile(0.95), 950.0);
  EXPECT_PRED2(near, h.percentile(0.99), 990.0);
  EXPECT_EQ(h.percentile(0), 1'000'000);
  EXPECT_EQ(h.percentile(1), 1'000'000'000);
  EXPECT_LE(h.percentile(0.5), h.percentile(0.95));
  EXPECT_LE(h.percentile(0.95), h.percentile(0.99));
}

TEST(Histogram, APercentileIsTheValueOfItsRankNotAnAverage) {
  // 98 fast values and 2 slow ones: p95 is fast, p99 slow (the 99th of 100 values).
  Histogram h;
  for (int i = 0; i < 98; ++i) h.add(2'000'000);
  h.add(800'000'000);
  h.add(900'000'000);
  EXPECT_LT(h.percentile(0.95), 3'000'000);
  EXPECT_GT(h.percentile(0.99), 600'000'000);
  EXPECT_EQ(h.percentile(1.0), 900'000'000);
  // Merging shares gives the percentiles of the whole.
  Histogram a, b;
  for (int i = 0; i < 49; ++i) a.add(2'000'000);
  for (int i = 0; i < 49; ++i) b.add(2'000'000);
  a.add(800'000'000);
  b.add(900'000'000);
  a.merge(b);
  EXPECT_EQ(a.percentile(0.5), h.percentile(0.5));
  EXPECT_EQ(a.percentile(0.99), h.percentile(0.99));
}

}  // namespace
}  // namespace ladder::checker
