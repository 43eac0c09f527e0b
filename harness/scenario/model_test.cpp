// Templates and string matches: what the checker and the engine call at run time.
#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

Bindings sample() {
  Bindings b;
  b.variables["callid"] = "a.b+c@host";
  b.roles["C"]["user"] = "carol";
  b.roles["P"]["domain"] = "example.test";
  return b;
}

TEST(Template, ParsesPlaceholdersAndEscapes) {
  std::string error;
  auto t = parse_template("sip:${C.user}@${P.domain};x=${v}$${lit}", &error);
  ASSERT_TRUE(t) << error;
  ASSERT_EQ(t->parts.size(), 7u);
  EXPECT_EQ(t->parts[1].kind, TemplatePart::Kind::role_attr);
  EXPECT_EQ(t->parts[1].role, "C");
  EXPECT_EQ(t->parts[1].attr, "user");
  EXPECT_EQ(t->parts[5].kind, TemplatePart::Kind::variable);
  EXPECT_EQ(t->parts[6].text, "${lit}");
  EXPECT_FALSE(t->is_literal());
  EXPECT_TRUE(parse_template("^foo$", &error)->is_literal());
}

TEST(Template, RejectsMalformedPlaceholders) {
  std::string error;
  EXPECT_FALSE(parse_template("sip:${C.user", &error));
  EXPECT_EQ(error, "unterminated '${' in 'sip:${C.user'");
  EXPECT_FALSE(parse_template("${A.}", &error));
  EXPECT_EQ(error, "bad placeholder '${A.}': expected ${name} or ${ROLE.attr}");
  EXPECT_FALSE(parse_template("${}", &error));
}

TEST(Template, ExpandsAndNamesWhatIsMissing) {
  std::string error, missing;
  auto t = parse_template("sip:${C.user}@${P.domain}", &error);
  EXPECT_EQ(expand(*t, sample()), "sip:carol@example.test");
  auto u = parse_template("${C.host}", &error);
  EXPECT_FALSE(expand(*u, sample(), Escape::none, &missing));
  EXPECT_EQ(missing, "${C.host}");
}

TEST(StringMatch, RegexWithVariableMatchesTheValueLiterally) {
  std::string error;
  StringMatch m{MatchOp::matches, *parse_template("^(?!${callid}$)", &error), std::nullopt};
  // Same Call-ID: the negative lookahead fails. The '.' and '+' of the value are escaped.
  EXPECT_EQ(test(m, "a.b+c@host", sample()), false);
  EXPECT_EQ(test(m, "aXb+c@host", sample()), true);
  EXPECT_EQ(test(m, "other@host", sample()), true);
}

TEST(StringMatch, EqualsAndContains) {
  std::string error;
  StringMatch eq{MatchOp::equals, *parse_template("${C.user}", &error), std::nullopt};
  StringMatch has{MatchOp::contains, *parse_template("@example", &error), std::nullopt};
  EXPECT_EQ(test(eq, "carol", sample()), true);
  EXPECT_EQ(test(eq, "carol2", sample()), false);
  EXPECT_EQ(test(has, "sip:x@example.test", sample()), true);
  std::string missing;
  StringMatch unknown{MatchOp::equals, *parse_template("${nope}", &error), std::nullopt};
  EXPECT_EQ(test(unknown, "x", sample(), &missing), std::nullopt);
  EXPECT_EQ(missing, "${nope}");
}

TEST(StringMatch, LiteralRegexIsCompiledAtLoad) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE, headers: {Via: {param: {branch: {matches: "
      "'^z9hG4bK'}}}}}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok());
  const ValueCheck& branch = r.scenario->steps[0].headers[0].params[0].check;
  ASSERT_EQ(branch.match.size(), 1u);
  EXPECT_TRUE(branch.match[0].regex.has_value());
  EXPECT_EQ(test(branch.match[0], "z9hG4bK776", {}), true);
}

// Plain-text patterns take a shortcut past std::regex; it must answer as the regex would.
TEST(StringMatch, PlainTextPatternsAnswerAsTheRegexWould) {
  auto match = [](const char* pattern) {
    LoadResult r = load_scenario_text(
        std::string("roles: [A, B]\nsteps:\n  - {id: F1, from: A, to: B, request: INVITE, "
                    "headers: {X: {matches: '") + pattern + "'}}}\n",
        "t.yaml");
    EXPECT_TRUE(r.ok());
    return r.scenario->steps[0].headers[0].value.at(0);
  };
  StringMatch anchored = match("^z9hG4bK"), anywhere = match("bob@"), dot = match("^a.c");
  EXPECT_EQ(test(anchored, "z9hG4bKx", {}), true);
  EXPECT_EQ(test(anchored, "xz9hG4bK", {}), false);
  EXPECT_EQ(test(anywhere, "<sip:bob@h>", {}), true);
  EXPECT_EQ(test(anywhere, "<sip:alice@h>", {}), false);
  EXPECT_EQ(test(dot, "a-c", {}), true);  // a metacharacter: the regex itself decides
  EXPECT_EQ(test(dot, "ab", {}), false);
}

}  // namespace
}  // namespace ladder::scenario
