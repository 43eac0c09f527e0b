// What the loader derives for the checker and the engine: answers, causal order, triggers, within.
#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

Scenario load_ok(std::string_view text) {
  LoadResult r = load_scenario_text(text, "t.yaml");
  std::string errors;
  for (const auto& d : r.diagnostics) errors += d.format() + "\n";
  EXPECT_TRUE(r.ok()) << errors;
  return r.ok() ? *r.scenario : Scenario{};
}

template <typename Indices>
std::string ids(const Scenario& s, const Indices& idx) {
  std::string out;
  for (std::size_t i : idx) out += (out.empty() ? "" : " ") + s.steps[i].id;
  return out;
}

const Step& step(const Scenario& s, std::string_view id) { return s.steps[*s.find_step(id)]; }

constexpr std::string_view kCancel =
    "roles: [A, B, P: proxy]\n"
    "steps:\n"
    "  - {id: F1, from: A, to: P, request: INVITE}\n"
    "  - {id: F2, from: P, to: A, response: 100}\n"
    "  - {id: F3, from: P, to: B, request: INVITE, forwards: F1}\n"
    "  - {id: F4, from: B, to: P, response: 180}\n"
    "  - {id: F5, from: P, to: A, response: 180, forwards: F4}\n"
    "  - {id: F6, from: A, to: P, request: CANCEL}\n"
    "  - {id: F7, from: P, to: B, request: CANCEL}\n"
    "  - {id: F8, from: P, to: A, response: 200}\n"
    "  - {id: F9, from: B, to: P, response: 487}\n"
    "  - {id: F10, from: B, to: P, response: 200}\n"
    "  - {id: F11, from: P, to: A, response: 487, forwards: F9}\n"
    "  - {id: F12, from: A, to: P, request: ACK}\n";

TEST(Validate, InfersAnswersKeepingTransactionsOpenOn1xx) {
  Scenario s = load_ok(kCancel);
  auto answered = [&](std::string_view id) { return s.steps[*step(s, id).answers].id; };
  EXPECT_EQ(answered("F2"), "F1");
  EXPECT_EQ(answered("F4"), "F3");
  EXPECT_EQ(answered("F5"), "F1");  // the 100 kept F1 open
  EXPECT_EQ(answered("F8"), "F6");
  EXPECT_EQ(answered("F9"), "F3");  // a 487 ends the INVITE even with the CANCEL still open
  EXPECT_EQ(answered("F10"), "F7");
  EXPECT_EQ(answered("F11"), "F1");
  EXPECT_TRUE(step(s, "F5").answers_inferred);
}

TEST(Validate, ExplicitAnswersIsKept) {
  Scenario s = load_ok(
      "roles: [A, B]\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE}\n"
      "  - {id: F2, from: A, to: B, request: INFO}\n"
      "  - {id: F3, from: B, to: A, response: 200, answers: F1}\n");
  EXPECT_EQ(*step(s, "F3").answers, 0u);
  EXPECT_FALSE(step(s, "F3").answers_inferred);
}

TEST(Validate, CausalPredecessorsAndTrigger) {
  Scenario s = load_ok(kCancel);
  EXPECT_EQ(ids(s, step(s, "F3").preceded_by), "F1");
  // P received F1 and F4 before sending F7; A received F2 and F5 before F6.
  EXPECT_EQ(ids(s, step(s, "F7").preceded_by), "F1 F4 F6");
  EXPECT_EQ(s.steps[*step(s, "F7").trigger].id, "F6");
  EXPECT_EQ(ids(s, step(s, "F6").preceded_by), "F2 F5");
  EXPECT_FALSE(step(s, "F1").trigger.has_value());
  EXPECT_EQ(ids(s, step(s, "F12").preceded_by), "F2 F5 F8 F11");
}

