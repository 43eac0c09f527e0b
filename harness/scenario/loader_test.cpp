// The exact text of `ladder validate` diagnostics: one test per kind of error.
#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

// Every diagnostic, formatted as the CLI prints it.
std::string diagnose(std::string_view text) {
  LoadResult r = load_scenario_text(text, "t.yaml");
  std::string out;
  for (const auto& d : r.diagnostics) out += d.format() + "\n";
  return out;
}

// Summary lines only, for tests about several errors at once.
std::string summaries(std::string_view text) {
  LoadResult r = load_scenario_text(text, "t.yaml");
  std::string out;
  for (const auto& d : r.diagnostics) {
    out += d.where + ": " + std::string(to_string(d.severity)) + ": " +
           std::string(summary_line(d)) + "\n";
  }
  return out;
}

TEST(Loader, UnknownKeySuggestsTheCloseOneWithCaret) {
  EXPECT_EQ(diagnose("roles: [A, B]\n"
                     "steps:\n"
                     "  - {id: F1, from: A, to: B, request: INVITE}\n"
                     "  - {id: F2, form: B, to: A, response: 180}\n"),
            "t.yaml:4:14: error: unknown key 'form' in step F2; did you mean 'from'?\n"
            "    4 |   - {id: F2, form: B, to: A, response: 180}\n"
            "      |              ^\n");
}

