// Integration: `ladder run DIR` as CI runs it: every ladder of a folder played for real (two
// harness-played user agents calling each other on loopback, libpcap capturing lo), selected by
// tag and by shard, one summary at the end, the worst exit code, JUnit that shards merge from.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;

// The library's direct call (A calls B, no proxy) under another name and tags. `extra` adds a
// header expectation to F1 (one that fails makes a ladder that fails).
std::string direct_call(const std::string& name, const std::string& tags,
                        const std::string& extra = "") {
  std::string text = read_file(kSource / "scenarios/basic/direct-call.yaml");
  text = std::regex_replace(text, std::regex("name: basic-direct-call"), "name: " + name);
  text = std::regex_replace(text, std::regex("tags: \\[[^\\]]*\\]"), "tags: [" + tags + "]");
  if (!extra.empty()) {
    text = std::regex_replace(text, std::regex("      Record-Route: absent\n"),
                              "      Record-Route: absent\n      " + extra + "\n");
  }
  return text;
}

std::vector<std::string> junit_suites(const std::string& xml) {
  std::vector<std::string> names;
  static const std::regex suite("<testsuite name=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), suite); it != std::sregex_iterator();
       ++it) {
    names.push_back((*it)[1]);
  }
  return names;
}

// A loopback address of this test process's own (127.77.x.y): the run captures lo with a filter
// on the testbed's hosts, so other processes' traffic on 127.0.0.1 (a load test beside this one)
// never fills the capture buffer and makes the kernel drop this call's frames.
std::string own_loopback() {
  unsigned pid = static_cast<unsigned>(::getpid());
  return "127.77." + std::to_string(pid / 250 % 250 + 1) + "." + std::to_string(pid % 250 + 1);
}

class RunFolder : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
    fs::create_directories(dir_ / "lib" / "calls");
    fs::create_directories(dir_ / "lib" / "negative");
    write("lib/calls/direct.yaml", direct_call("direct", "basic, invite"));
    write("lib/calls/held.yaml", direct_call("held", "hold"));
    write("lib/negative/wrong-header.yaml",
          direct_call("wrong-header", "negative", "X-Never-Sent: present"));
    testbed_ = write("testbed.yaml",
                     "roles:\n"
                     "  A: {played_by: harness, bind: " +
                         own_loopback() +
                         ":0, user: alice}\n"
                         "  B: {played_by: harness, bind: " +
                         own_loopback() +
                         ":0, user: bob}\n"
                         "capture: {interface: lo, linger: 200ms}\n");
  }
  Output run(const std::string& args) {
    return run_command(kLadder + " run '" + (dir_ / "lib").string() + "' --testbed '" +
                           testbed_.string() + "' " + args + " 2>&1",
                       120);
  }
  fs::path testbed_;
};

TEST_F(RunFolder, RunsEveryLadderThenOneSummaryAndTheWorstExitCode) {
  Output o =
      run("--out '" + (dir_ / "out").string() + "' --junit '" + (dir_ / "all.xml").string() + "'");
  EXPECT_EQ(o.status, 1) << o.out;
  // One summary, at the end: a line per ladder in path order, then the counts and the time.
  auto at = o.out.find("\nladder run " + (dir_ / "lib").string() + ": 3 of 3 ladders, run folder " +
                       (dir_ / "out").string() + "\n");
  ASSERT_NE(at, std::string::npos) << o.out;
  std::string summary = o.out.substr(at);
  EXPECT_TRUE(std::regex_search(
      summary, std::regex("\n  PASSED  calls/direct.yaml +[0-9.]+ s  .*/out/calls/direct\n"
                          "  PASSED  calls/held.yaml +[0-9.]+ s  .*/out/calls/held\n"
                          "  FAILED  negative/wrong-header.yaml +[0-9.]+ s  "
                          ".*/out/negative/wrong-header\n"
                          "3 ladders: 2 passed, 1 failed, 0 could not run; [0-9.]+ s in all\n$")))
      << summary;
  // The failure itself is said where the ladder's verdict is printed.
  EXPECT_NE(o.out.find("X-Never-Sent"), std::string::npos) << o.out;
  // Each ladder has its own run directory, as a single run has.
  for (const char* d : {"calls/direct", "calls/held", "negative/wrong-header"}) {
    EXPECT_TRUE(fs::exists(dir_ / "out" / d / "capture.pcap")) << d;
    EXPECT_TRUE(fs::exists(dir_ / "out" / d / "junit.xml")) << d;
  }
  // JUnit: one suite per ladder file, named by its path in the folder.
  std::string xml = read_file(dir_ / "all.xml");
  EXPECT_EQ(junit_suites(xml), (std::vector<std::string>{"calls/direct.yaml", "calls/held.yaml",
                                                         "negative/wrong-header.yaml"}))
      << xml;
  EXPECT_NE(xml.find("<testsuites tests=\"3\" failures=\"1\""), std::string::npos) << xml;
}

