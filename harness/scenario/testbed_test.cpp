#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

std::string summaries(const TestbedResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.where + ": " + std::string(summary_line(d)) + "\n";
  return out;
}

TEST(Testbed, LoadsTheDesignSketch) {
  TestbedResult r = load_testbed_text(
      "roles:\n"
      "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, transport: udp}\n"
      "  B: {played_by: harness, bind: '[::1]:5070', user: bob, password_env: BOB_PW}\n"
      "  C: {played_by: harness, bind: 127.0.0.1:0, user: carol, register: true}\n"
      "  P: {dut: 127.0.0.1:5060, domain: example.test, kind: proxy}\n"
      "  H: {dut: 192.0.2.50:5060, driver: {kind: action-uri, base: 'http://192.0.2.50', user_env: "
      "PHONE_USER, password_env: PHONE_PASS}}\n"
      "  S: {external: 127.0.0.1:5090}\n"
      "capture: {interface: lo, linger: 2s}\n"
      "timeouts: {step: 5s}\n",
      "tb.yaml");
  ASSERT_TRUE(r.ok()) << summaries(r);
  const Testbed& t = *r.testbed;
  ASSERT_EQ(t.roles.size(), 6u);
  EXPECT_EQ(t.find_role("B")->address.to_string(), "[::1]:5070");
  EXPECT_EQ(t.find_role("B")->password_env, "BOB_PW");
  EXPECT_TRUE(t.find_role("C")->registers);
  EXPECT_EQ(t.find_role("P")->played_by, PlayedBy::dut);
  EXPECT_EQ(t.find_role("P")->kind, RoleKind::proxy);
  EXPECT_EQ(t.find_role("H")->driver->kind, DriverKind::action_uri);
  EXPECT_EQ(t.find_role("H")->driver->options.at("password_env"), "PHONE_PASS");
  EXPECT_EQ(t.find_role("S")->played_by, PlayedBy::external);
  EXPECT_EQ(t.capture.linger, std::chrono::seconds(2));
  EXPECT_EQ(t.timeouts.step, std::chrono::seconds(5));

  Bindings b = bindings_from(t);
  EXPECT_EQ(b.roles["A"]["user"], "alice");
  EXPECT_EQ(b.roles["A"]["host"], "127.0.0.1");
  EXPECT_EQ(b.roles["A"].count("port"), 0u);  // ephemeral: not known before the run
  EXPECT_EQ(b.roles["B"]["host"], "[::1]");
  EXPECT_EQ(b.roles["P"]["address"], "127.0.0.1:5060");
  EXPECT_EQ(b.roles["P"]["domain"], "example.test");
}

TEST(Testbed, RefusesSecretsAndBadValues) {
  TestbedResult r = load_testbed_text(
      "roles:\n"
      "  A: {bind: 127.0.0.1:0, user: alice, password: hunter2}\n"
      "  P: {dut: 'example.test:5060', kind: proxi}\n"
      "  H: {dut: 192.0.2.50:5060, driver: {kind: yealink, secret: x}}\n"
      "capture: {linger: soon}\n",
      "tb.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(
      summaries(r),
      "tb.yaml:2:39: key 'password' in role A would hold a secret; secrets never go in YAML: "
      "name an environment variable with 'password_env: VARIABLE'\n"
      "tb.yaml:3:12: bad address 'example.test:5060' for 'dut' in role P; expected IP:PORT "
      "such as 192.0.2.10:5060 or [fd00::1]:5060\n"
      "tb.yaml:3:39: unknown kind 'proxi' for 'kind' in role P; did you mean 'proxy'?\n"
      "tb.yaml:4:44: unknown driver 'yealink' for 'kind' in 'driver' of role H; drivers are "
      "action-uri, csta, prompt and baresip\n"
      "tb.yaml:4:53: key 'secret' in 'driver' of role H would hold a secret; secrets never go "
      "in YAML: name an environment variable with 'secret_env: VARIABLE'\n"
      "tb.yaml:5:19: bad duration 'soon' for 'linger' in 'capture'; expected a number and a "
      "unit: 100us, 500ms, 2s, 1.5s, 1m\n");
}

TEST(Testbed, CheckBindingAgainstAScenario) {
  LoadResult sc = load_scenario_text(
      "roles: [A, C, P: proxy]\nsteps:\n  - {id: F1, from: A, to: P, request: OPTIONS}\n",
      "s.yaml");
  ASSERT_TRUE(sc.ok());
  TestbedResult tb =
      load_testbed_text("roles:\n  A: {user: alice}\n  P: {played_by: harness}\n", "tb.yaml");
  ASSERT_TRUE(tb.ok()) << summaries(tb);
  std::string out;
  for (const auto& d : check_binding(*sc.scenario, *tb.testbed)) out += d.format() + "\n";
  EXPECT_EQ(out,
            "s.yaml:1:12: error: role 'C' is not bound in testbed tb.yaml\n"
            "s.yaml:1:15: error: role 'P' is a proxy but testbed tb.yaml has the harness play it; "
            "the harness plays user agents only\n");
}

}  // namespace
}  // namespace ladder::scenario