// Two edits is the limit: a key two letters longer than a known one is still close, three
// letters longer is not (and costs no distance computation: a hostile file's long keys).
TEST(Loader, UnknownKeySuggestsAKnownOneUpToTwoLettersLongerOrShorter) {
  const std::string ladder = "roles: [A, B]\nsteps:\n  - {id: F1, %s: A, to: B, request: BYE}\n";
  auto with_key = [&](const std::string& key) {
    std::string text = ladder;
    text.replace(text.find("%s"), 2, key);
    return summaries(text);
  };
  auto hint = [&](const std::string& key) {
    const std::string said = with_key(key);
    const std::size_t at = said.find("did you mean '");
    return at == std::string::npos ? std::string()
                                   : said.substr(at + 14, said.find('\'', at + 14) - at - 14);
  };
  EXPECT_EQ(hint("fromxx"), "from");
  EXPECT_EQ(hint("respon"), "response");
  EXPECT_EQ(hint("fromxxx"), "");
  EXPECT_EQ(hint(std::string(100'000, 'f')), "");
}

TEST(Loader, UnknownKeyWithoutACloseOneListsTheKeys) {
  EXPECT_EQ(
      summaries(
          "roles: [A, B]\npolicy: {zzz: 1}\nsteps: [{id: F1, from: A, to: B, request: BYE}]\n"),
      "t.yaml:2:10: error: unknown key 'zzz' in 'policy'; expected one of: extra_messages, "
      "strict_order, record_route, step_timeout and waive\n");
}

TEST(Loader, MissingKeys) {
  EXPECT_EQ(summaries("roles: [A, B]\n"
                      "steps:\n"
                      "  - {from: A, to: B, request: INVITE}\n"
                      "  - {id: F2, to: A, response: 180}\n"
                      "  - {id: F3, from: B, response: 200}\n"
                      "  - {id: F4, from: A, to: B}\n"),
            "t.yaml:3:5: error: missing key 'id' in step #1\n"
            "t.yaml:4:5: error: missing key 'from' in step F2\n"
            "t.yaml:5:5: error: missing key 'to' in step F3\n"
            "t.yaml:6:5: error: missing key 'request' or 'response' in step F4\n");
}

TEST(Loader, MissingTopLevelKeys) {
  EXPECT_EQ(summaries("name: x\n"),
            "t.yaml:1:1: error: missing key 'roles' in the ladder file\n"
            "t.yaml:1:1: error: missing key 'steps' in the ladder file\n");
}

TEST(Loader, BothRequestAndResponse) {
  EXPECT_EQ(
      diagnose(
          "roles: [A, B]\nsteps:\n  - {id: F5, from: A, to: B, request: ACK, response: 200}\n"),
      "t.yaml:3:44: error: both 'request' and 'response' in step F5; a step is one message\n"
      "    3 |   - {id: F5, from: A, to: B, request: ACK, response: 200}\n"
      "      |                                            ^\n");
}

TEST(Loader, ActionPressKeepsTheKeysInOrder) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\nsteps:\n"
      "  - {id: F1, from: A, to: B, request: REFER, action: {press: [F_TRANSFER, '1', '#', POUND]}}\n",
      "t.yaml");
  ASSERT_TRUE(r.scenario) << (r.diagnostics.empty() ? "" : r.diagnostics[0].format());
  ASSERT_TRUE(r.scenario->steps[0].action);
  EXPECT_EQ(r.scenario->steps[0].action->press,
            (std::vector<std::string>{"F_TRANSFER", "1", "#", "POUND"}));
}

TEST(Loader, ActionPressErrorsPointAtTheKey) {
  EXPECT_EQ(summaries("roles: [A, B]\nsteps:\n"
                      "  - {id: F1, from: A, to: B, request: BYE, action: {press: []}}\n"
                      "  - {id: F2, from: A, to: B, request: BYE, action: {press: [OK, 'a&b']}}\n"
                      "  - {id: F3, from: A, to: B, request: BYE, action: {keys: [OK]}}\n"),
            "t.yaml:3:60: error: expected a list of keys for 'press' in 'action' in step F1, such "
            "as [F_TRANSFER, \"1\", POUND]; found an empty list\n"
            "t.yaml:4:65: error: bad key 'a&b' in 'press' in 'action' in step F2; a key is a name "
            "such as OK, F_TRANSFER, POUND or a digit\n"
            "t.yaml:5:52: error: missing key 'press' in 'action' in step F3\n"
            "t.yaml:5:53: error: unknown key 'keys' in 'action' in step F3; expected one of: verb and press\n");
}

TEST(Loader, ActionNamesTheVerbInferenceCannotKnow) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\ndialogs: {d: new}\nsteps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE, dialog: d}\n"
      "  - {id: F2, from: B, to: A, response: 200, dialog: d, action: {verb: answer, press: [OK]}}\n"
      "  - {id: F3, from: A, to: B, request: INVITE, dialog: d, action: hold}\n",
      "t.yaml");
  ASSERT_TRUE(r.scenario) << (r.diagnostics.empty() ? "" : r.diagnostics[0].format());
  EXPECT_EQ(r.scenario->steps[1].action->verb, "answer");
  EXPECT_EQ(r.scenario->steps[1].action->press, (std::vector<std::string>{"OK"}));
  EXPECT_EQ(r.scenario->steps[2].action->verb, "hold");
  EXPECT_TRUE(r.scenario->steps[2].action->press.empty());
  EXPECT_EQ(summaries("roles: [A, B]\nsteps:\n"
                      "  - {id: F1, from: A, to: B, request: BYE, action: hangup}\n"),
            "t.yaml:3:52: error: unknown verb 'hangup' in 'action' in step F1; one of dial, "
            "reinvite, hold, resume, ring, answer, reject, hang_up, cancel, transfer, digits, "
            "request\n");
}

TEST(Loader, UnknownRole) {
  EXPECT_EQ(
      summaries("roles: [A, B, P: proxy]\nsteps:\n  - {id: F1, from: A, to: D, request: INVITE}\n"),
      "t.yaml:3:27: error: unknown role 'D' in 'to' of step F1; roles are A, B and P\n");
}

TEST(Loader, UnknownStepReferences) {
  EXPECT_EQ(
      summaries(
          "roles: [A, B, P: proxy]\n"
          "steps:\n"
          "  - {id: F1, from: A, to: P, request: INVITE}\n"
          "  - {id: F2, from: P, to: B, request: INVITE, forwards: F9}\n"
          "  - {id: F3, from: B, to: P, response: 180, answers: F22, after: f2}\n"
          "  - {id: F4, from: P, to: A, response: 180, forwards: F3, within: {of: F33, max: 1s}}\n"
          "any_order: [[F3, F7]]\n"),
      "t.yaml:4:57: error: unknown step 'F9' in 'forwards' of step F2\n"
      "t.yaml:5:54: error: unknown step 'F22' in 'answers' of step F3\n"
      "t.yaml:5:66: error: unknown step 'f2' in 'after' of step F3; did you mean 'F2'?\n"
      "t.yaml:6:72: error: unknown step 'F33' in 'within' of step F4\n"
      "t.yaml:7:18: error: unknown step 'F7' in 'any_order'\n");
}

