// User patterns: ECMAScript as users write it, run in linear time (issue 14).
#include "scenario/pattern.h"

#include <gtest/gtest.h>

#include <regex>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

Pattern compiled(std::string_view source) {
  std::string error;
  auto p = Pattern::compile(source, &error);
  EXPECT_TRUE(p.has_value()) << source << ": " << error;
  return p ? *p : *Pattern::compile("", nullptr);
}

std::string rejected(std::string_view source) {
  std::string error;
  auto p = Pattern::compile(source, &error);
  EXPECT_FALSE(p.has_value()) << source;
  return error;
}

// std::regex recursed per character here: `^a.*b` overflowed the stack at 100,000 characters
// and `^(a|b)*$` at 50,000.
TEST(Pattern, Issue14PathologicalPatternsOnAMegabyteValue) {
  const std::string as(1 << 20, 'a');
  std::string ab;
  for (std::size_t i = 0; i < (1u << 20); ++i) ab += (i % 3 == 0) ? 'b' : 'a';
  EXPECT_FALSE(compiled("^a.*b").search(as));
  EXPECT_TRUE(compiled("^a.*b").search(as + "b"));
  EXPECT_TRUE(compiled("^(a|b)*$").search(ab));
  EXPECT_FALSE(compiled("^(a|b)*$").search(ab + "c"));
  EXPECT_FALSE(compiled("(a*)*b").search(as));
  EXPECT_TRUE(compiled("(a*)*b").search(as + "b"));
}

TEST(Pattern, Issue14MegabyteHeaderValueThroughALoadedLadder) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE, headers: {X: {matches: '^(a|b)*$'}}}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok());
  const StringMatch& m = r.scenario->steps[0].headers[0].value.at(0);
  EXPECT_EQ(test(m, std::string(1 << 20, 'a'), {}), true);
  EXPECT_EQ(test(m, std::string(1 << 20, 'a') + "c", {}), false);
}

// What the library's ladders and tests write must mean what it meant under std::regex.
TEST(Pattern, AnswersAsStdRegexDidOnTheSyntaxUsersWrite) {
  const char* patterns[] = {"^z9hG4bK",
                            "^Digest ",
                            R"(^Digest .*username="alice")",
                            "^<sip:alice@",
                            R"(^SIP/2\.0 [12])",
                            " CANCEL$",
                            "^1 ",
                            "example",
                            "^terminated",
                            "^sip:bob@",
                            "a.c",
                            R"(\d+ [A-Z]+$)",
                            R"(^\w+@\w+\.test$)",
                            "x|y",
                            "(?:ab)+c",
                            "a{2,3}",
                            R"(\/)",
                            "^$",
                            R"(\bbob\b)",
                            "[^;]*;lr",
                            R"(tag=[0-9a-f]{4,})",
                            R"(\s)",
                            "[.]",
                            R"(\x41)",
                            "a+?c",
                            R"(^\[fd00::1\]:5060$)"};
  const char* subjects[] = {"",
                            "abc",
                            "z9hG4bK776asdhds",
                            R"(Digest username="alice", realm="example.test")",
                            "<sip:alice@example.test>;tag=1928301774",
                            "SIP/2.0 200 OK",
                            "SIP/2x0 200 OK",
                            "1 INVITE",
                            "2 CANCEL",
                            "a\rc",
                            "a\nc",
                            "a-c",
                            "AAA",
                            "x/y",
                            "alice@example.test",
                            "ababc",
                            "<sip:p.example.test;lr>",
                            "tag=abcd1",
                            "bob",
                            "[fd00::1]:5060",
                            "a b",
                            "aaac"};
  for (const char* p : patterns) {
    Pattern ours = compiled(p);
    std::regex theirs(p, std::regex::ECMAScript);
    for (const char* s : subjects) {
      EXPECT_EQ(ours.search(s), std::regex_search(s, theirs)) << "/" << p << "/ on '" << s << "'";
    }
  }
}