TEST(Validate, OptionalStepsNeverTrigger) {
  Scenario s = load_ok(
      "roles: [A, B]\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE}\n"
      "  - {id: F2, from: B, to: A, response: 200}\n"
      "  - {id: F2a, from: B, to: A, request: INFO, optional: true}\n"
      "  - {id: F3, from: A, to: B, request: ACK, within: 1s}\n");
  const Step& ack = step(s, "F3");
  EXPECT_EQ(ids(s, ack.preceded_by), "F2 F2a");
  EXPECT_EQ(s.steps[*ack.trigger].id, "F2");
  ASSERT_TRUE(ack.within);
  EXPECT_EQ(s.steps[ack.within->of].id, "F2");
  EXPECT_TRUE(ack.within->of_inferred);
  EXPECT_EQ(ack.within->max, std::chrono::seconds(1));
}

TEST(Validate, AnyOrderWaivesCausalityInsideTheGroup) {
  Scenario s = load_ok(
      "roles: [A, B]\n"
      "any_order: [[F2, F3]]\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: MESSAGE}\n"
      "  - {id: F2, from: A, to: B, request: INFO}\n"
      "  - {id: F3, from: B, to: A, response: 200, answers: F2}\n");
  // F2 is waived; F1 stays: B received it before answering.
  EXPECT_EQ(ids(s, step(s, "F3").preceded_by), "F1");
  ASSERT_EQ(s.any_order.size(), 1u);
  EXPECT_EQ(ids(s, s.any_order[0]), "F2 F3");
}

TEST(Validate, AfterAndWithinOfANamedStep) {
  Scenario s = load_ok(
      "roles: [A, B]\n"
      "policy: {strict_order: true, extra_messages: fail, record_route: false, step_timeout: 3s}\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: OPTIONS}\n"
      "  - {id: F2, from: B, to: A, response: 200}\n"
      "  - {id: F3, from: B, to: A, request: MESSAGE, after: F2, within: {of: F1, max: 2s}}\n");
  const Step& f3 = step(s, "F3");
  EXPECT_EQ(*f3.after, 1u);
  EXPECT_EQ(*f3.trigger, 1u);
  EXPECT_EQ(f3.within->of, 0u);
  EXPECT_FALSE(f3.within->of_inferred);
  EXPECT_TRUE(s.policy.strict_order);
  EXPECT_EQ(s.policy.extra_messages, ExtraMessages::fail);
  EXPECT_EQ(s.policy.record_route, false);
  EXPECT_EQ(s.policy.step_timeout, std::chrono::seconds(3));
}

TEST(Validate, WithinWithoutAnythingBefore) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\nsteps:\n  - {id: F1, from: A, to: B, request: OPTIONS, within: 1s}\n",
      "t.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(
      summary_line(r.diagnostics[0]),
      "'within' of step F1 has no earlier step to count from; write within: {of: Fn, max: ...}");
}

TEST(Validate, RolesDialogsAndRecordRoute) {
  Scenario s = load_ok(
      "name: n\nsummary: s\ntags: [a, b]\n"
      "roles: {A: ua, P: proxy, Q: b2bua}\n"
      "dialogs: {ab: established, ac: new}\n"
      "steps:\n  - {id: F1, from: A, to: P, request: BYE, dialog: ab}\n");
  ASSERT_EQ(s.roles.size(), 3u);
  EXPECT_EQ(s.roles[1].kind, RoleKind::proxy);
  EXPECT_TRUE(s.expects_record_route(*s.find_role("P")));
  EXPECT_FALSE(s.expects_record_route(*s.find_role("Q")));
  EXPECT_FALSE(s.expects_record_route(*s.find_role("A")));
  EXPECT_EQ(s.find_dialog("ab")->state, DialogState::established);
  EXPECT_EQ(s.find_dialog("ac")->state, DialogState::fresh);
  EXPECT_EQ(s.tags, (std::vector<std::string>{"a", "b"}));
}