namespace ladder::scenario {
namespace {

TEST(TestbedStart, LoadsEveryKindWithItsDefaultProbe) {
  TestbedResult r = load_testbed_text(
      "roles:\n"
      "  P: {dut: 127.0.0.1:0, kind: proxy, start: {kind: kamailio, config: k.cfg, defines: "
      "[WITH_AUTH], set: {CHILDREN: 1}, within: 3s}}\n"
      "  A: {dut: 127.0.0.1:0, start: {kind: baresip}, driver: {kind: prompt}}\n"
      "  C: {external: 127.0.0.1:0, start: {kind: sipp, scenario: s.xml, args: [-m, '1']}}\n"
      "  D: {external: 127.0.0.1:0, start: {command: [my-ua, '${port}'], ready_log: listening}}\n"
      "  E: {dut: 127.0.0.1:0, driver: {kind: prompt}, start: {kind: baresip, ready: tcp}}\n",
      "tb.yaml");
  ASSERT_TRUE(r.ok()) << summaries(r);
  const Testbed& t = *r.testbed;
  const Start& p = *t.find_role("P")->start;
  EXPECT_EQ(p.kind, StartKind::kamailio);
  EXPECT_EQ(p.config, "k.cfg");
  EXPECT_EQ(p.defines, std::vector<std::string>{"WITH_AUTH"});
  EXPECT_EQ(p.set.at("CHILDREN"), "1");
  EXPECT_EQ(p.ready, ReadyProbe::sip_options);
  EXPECT_EQ(p.within, std::chrono::seconds(3));
  EXPECT_EQ(t.find_role("A")->start->ready, ReadyProbe::control);
  EXPECT_EQ(t.find_role("A")->start->within, std::chrono::seconds(10));
  EXPECT_EQ(t.find_role("C")->start->ready, ReadyProbe::udp);
  EXPECT_EQ(t.find_role("C")->start->args, (std::vector<std::string>{"-m", "1"}));
  const Start& d = *t.find_role("D")->start;
  EXPECT_EQ(d.kind, StartKind::command);
  EXPECT_EQ(d.command, (std::vector<std::string>{"my-ua", "${port}"}));
  EXPECT_EQ(d.ready, ReadyProbe::log_line);
  EXPECT_EQ(d.ready_log, "listening");
  EXPECT_EQ(t.find_role("E")->start->ready, ReadyProbe::tcp);
  EXPECT_FALSE(t.find_role("B"));
}

TEST(TestbedStart, BadValuesNameFileLineAndColumn) {
  TestbedResult r = load_testbed_text(
      "roles:\n"
      "  A: {bind: 127.0.0.1:0, start: {kind: baresip}}\n"
      "  P: {dut: 127.0.0.1:0, start: {kind: kamailo, config: k.cfg}}\n"
      "  Q: {dut: 127.0.0.1:0, start: {kind: kamailio}}\n"
      "  S: {external: 127.0.0.1:0, start: {kind: sipp, scenario: s.xml, defines: [X]}}\n"
      "  T: {external: 127.0.0.1:0, start: {command: [ua]}}\n"
      "  U: {external: 127.0.0.1:0, start: {kind: sipp, scenario: s.xml, ready: contrl}}\n"
      "  V: {dut: 127.0.0.1:0, start: {kind: kamailio, config: k.cfg, set: {children: 1}, "
      "within: 0s}}\n"
      "  W: {dut: 127.0.0.1:0, start: {kind: sipp, scenario: s.xml, ready: control}}\n"
      "  X: {dut: 127.0.0.1:0, start: {}, driver: {kind: baresip, fallback: operator}}\n"
      "  Y: {dut: 127.0.0.1:0, start: {kind: baresip, password: x, configg: d}}\n",
      "tb.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(summaries(r),
            "tb.yaml:2:33: 'start' in role A starts a component of a 'dut' or 'external' role; "
            "the harness plays this one itself\n"
            "tb.yaml:3:39: unknown kind 'kamailo' for 'kind' in 'start' of role P; did you mean "
            "'kamailio'?\n"
            "tb.yaml:4:32: missing key 'config' in 'start' of role Q\n"
            "tb.yaml:5:76: 'defines' in 'start' of role S belongs to kind kamailio, not sipp\n"
            "tb.yaml:6:37: 'start' of role T runs a command: say when it is ready with 'ready' "
            "(sip-options, udp, tcp or none) or 'ready_log: TEXT'\n"
            "tb.yaml:7:74: unknown probe 'contrl' for 'ready' in 'start' of role U; did you mean "
            "'control'?\n"
            "tb.yaml:8:70: bad name 'children' in 'set' in 'start' of role V; Kamailio "
            "substitutions are upper-case names such as CHILDREN\n"
            "tb.yaml:8:92: expected a duration above zero for 'within' in 'start' of role V\n"
            "tb.yaml:9:69: probe 'control' in 'start' of role W belongs to kind baresip\n"
            "tb.yaml:10:32: 'start' of role X needs 'kind' (kamailio, baresip or sipp) or "
            "'command'\n"
            "tb.yaml:10:70: unknown fallback 'operator' for 'fallback' in 'driver' of role X; the "
            "only fallback is prompt (ask the operator)\n"
            "tb.yaml:11:48: key 'password' in 'start' of role Y would hold a secret; secrets never "
            "go in YAML: name an environment variable with 'password_env: VARIABLE'\n"
            "tb.yaml:11:61: unknown key 'configg' in 'start' of role Y; did you mean 'config'?\n");
}

}  // namespace
}  // namespace ladder::scenario
