// The folder run's selection: every ladder under a folder, by tag, and the shard partition that
// CI matrices rely on (disjoint parts whose union is the selection, the same on every call).
#include "usecase/folder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "testing/run_command.h"

namespace {

namespace fs = std::filesystem;
using ladder::usecase::parse_shard;
using ladder::usecase::select_ladders;
using ladder::usecase::Shard;

std::string ladder_text(const std::string& name, const std::string& tags) {
  return "name: " + name + "\ntags: [" + tags +
         "]\nroles: [A, B]\n"
         "steps:\n  - {id: F1, from: A, to: B, request: OPTIONS}\n"
         "  - {id: F2, from: B, to: A, response: 200}\n";
}

class Folder : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs::create_directories(dir_ / "lib" / "hold");
    fs::create_directories(dir_ / "lib" / "basic" / "deep");
    put("lib/basic/b.yaml", ladder_text("b", "basic"));
    put("lib/basic/a.yaml", ladder_text("a", "basic, invite"));
    put("lib/basic/deep/c.yml", ladder_text("c", "basic"));
    put("lib/hold/h1.yaml", ladder_text("h1", "hold"));
    put("lib/hold/h2.yaml", ladder_text("h2", "hold, invite"));
    put("lib/z.yaml", ladder_text("z", "misc"));
    // Not ladders: a testbed and a text file beside them.
    put("lib/testbed.yaml", "roles:\n  A: {played_by: harness, bind: 127.0.0.1:0}\n");
    put("lib/notes.txt", "steps: no\n");
  }
  void put(const std::string& rel, const std::string& text) { write(rel, text); }
  std::vector<std::string> relatives(const ladder::usecase::Selection& s) {
    std::vector<std::string> out;
    for (const auto& l : s.ladders) out.push_back(l.relative);
    return out;
  }
  const std::vector<std::string> all_ = {"basic/a.yaml", "basic/b.yaml", "basic/deep/c.yml",
                                         "hold/h1.yaml", "hold/h2.yaml", "z.yaml"};
};

TEST_F(Folder, EveryLadderRecursivelySortedByRelativePathWithoutTestbeds) {
  auto s = select_ladders(dir_ / "lib", {}, {});
  EXPECT_EQ(relatives(s), all_);
  EXPECT_EQ(s.found, 6u);
  EXPECT_EQ(s.matched, 6u);
  EXPECT_TRUE(s.diagnostics.empty());
  // A trailing slash or a "./" does not change the keys.
  EXPECT_EQ(relatives(select_ladders(dir_ / "lib" / "", {}, {})), all_);
  EXPECT_EQ(relatives(select_ladders(dir_ / "lib" / "." / "", {}, {})), all_);
}

TEST_F(Folder, TagsSelectAnyOf) {
  EXPECT_EQ(relatives(select_ladders(dir_ / "lib", {"hold"}, {})),
            (std::vector<std::string>{"hold/h1.yaml", "hold/h2.yaml"}));
  EXPECT_EQ(relatives(select_ladders(dir_ / "lib", {"invite", "misc"}, {})),
            (std::vector<std::string>{"basic/a.yaml", "hold/h2.yaml", "z.yaml"}));
  auto none = select_ladders(dir_ / "lib", {"nothing"}, {});
  EXPECT_TRUE(none.ladders.empty());
  EXPECT_EQ(none.matched, 0u);
  EXPECT_EQ(none.found, 6u);
}

TEST_F(Folder, ALadderThatDoesNotLoadIsSelectedWhateverTheTags) {
  put("lib/hold/broken.yaml", "name: broken\ntags: [hold]\nroles: [A]\nsteps: 7\n");
  auto s = select_ladders(dir_ / "lib", {"misc"}, {});
  EXPECT_EQ(relatives(s), (std::vector<std::string>{"hold/broken.yaml", "z.yaml"}));
  EXPECT_FALSE(s.ladders.front().valid);
  // Its errors are said when it runs, not while selecting.
  EXPECT_TRUE(s.diagnostics.empty());
}

TEST_F(Folder, ShardsAreDisjointCoverTheSelectionAndAreBalanced) {
  for (const std::vector<std::string>& tags :
       {std::vector<std::string>{}, std::vector<std::string>{"basic", "hold"}}) {
    std::vector<std::string> whole = relatives(select_ladders(dir_ / "lib", tags, {}));
    for (std::size_t n = 1; n <= 8; ++n) {
      std::multiset<std::string> seen;
      std::size_t smallest = whole.size(), largest = 0;
      for (std::size_t i = 1; i <= n; ++i) {
        auto part = relatives(select_ladders(dir_ / "lib", tags, Shard{i, n}));
        // The same part on every call: the partition is a function of the paths alone.
        EXPECT_EQ(part, relatives(select_ladders(dir_ / "lib", tags, Shard{i, n})));
        EXPECT_TRUE(std::is_sorted(part.begin(), part.end()));
        seen.insert(part.begin(), part.end());
        smallest = std::min(smallest, part.size());
        largest = std::max(largest, part.size());
      }
      EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), whole) << "N=" << n;
      EXPECT_EQ(seen.size(), whole.size()) << "a ladder in two shards, N=" << n;
      EXPECT_LE(largest - smallest, 1u) << "N=" << n;
    }
  }
}

TEST_F(Folder, ShardTwoOfThreeIsTheSecondOfEveryThree) {
  EXPECT_EQ(relatives(select_ladders(dir_ / "lib", {}, Shard{2, 3})),
            (std::vector<std::string>{"basic/b.yaml", "hold/h2.yaml"}));
}

TEST(ParseShard, AcceptsIOverN) {
  auto s = parse_shard("2/4");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 4u);
  EXPECT_TRUE(parse_shard("1/1"));
}

TEST(ParseShard, RejectsWhatIsNotAPartWithAClearMessage) {
  for (const char* bad : {"0/4", "5/4", "1/0", "2", "a/b", "1/", "/3", "-1/3", "1/2/3", " 1/2"}) {
    auto s = parse_shard(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error(),
              std::string("--shard ") + bad + ": expected I/N with 1 <= I <= N, e.g. 2/4");
  }
}

TEST(Worst, FollowsTheExitCodes) {
  using ladder::usecase::Outcome;
  using ladder::usecase::worst;
  EXPECT_EQ(worst(Outcome::passed, Outcome::failed), Outcome::failed);
  EXPECT_EQ(worst(Outcome::environment, Outcome::bad_input), Outcome::environment);
  EXPECT_EQ(worst(Outcome::bad_input, Outcome::failed), Outcome::bad_input);
  EXPECT_EQ(worst(Outcome::passed, Outcome::passed), Outcome::passed);
}

}  // namespace
