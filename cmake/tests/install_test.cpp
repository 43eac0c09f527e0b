// Integration: `cmake --install` into a scratch prefix, then what a user does with it: run the
// installed `ladder` from elsewhere, and a CMake project of their own that does
// find_package(ladder) and ladder_add_tests(), listed and run by CTest.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;

const std::string kCmake = CMAKE_BIN;
const std::string kCtest = CTEST_BIN;
const fs::path kBuild = LADDER_BUILD_DIR;

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// The library's direct call (A calls B, no proxy: needs no device) with another name and tags;
// `extra` adds a header expectation to F1 (one never met makes a ladder that fails).
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

// A loopback address of this test process's own (127.77.x.y): the run captures lo with a filter
// on the testbed's hosts, so other processes' traffic on 127.0.0.1 (a load test beside this one)
// never fills the capture buffer and makes the kernel drop this call's frames.
std::string own_loopback() {
  unsigned pid = static_cast<unsigned>(::getpid());
  return "127.77." + std::to_string(pid / 250 % 250 + 1) + "." + std::to_string(pid % 250 + 1);
}

class Installed : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    prefix_ = dir_ / "prefix";
    Output o =
        run_command(kCmake + " --install " + q(kBuild) + " --prefix " + q(prefix_) + " 2>&1", 120);
    ASSERT_EQ(o.status, 0) << o.out;
  }
  fs::path prefix_;
};

TEST_F(Installed, HoldsTheBinaryTheLibraryTheTestbedsTheReadmeAndThePackage) {
  for (const char* f :
       {"bin/ladder", "share/ladder/scenarios/basic/direct-call.yaml",
        "share/ladder/scenarios/README.md",
        "share/ladder/scenarios/transfer/unattended-transfer.yaml",
        "share/ladder/testbeds/kamailio/kamailio.cfg", "share/ladder/testbeds/sipp/uac.xml",
        "share/ladder/testbeds/loopback-kamailio.yaml", "share/doc/ladder/README.md",
        "lib/cmake/ladder/ladderConfig.cmake", "lib/cmake/ladder/ladderConfigVersion.cmake",
        "lib/cmake/ladder/ladderTargets.cmake", "lib/cmake/ladder/ladderAddTests.cmake"}) {
    EXPECT_TRUE(fs::exists(prefix_ / f)) << f;
  }
  Output version = run_command(q(prefix_ / "bin/ladder") + " --version");
  EXPECT_EQ(version.out, "ladder " LADDER_VERSION "\n");
  // Run from a folder with no scenarios/: the installed binary finds the installed library
  // relative to itself.
  Output list = run_command("cd " + q(dir_) + " && " + q(prefix_ / "bin/ladder") + " list 2>&1");
  EXPECT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find((prefix_ / "share/ladder/scenarios/basic/direct-call.yaml").string()),
            std::string::npos)
      << list.out;
}