TEST(Loader, ReferenceToALaterStep) {
  EXPECT_EQ(summaries("roles: [A, B, P: proxy]\n"
                      "steps:\n"
                      "  - {id: F1, from: A, to: P, request: INVITE, after: F2}\n"
                      "  - {id: F2, from: P, to: B, request: INVITE, forwards: F2}\n"),
            "t.yaml:3:54: error: 'after' of step F1 names F2, which comes later; it must name an "
            "earlier step\n"
            "t.yaml:4:57: error: 'forwards' of step F2 names F2, the step itself; it must name an "
            "earlier step\n");
}

TEST(Loader, ForwardFromTheWrongRole) {
  EXPECT_EQ(diagnose("roles: [A, B, P: proxy]\n"
                     "steps:\n"
                     "  - {id: F1, from: A, to: B, request: INVITE}\n"
                     "  - {id: F2, from: P, to: B, request: INVITE, forwards: F1}\n"),
            "t.yaml:4:57: error: step F2 forwards F1, but F1 goes from A to B, not to P; a forward "
            "is sent by the role that received the original\n"
            "    4 |   - {id: F2, from: P, to: B, request: INVITE, forwards: F1}\n"
            "      |                                                         ^\n");
}

TEST(Loader, ForwardChangesTheMessageOrComesFromAUserAgent) {
  EXPECT_EQ(summaries("roles: [A, B, P]\n"
                      "steps:\n"
                      "  - {id: F1, from: A, to: P, request: INVITE}\n"
                      "  - {id: F2, from: P, to: B, request: CANCEL, forwards: F1}\n"),
            "t.yaml:4:39: error: step F2 forwards F1 (INVITE) but is a CANCEL; a forward keeps the "
            "method or status\n"
            "t.yaml:4:57: error: step F2 forwards F1, but role P is a ua; declare it as 'P: proxy' "
            "or 'P: b2bua' under 'roles'\n");
}

TEST(Loader, DuplicateStepId) {
  EXPECT_EQ(summaries("roles: [A, B]\n"
                      "steps:\n"
                      "  - {id: F1, from: A, to: B, request: INVITE}\n"
                      "  - {id: F1, from: A, to: B, request: CANCEL}\n"),
            "t.yaml:4:5: error: duplicate step id 'F1'; first defined at 3:5\n");
}

// Issue 14: a 200,000-character line was echoed whole, with as many spaces before the caret
// (400 KB for one diagnostic). The excerpt is now a 120-column window around the caret.
TEST(Loader, Issue14LongSourceLineIsEchoedAsAWindowAroundTheCaret) {
  const std::string step = "  - {id: F1, from: A, to: B, request: INVITE, note: '";
  // Caret near the end: cut on the left only, the caret still under 'form'.
  EXPECT_EQ(diagnose("roles: [A, B]\nsteps:\n" + step + std::string(200000, 'x') +
                     "', form: B}\n"),
            "t.yaml:3:" + std::to_string(step.size() + 200000 + 4) +
                ": error: unknown key 'form' in step F1; did you mean 'from'?\n"
                "    3 | ..." + std::string(109, 'x') + "', form: B}\n"
                "      |    " + std::string(112, ' ') + "^\n");
  // Caret in the middle: cut on both sides, 60 columns either side of it.
  EXPECT_EQ(diagnose("roles: [A, B]\nsteps:\n" + step + std::string(100000, 'x') +
                     "', form: B, uri: 'sip:" + std::string(100000, 'y') + "'}\n"),
            "t.yaml:3:" + std::to_string(step.size() + 100000 + 4) +
                ": error: unknown key 'form' in step F1; did you mean 'from'?\n"
                "    3 | ..." + std::string(57, 'x') + "', form: B, uri: 'sip:" +
                std::string(41, 'y') + "...\n"
                "      |    " + std::string(60, ' ') + "^\n");
  // Caret near the start: cut on the right only.
  const std::string head = "  - {id: F1, form: B, from: A, to: B, request: INVITE, note: '";
  EXPECT_EQ(diagnose("roles: [A, B]\nsteps:\n" + head + std::string(200000, 'x') + "'}\n"),
            "t.yaml:3:14: error: unknown key 'form' in step F1; did you mean 'from'?\n"
            "    3 | " + head + std::string(120 - head.size(), 'x') + "...\n"
            "      |              ^\n");
}

