#include "scenario/yaml_document.h"

#include <gtest/gtest.h>

namespace ladder::scenario::detail {
namespace {

Document parse_ok(std::string_view text) {
  std::optional<YamlError> error;
  Document doc = Document::parse(text, &error);
  EXPECT_FALSE(error) << error->message;
  return doc;
}

TEST(YamlDocument, BlockAndFlowGiveTheSameTreeWithZeroBasedMarks) {
  const std::string text = "a: [x, {k: v}]\nb:\n  - x\n  - k: v\n";
  Document doc = parse_ok(text);
  Node root = doc.root();
  ASSERT_TRUE(root.is_map());
  ASSERT_EQ(root.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    Node list = root.value_at(i);
    ASSERT_TRUE(list.is_sequence());
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].scalar(), "x");
    ASSERT_TRUE(list[1].is_map());
    EXPECT_EQ(list[1].key_at(0).scalar(), "k");
    EXPECT_EQ(list[1].value_at(0).scalar(), "v");
    EXPECT_FALSE(list[2]);
  }
  EXPECT_EQ(root.key_at(1).line(), 1);
  EXPECT_EQ(root.value_at(1)[1].line(), 3);
  EXPECT_EQ(root.value_at(1)[1].column(), 4);
}

TEST(YamlDocument, QuotedAndFoldedScalarsHoldTheirValueNotTheirSource) {
  const std::string text = "a: 'it''s'\nb: \"tab\\there\"\nc: >\n  one\n  two\nd: plain text\n";
  Document doc = parse_ok(text);
  Node root = doc.root();
  EXPECT_EQ(root.value_at(0).scalar(), "it's");
  EXPECT_EQ(root.value_at(1).scalar(), "tab\there");
  EXPECT_EQ(root.value_at(2).scalar(), "one two\n");
  EXPECT_EQ(root.value_at(3).scalar(), "plain text");
}

TEST(YamlDocument, NullIsNeitherScalarNorCollection) {
  Document doc = parse_ok("a:\nb: ~\nc: '~'\n");
  Node root = doc.root();
  EXPECT_TRUE(root.value_at(0).is_null());
  EXPECT_TRUE(root.value_at(1).is_null());
  EXPECT_FALSE(root.value_at(1).is_scalar());
  EXPECT_EQ(root.value_at(1).as_string("x"), "null");
  EXPECT_TRUE(root.value_at(2).is_scalar());
  EXPECT_EQ(root.value_at(2).scalar(), "~");
}

TEST(YamlDocument, DuplicateKeysAreKeptInOrder) {
  Document doc = parse_ok("{a: 1, b: 2, a: 3}");
  auto entries = doc.root().entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2].first.scalar(), "a");
  EXPECT_EQ(entries[2].second.scalar(), "3");
  EXPECT_EQ(entries[2].first.column(), 13);
}

TEST(YamlDocument, AnAliasIsTheAnchoredNodePositionIncluded) {
  Document doc = parse_ok("h: &ref {k: v}\nuse: *ref\n");
  Node used = doc.root().value_at(1);
  ASSERT_TRUE(used.is_map());
  EXPECT_EQ(used.value_at(0).scalar(), "v");
  EXPECT_EQ(used.line(), 0);
  EXPECT_EQ(used.column(), doc.root().value_at(0).column());
}

TEST(YamlDocument, EmptyTextIsANullRootWithoutPosition) {
  Document doc = parse_ok("");
  EXPECT_TRUE(doc.root().is_null());
  EXPECT_EQ(doc.root().line(), -1);
  EXPECT_EQ(doc.root().size(), 0u);
}

TEST(YamlDocument, OnlyTheFirstDocumentIsRead) {
  Document doc = parse_ok("a: 1\n---\nb: 2\n");
  ASSERT_EQ(doc.root().size(), 1u);
  EXPECT_EQ(doc.root().key_at(0).scalar(), "a");
}

TEST(YamlDocument, SyntaxErrorsCarryYamlCppsMessageAndPosition) {
  std::optional<YamlError> error;
  Document::parse("a: {b: 1\nc: 2\n", &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message.rfind("YAML syntax: ", 0), 0u) << error->message;
  EXPECT_GE(error->line, 0);
}

}  // namespace
}  // namespace ladder::scenario::detail