TEST_F(Installed, ListFormatCmakeGivesEachLadderItsTags) {
  fs::create_directories(dir_ / "mine");
  write("mine/calls.yaml", direct_call("calls", "basic, invite"));
  Output o =
      run_command(q(prefix_ / "bin/ladder") + " list " + q(dir_ / "mine") + " --format cmake");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("set(LADDER_LIST_COUNT 1)\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("set(LADDER_LIST_0_FILE [[" + (dir_ / "mine/calls.yaml").string() + "]])\n"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("set(LADDER_LIST_0_RELATIVE [[calls.yaml]])\n"), std::string::npos);
  EXPECT_NE(o.out.find("set(LADDER_LIST_0_TAGS [[basic;invite]])\n"), std::string::npos);
  EXPECT_NE(o.out.find("set(LADDER_LIST_0_VALID TRUE)\n"), std::string::npos);
}

// A ladder that does not load is still a test, and a red one: never silently left out.
TEST_F(Installed, ALadderThatDoesNotLoadBecomesAFailingTestAndAConfigureWarning) {
  fs::create_directories(dir_ / "p/ladders");
  write("p/ladders/broken.yaml", "name: broken\nroles: [A, B]\nsteps:\n  - {id: F1, from: A}\n");
  write("p/tb.yaml", "roles:\n  A: {played_by: harness, bind: " + own_loopback() +
                         ":0}\n"
                         "  B: {played_by: harness, bind: " +
                         own_loopback() + ":0}\n");
  write("p/CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.25)\nproject(p LANGUAGES NONE)\nenable_testing()\n"
        "find_package(ladder REQUIRED)\nladder_add_tests(DIRECTORY ladders TESTBED tb.yaml)\n");
  Output configure = run_command(kCmake + " -S " + q(dir_ / "p") + " -B " + q(dir_ / "p/build") +
                                     " -DCMAKE_PREFIX_PATH=" + q(prefix_) + " 2>&1",
                                 120);
  ASSERT_EQ(configure.status, 0) << configure.out;
  EXPECT_NE(configure.out.find("broken.yaml:4:"), std::string::npos) << configure.out;
  Output ctest =
      run_command(kCtest + " --test-dir " + q(dir_ / "p/build") + " --output-on-failure 2>&1", 120);
  EXPECT_NE(ctest.status, 0) << ctest.out;
  EXPECT_NE(ctest.out.find("ladder/broken"), std::string::npos) << ctest.out;
  EXPECT_NE(ctest.out.find("0% tests passed, 1 tests failed out of 1"), std::string::npos)
      << ctest.out;
}

// A project of the user's: find_package(ladder) against the prefix, ladder_add_tests on a small
// folder, then CTest lists and runs the tests.
class Consumer : public Installed {
 protected:
  void SetUp() override {
    Installed::SetUp();
    if (HasFatalFailure()) return;
    fs::create_directories(dir_ / "project/ladders/calls");
    fs::create_directories(dir_ / "project/ladders/negative");
    write("project/ladders/calls/direct.yaml", direct_call("direct", "basic, invite"));
    write("project/ladders/calls/held.yaml", direct_call("held", "hold"));
    write("project/ladders/negative/wrong-header.yaml",
          direct_call("wrong-header", "negative", "X-Never-Sent: present"));
    write("project/direct.yaml",
          "roles:\n"
          "  A: {played_by: harness, bind: " +
              own_loopback() +
              ":0, user: alice}\n"
              "  B: {played_by: harness, bind: " +
              own_loopback() +
              ":0, user: bob}\n"
              "capture: {interface: lo, linger: 200ms}\n");
    write("project/CMakeLists.txt",
          "cmake_minimum_required(VERSION 3.25)\n"
          "project(phone_tests LANGUAGES NONE)\n"
          "enable_testing()\n"
          "find_package(ladder " LADDER_VERSION
          " REQUIRED)\n"
          "ladder_add_tests(DIRECTORY ladders TESTBED direct.yaml RESOURCE_LOCK bench-phone\n"
          "                 ARGS --step-timeout 3)\n"
          "ladder_add_tests(DIRECTORY ladders TESTBED direct.yaml TAGS hold invite PREFIX held/\n"
          "                 LABELS again)\n");
    Output o =
        run_command(kCmake + " -S " + q(dir_ / "project") + " -B " + q(dir_ / "project/build") +
                        " -DCMAKE_PREFIX_PATH=" + q(prefix_) + " 2>&1",
                    120);
    ASSERT_EQ(o.status, 0) << o.out;
  }
  Output ctest(const std::string& args) {
    return run_command(kCtest + " --test-dir " + q(dir_ / "project/build") + " " + args + " 2>&1",
                       200);
  }
};

TEST_F(Consumer, EachLadderIsATestLabelledWithItsTagsAndHoldingTheDeviceLock) {
  Output o =
      run_command(kCtest + " --test-dir " + q(dir_ / "project/build") + " --show-only=json-v1");
  ASSERT_EQ(o.status, 0) << o.out;
  nlohmann::json j = nlohmann::json::parse(o.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << o.out;
  struct Listed {
    std::vector<std::string> command;
    std::set<std::string> labels;
    std::string lock;
  };
  std::map<std::string, Listed> tests;
  for (const auto& t : j["tests"]) {
    Listed x;
    for (const auto& c : t["command"]) x.command.push_back(c);
    for (const auto& p : t["properties"]) {
      if (p["name"] == "LABELS") {
        for (const auto& l : p["value"]) x.labels.insert(l);
      }
      if (p["name"] == "RESOURCE_LOCK") x.lock = p["value"][0];
    }
    tests[t["name"]] = x;
  }
  ASSERT_EQ(tests.size(), 5u) << o.out;
  const Listed& direct = tests["ladder/calls/direct"];
  EXPECT_EQ(direct.labels, (std::set<std::string>{"ladder", "basic", "invite"}));
  EXPECT_EQ(direct.lock, "bench-phone");
  EXPECT_EQ(direct.command, (std::vector<std::string>{
                                fs::canonical(prefix_ / "bin/ladder").string(), "run",
                                (dir_ / "project/ladders/calls/direct.yaml").string(), "--testbed",
                                (dir_ / "project/direct.yaml").string(), "--out",
                                (dir_ / "project/build/ladder-runs/ladder/calls/direct").string(),
                                "--step-timeout", "3"}));
  EXPECT_EQ(tests["ladder/calls/held"].labels, (std::set<std::string>{"ladder", "hold"}));
  EXPECT_EQ(tests["ladder/negative/wrong-header"].labels,
            (std::set<std::string>{"ladder", "negative"}));
  // TAGS hold invite: any of them; no lock asked, none set; LABELS added to the tags.
  EXPECT_EQ(tests["held/calls/held"].labels, (std::set<std::string>{"ladder", "hold", "again"}));
  EXPECT_EQ(tests["held/calls/held"].lock, "");
  EXPECT_EQ(tests.count("held/calls/direct"), 1u);
  EXPECT_EQ(tests.count("held/negative/wrong-header"), 0u);
}

TEST_F(Consumer, CtestListsThemAndRunsATagGreenAndAFailingLadderRed) {
  Output list = ctest("-N -L hold");
  EXPECT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find("Test #2: ladder/calls/held\n"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("held/calls/held\n"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("Total Tests: 2"), std::string::npos) << list.out;

  if (::geteuid() != 0) GTEST_SKIP() << "the ladders' live capture needs CAP_NET_RAW";
  Output hold = ctest("-L hold -j2 --output-on-failure");
  EXPECT_EQ(hold.status, 0) << hold.out;
  EXPECT_NE(hold.out.find("100% tests passed, 0 tests failed out of 2"), std::string::npos)
      << hold.out;
  // Two tests of one ladder (two calls, two prefixes) ran at once, each in its own folder.
  EXPECT_TRUE(fs::exists(dir_ / "project/build/ladder-runs/ladder/calls/held/capture.pcap"));
  EXPECT_TRUE(fs::exists(dir_ / "project/build/ladder-runs/held/calls/held/capture.pcap"));

  Output negative = ctest("-L negative --output-on-failure");
  EXPECT_NE(negative.status, 0) << negative.out;
  EXPECT_NE(negative.out.find("0% tests passed, 1 tests failed out of 1"), std::string::npos)
      << negative.out;
  EXPECT_NE(negative.out.find("X-Never-Sent"), std::string::npos) << negative.out;
}

}  // namespace