TEST_F(RunFolder, TagSelectsAndIsRepeatableAsAnyOf) {
  Output hold = run("--tag hold --out '" + (dir_ / "hold").string() + "'");
  EXPECT_EQ(hold.status, 0) << hold.out;
  EXPECT_NE(hold.out.find("(tag hold): 1 of 3 ladders"), std::string::npos) << hold.out;
  EXPECT_NE(hold.out.find("1 ladder: 1 passed, 0 failed"), std::string::npos) << hold.out;
  EXPECT_FALSE(fs::exists(dir_ / "hold" / "calls" / "direct"));

  Output two = run("--tag hold --tag negative --out '" + (dir_ / "two").string() + "'");
  EXPECT_EQ(two.status, 1) << two.out;
  EXPECT_NE(two.out.find("(tag hold or negative): 2 of 3 ladders"), std::string::npos) << two.out;

  Output none = run("--tag nothing-has-it");
  EXPECT_EQ(none.status, 1) << none.out;
  EXPECT_NE(none.out.find("has any of the tags nothing-has-it"), std::string::npos) << none.out;
}

TEST_F(RunFolder, ShardsJunitFilesMergeIntoTheWholeRunWithUniqueNames) {
  std::vector<std::string> suites;
  for (int i = 1; i <= 2; ++i) {
    std::string n = std::to_string(i);
    Output o =
        run("--tag basic --tag hold --shard " + n + "/2 --out '" + (dir_ / ("s" + n)).string() +
            "' --junit '" + (dir_ / ("shard" + n + ".xml")).string() + "'");
    EXPECT_EQ(o.status, 0) << o.out;
    EXPECT_NE(o.out.find("shard " + n + "/2): 1 of 3 ladders"), std::string::npos) << o.out;
    auto names = junit_suites(read_file(dir_ / ("shard" + n + ".xml")));
    EXPECT_EQ(names.size(), 1u);
    suites.insert(suites.end(), names.begin(), names.end());
  }
  std::set<std::string> unique(suites.begin(), suites.end());
  EXPECT_EQ(unique.size(), suites.size()) << "a ladder ran in both shards";
  EXPECT_EQ(unique, (std::set<std::string>{"calls/direct.yaml", "calls/held.yaml"}));

  // More shards than ladders: the empty part passes and says so.
  Output empty = run("--tag hold --shard 2/2");
  EXPECT_EQ(empty.status, 0) << empty.out;
  EXPECT_NE(empty.out.find("this shard has none of the 1 selected"), std::string::npos)
      << empty.out;
}

TEST_F(RunFolder, ALadderThatCannotRunDoesNotStopTheOthersAndSetsTheExitCode) {
  write("lib/calls/broken.yaml", "name: broken\nroles: [A, B]\nsteps:\n  - {id: F1, from: A}\n");
  Output o = run("--tag hold --out '" + (dir_ / "out").string() + "'");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("broken.yaml:4:"), std::string::npos) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("\n  INPUT   calls/broken.yaml +[0-9.]+ s  ")))
      << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("\n  PASSED  calls/held.yaml "))) << o.out;
  EXPECT_NE(o.out.find("2 ladders: 1 passed, 0 failed, 1 could not run"), std::string::npos)
      << o.out;
}

TEST_F(RunFolder, UsageErrorsSayWhatToDo) {
  Output shard = run("--shard 3/2");
  EXPECT_EQ(shard.status, 2) << shard.out;
  EXPECT_NE(shard.out.find("--shard 3/2: expected I/N with 1 <= I <= N"), std::string::npos)
      << shard.out;
  Output files = run_command(kLadder + " run '" + (dir_ / "lib/calls/held.yaml").string() +
                             "' --testbed '" + testbed_.string() + "' --tag hold 2>&1");
  EXPECT_EQ(files.status, 2) << files.out;
  EXPECT_NE(files.out.find("--tag and --shard select ladders from a folder"), std::string::npos)
      << files.out;
  Output empty = run_command(kLadder + " run '" + dir_.string() + "/nothing' --testbed '" +
                             testbed_.string() + "' 2>&1");
  EXPECT_EQ(empty.status, 2) << empty.out;
}

}  // namespace