TEST(Validate, ExpectationsAndSendAreModelled) {
  Scenario s = load_ok(
      "roles: [A, B]\n"
      "steps:\n"
      "  - id: F1\n"
      "    from: A\n"
      "    to: B\n"
      "    request: INVITE\n"
      "    uri: {user: '${B.user}', param: {transport: tcp}}\n"
      "    headers:\n"
      "      Via: [{index: 0, param: {branch: {matches: '^z9hG4bK'}, rport: present}}, {index: "
      "all, count: 1}]\n"
      "      Record-Route: absent\n"
      "      Contact: {uri: {scheme: sip, port: '5060'}, uri_param: {lr: absent}}\n"
      "      From: {save: {var: ftag, param: tag}}\n"
      "    body: {content_type: application/sdp, contains: [m=audio, c=IN], empty: false,\n"
      "           sdp: {lines: [a=sendonly], absent: [a=recvonly]}}\n"
      "    send: {headers: {Subject: 'hi ${B.user}'}, body: {sdp: hold}}\n"
      "    retransmissions: {min: 0, max: 2}\n"
      "    timeout: 500ms\n"
      "  - {id: F2, from: B, to: A, response: 200, reason: OK, retransmissions: 0,\n"
      "     send: {body: {type: text/plain, text: 'tag ${ftag}'}}}\n");
  const Step& f1 = s.steps[0];
  ASSERT_TRUE(f1.request_uri);
  EXPECT_EQ(f1.request_uri->user->match[0].value.source, "${B.user}");
  EXPECT_EQ(f1.request_uri->params[0].name, "transport");
  ASSERT_EQ(f1.headers.size(), 5u);
  EXPECT_EQ(f1.headers[0].name, "Via");
  EXPECT_EQ(f1.headers[0].params[1].check.presence, Presence::present);
  EXPECT_TRUE(f1.headers[1].every);
  EXPECT_EQ(f1.headers[1].count, 1);
  EXPECT_EQ(f1.headers[2].presence, Presence::absent);
  EXPECT_EQ(f1.headers[3].uri->scheme->match[0].value.source, "sip");
  EXPECT_EQ(f1.headers[3].uri->params[0].check.presence, Presence::absent);
  EXPECT_EQ(f1.headers[4].save->param, "tag");
  ASSERT_TRUE(f1.body);
  EXPECT_EQ(f1.body->content_type, "application/sdp");
  EXPECT_EQ(f1.body->text.size(), 2u);
  EXPECT_EQ(f1.body->empty, false);
  EXPECT_EQ(f1.body->sdp_lines[0].source, "a=sendonly");
  EXPECT_EQ(f1.body->sdp_absent_lines[0].source, "a=recvonly");
  EXPECT_EQ(f1.send->headers[0].first, "Subject");
  EXPECT_EQ(f1.send->sdp_preset, "hold");
  EXPECT_EQ(f1.send->body_type, "application/sdp");
  EXPECT_EQ(f1.retransmissions->max, 2);
  EXPECT_EQ(f1.timeout, std::chrono::milliseconds(500));
  const Step& f2 = s.steps[1];
  EXPECT_EQ(f2.reason, "OK");
  EXPECT_EQ(f2.retransmissions->max, 0);
  EXPECT_EQ(f2.send->body_text->source, "tag ${ftag}");
}

TEST(Validate, WaiveTakesKnownFailureKinds) {
  auto ok = load_scenario_text(
      "roles: [A, B]\npolicy: {waive: [dialog, rule]}\n"
      "steps: [{id: F1, from: A, to: B, request: BYE}]\n", "t.yaml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.scenario->policy.waive, (std::vector<std::string>{"dialog", "rule"}));
  auto bad = load_scenario_text(
      "roles: [A, B]\npolicy: {waive: [dialgo]}\n"
      "steps: [{id: F1, from: A, to: B, request: BYE}]\n", "t.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.diagnostics.at(0).where, "t.yaml:2:18");
  EXPECT_EQ(summary_line(bad.diagnostics.at(0)),
            "unknown failure kind 'dialgo' in 'waive' in 'policy'; did you mean 'dialog'?");
}

}  // namespace
}  // namespace ladder::scenario