TEST(Loader, InvalidRegexIsReportedAtItsValue) {
  EXPECT_EQ(diagnose("roles: [A, B]\n"
                     "steps:\n"
                     "  - id: F1\n"
                     "    from: A\n"
                     "    to: B\n"
                     "    request: INVITE\n"
                     "    headers:\n"
                     "      Contact: {matches: '^<sip:(alice'}\n"),
            "t.yaml:8:26: error: invalid regex '^<sip:(alice' for 'matches' in header 'Contact' in "
            "step F1: missing ')'\n"
            "    8 |       Contact: {matches: '^<sip:(alice'}\n"
            "      |                          ^\n");
}

TEST(Loader, UnknownVariablesAndRoleAttributes) {
  EXPECT_EQ(
      summaries("roles: [A, B]\n"
                "steps:\n"
                "  - id: F1\n"
                "    from: A\n"
                "    to: B\n"
                "    request: INVITE\n"
                "    headers:\n"
                "      Call-ID: {equals: '${call_id}', save: callid}\n"
                "      To: {uri: {user: '${C.user}', host: '${B.hots}'}}\n"
                "  - {id: F2, from: B, to: A, response: 200, headers: {Call-ID: {equals: "
                "'${call_id}'}}}\n"),
      "t.yaml:8:25: error: unknown variable '${call_id}' in step F1; no earlier step saves it\n"
      "t.yaml:9:24: error: unknown role 'C' in '${C.user}' in step F1; roles are A and B\n"
      "t.yaml:9:43: error: unknown role attribute 'hots' in '${B.hots}' in step F1; did you "
      "mean 'host'?\n"
      "t.yaml:10:73: error: unknown variable '${call_id}' in step F2; no earlier step saves "
      "it; did you mean 'callid'?\n");
}

TEST(Loader, BadDurationAndStatus) {
  EXPECT_EQ(summaries("roles: [A, B]\n"
                      "steps:\n"
                      "  - {id: F1, from: A, to: B, request: INVITE, timeout: 5 sec}\n"
                      "  - {id: F2, from: B, to: A, response: 700, within: 1.5us}\n"
                      "  - {id: F3, from: B, to: A, response: OK}\n"),
            "t.yaml:3:56: error: bad duration '5 sec' for 'timeout' in step F1; expected a number "
            "and a unit: 100us, 500ms, 2s, 1.5s, 1m\n"
            "t.yaml:4:40: error: bad status '700' in step F2; expected a number from 100 to 699\n"
            "t.yaml:4:53: error: bad duration '1.5us' for 'within' in step F2; expected a number "
            "and a unit: 100us, 500ms, 2s, 1.5s, 1m\n"
            "t.yaml:5:40: error: bad status 'OK' in step F3; expected a number from 100 to 699\n");
}

TEST(Loader, ResponseWithNothingToAnswer) {
  EXPECT_EQ(diagnose("roles: [A, B]\n"
                     "steps:\n"
                     "  - {id: F1, from: A, to: B, request: INVITE}\n"
                     "  - {id: F2, from: B, to: A, response: 200}\n"
                     "  - {id: F3, from: B, to: A, response: 200}\n"),
            "t.yaml:5:40: error: response F3 (200) from B to A answers nothing: no earlier request "
            "from A to B is waiting for a final response; add the request or 'answers: Fn'\n"
            "    5 |   - {id: F3, from: B, to: A, response: 200}\n"
            "      |                                        ^\n");
}