TEST(Pattern, DotStopsAtLineEndsAsInECMAScript) {
  EXPECT_FALSE(compiled("a.c").search("a\rc"));
  EXPECT_FALSE(compiled("a.c").search("a\nc"));
  EXPECT_TRUE(compiled("a[.]c").search("a.c"));
  EXPECT_TRUE(compiled("a[^]c").search("a\nc"));
  EXPECT_FALSE(compiled("a[]c").search("ac"));
  EXPECT_TRUE(compiled(R"(\u0041)").search("A"));
  EXPECT_TRUE(compiled(R"(\cJ)").search("\n"));
}

TEST(Pattern, LeadingLookaheadIsATestOfTheStart) {
  Pattern other = compiled("^(?!abc$)");
  EXPECT_FALSE(other.search("abc"));
  EXPECT_TRUE(other.search("abcd"));
  EXPECT_TRUE(other.search("xabc"));
  EXPECT_TRUE(other.search(""));
  Pattern both = compiled("^(?=.*@)(?!sip:)[a-z]+:");
  EXPECT_TRUE(both.search("tel:1@x"));
  EXPECT_FALSE(both.search("sip:1@x"));
  EXPECT_FALSE(both.search("tel:1"));
}

TEST(Pattern, WhatNeedsBacktrackingIsRejectedByName) {
  EXPECT_EQ(rejected(R"((a)\1)"),
            R"(backreference '\1' is not supported (patterns run in linear time))");
  EXPECT_EQ(rejected(R"((?<n>a)\k<n>)"),
            R"(backreference '\k<' is not supported (patterns run in linear time))");
  EXPECT_EQ(rejected("(?<=a)b"),
            "lookbehind '(?<=' is not supported (patterns run in linear time)");
  EXPECT_EQ(rejected("b(?<!a)"),
            "lookbehind '(?<!' is not supported (patterns run in linear time)");
  EXPECT_EQ(rejected("a(?=b)"),
            "lookahead '(?=' is not supported except at the very start, right after '^' "
            "(patterns run in linear time)");
  EXPECT_EQ(rejected("^(?!a)b|c"),
            "a leading lookahead followed by '|' is not supported; group the alternatives: "
            "^(?!...)(?:a|b)");
  EXPECT_EQ(rejected("a{1001}"), "invalid repetition count (at most 1000) at '{1001}'");
  EXPECT_EQ(rejected("[z-a]"), "invalid character class range at 'z-a'");
  EXPECT_EQ(rejected("a\\"), "trailing '\\'");
}

TEST(Pattern, UnsupportedConstructIsALoadErrorAtItsValue) {
  LoadResult r = load_scenario_text(
      "roles: [A, B]\n"
      "steps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE, headers: {To: {matches: '<(sip):\\1'}}}\n",
      "t.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  std::string text = r.diagnostics[0].format();
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "t.yaml:3:71: error: invalid regex '<(sip):\\1' for 'matches' in header 'To' in step "
            "F1: backreference '\\1' is not supported (patterns run in linear time)");
}

// A saved value is spliced into a pattern escaped, so that it matches itself and nothing else.
TEST(Pattern, SubstitutedValuesMatchLiterally) {
  const std::string value = R"(a.b*c(d)[e]{f}|g^h$i\j/k?l+m-n é)";
  std::string error;
  auto t = parse_template("^${v}$", &error);
  ASSERT_TRUE(t);
  StringMatch m{MatchOp::matches, *t, std::nullopt};
  Bindings b;
  b.variables["v"] = value;
  EXPECT_EQ(test(m, value, b), true);
  EXPECT_EQ(test(m, "a-b*c(d)[e]{f}|g^h$i\\j/k?l+m-n é", b), false);
  EXPECT_EQ(escape_for_pattern("a.b"), "a\\.b");
  auto other = parse_template("^(?!${v}$)", &error);
  ASSERT_TRUE(other);
  StringMatch differs{MatchOp::matches, *other, std::nullopt};
  EXPECT_EQ(test(differs, value, b), false);
  EXPECT_EQ(test(differs, value + "x", b), true);
}

}  // namespace
}  // namespace ladder::scenario