TEST(Loader, AnswersMustNameARequestTheOtherWay) {
  EXPECT_EQ(summaries("roles: [A, B]\n"
                      "steps:\n"
                      "  - {id: F1, from: A, to: B, request: INVITE}\n"
                      "  - {id: F2, from: A, to: B, response: 200, answers: F1}\n"),
            "t.yaml:4:54: error: 'answers' of step F2 names F1, which goes from A to B; a response "
            "from A to B answers a request from B to A\n");
}

TEST(Loader, WrongTypes) {
  EXPECT_EQ(summaries("roles: [A, B]\n"
                      "steps:\n"
                      "  - id: F1\n"
                      "    from: [A]\n"
                      "    to: B\n"
                      "    request: BYE\n"
                      "    headers: [Contact, present]\n"
                      "    optional: yes\n"
                      "  - just a string\n"),
            "t.yaml:4:11: error: expected a string for 'from' in step F1, found a list\n"
            "t.yaml:7:14: error: expected a map for 'headers' in step F1, found a list\n"
            "t.yaml:8:15: error: expected true or false for 'optional' in step F1, found 'yes'\n"
            "t.yaml:9:5: error: expected a map for step #2, found 'just a string'\n");
}

TEST(Loader, HeaderShorthandOtherThanPresentOrAbsent) {
  EXPECT_EQ(
      summaries("roles: [A, B]\nsteps:\n  - {id: F1, from: A, to: B, request: BYE, headers: "
                "{Subject: hi}}\n"),
      "t.yaml:3:63: error: expected 'present', 'absent' or a map for header 'Subject' in step "
      "F1, found 'hi'; to compare the value write {equals: hi}\n");
}

TEST(Loader, YamlSyntaxErrorHasAPosition) {
  EXPECT_EQ(diagnose("roles: [A, B]\n"
                     "steps:\n"
                     "  - {id: F1, from: A, to: B, request: INVITE\n"
                     "  - {id: F2, from: B, to: A, response: 200}\n"),
            "t.yaml:4:5: error: YAML syntax: end of map flow not found\n"
            "    4 |   - {id: F2, from: B, to: A, response: 200}\n"
            "      |     ^\n");
}

TEST(Loader, DuplicateKeyInAMap) {
  EXPECT_EQ(
      summaries("roles: [A, B]\nsteps:\n  - {id: F1, from: A, to: B, from: B, request: BYE}\n"),
      "t.yaml:3:30: error: duplicate key 'from' in step F1\n");
}

TEST(Loader, OutOfSequenceIdIsAWarningOnly) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\n"
      "steps:\n"
      "  - {id: F2, from: A, to: B, request: INVITE}\n"
      "  - {id: F1, from: A, to: B, request: CANCEL}\n"
      "  - {id: F1a, from: B, to: A, response: 200}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].format(),
            "t.yaml:4:5: warning: step id 'F1' after 'F2' is out of sequence\n"
            "    4 |   - {id: F1, from: A, to: B, request: CANCEL}\n"
            "      |     ^");
}

TEST(Loader, SeveralErrorsInFileOrder) {
  std::string text =
      "roles: [A, B, A]\n"
      "dialogs: {d: new}\n"
      "steps:\n"
      "  - {id: F1, from: A, to: A, request: invite, dialog: dd}\n"
      "  - {id: F2, from: B, to: A, response: 180, reason: Ringing, uri: x}\n";
  EXPECT_EQ(summaries(text),
            "t.yaml:1:15: error: duplicate role 'A'; first declared at line 1\n"
            "t.yaml:4:27: error: step F1 goes from A to A; a message goes between two roles\n"
            "t.yaml:4:39: error: bad method 'invite' in step F1; expected an upper-case SIP method "
            "such as INVITE\n"
            "t.yaml:4:55: error: unknown dialog 'dd' in step F1; dialogs are d\n"
            "t.yaml:5:40: error: response F2 (180) from B to A answers nothing: no earlier request "
            "from A to B is waiting for a final response; add the request or 'answers: Fn'\n"
            "t.yaml:5:67: error: 'uri' in step F2 belongs to requests only\n");
}

TEST(Loader, UnreadableFile) {
  LoadResult r = load_scenario("/nonexistent/x.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].format(),
            "/nonexistent/x.yaml: error: cannot read file: No such file or directory");
}

}  // namespace
}  // namespace ladder::scenario
