// Integration: CPack's Debian package, built from this build folder, unpacked into a scratch
// root with `dpkg -x` (no system install), and the unpacked `ladder check` run on committed
// captures against the committed ladder the package carries.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;

const std::string kCpack = CPACK_BIN;
const fs::path kBuild = LADDER_BUILD_DIR;

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

class Deb : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (run_command("command -v dpkg-deb").status != 0) GTEST_SKIP() << "no dpkg-deb here";
    Output o = run_command(kCpack + " -G DEB -B " + q(dir_ / "pkg") + " --config " +
                               q(kBuild / "CPackConfig.cmake") + " 2>&1",
                           240);
    ASSERT_EQ(o.status, 0) << o.out;
    for (const auto& e : fs::directory_iterator(dir_ / "pkg")) {
      if (e.path().extension() == ".deb") deb_ = e.path();
    }
    ASSERT_FALSE(deb_.empty()) << o.out;
  }
  std::string field(const std::string& name) {
    Output o = run_command("dpkg-deb -f " + q(deb_) + " " + name);
    EXPECT_EQ(o.status, 0) << o.out;
    while (!o.out.empty() && o.out.back() == '\n') o.out.pop_back();
    return o.out;
  }
  fs::path deb_;
};

TEST_F(Deb, NamesItselfAndDependsOnThePackageOfEveryLinkedLibrary) {
  EXPECT_EQ(deb_.filename().string(), "ladder_" LADDER_VERSION "_amd64.deb");
  EXPECT_EQ(field("Package"), "ladder");
  EXPECT_EQ(field("Version"), LADDER_VERSION);
  std::string depends = field("Depends");
  for (const char* p : {"libsofia-sip-ua0", "libyaml-cpp0.7", "libpcap0.8", "libre2-9"}) {
    EXPECT_NE(depends.find(p), std::string::npos) << p << " in " << depends;
  }
  // Every shared library the binary needs comes from a package in Depends (the sanitizers'
  // runtimes aside: a sanitizer build is never shipped).
  Output needed = run_command("objdump -p " + q(LADDER_BIN) + " | awk '/NEEDED/{print $2}'");
  ASSERT_EQ(needed.status, 0);
  std::istringstream libs(needed.out);
  std::string lib;
  int checked = 0;
  while (std::getline(libs, lib)) {
    if (lib.starts_with("libasan") || lib.starts_with("libubsan") || lib.starts_with("libtsan")) {
      continue;
    }
    Output owner = run_command("dpkg -S '/usr/lib/x86_64-linux-gnu/" + lib +
                               "' 2>/dev/null || dpkg -S '/lib/x86_64-linux-gnu/" + lib + "'");
    ASSERT_EQ(owner.status, 0) << lib << ": " << owner.out;
    std::string package = owner.out.substr(0, owner.out.find_first_of(":,"));
    EXPECT_NE(depends.find(package), std::string::npos)
        << lib << " is in " << package << ", not in Depends: " << depends;
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST_F(Deb, UnpackedLadderChecksACommittedCaptureFromItsOwnData) {
  fs::path root = dir_ / "root";
  Output x = run_command("dpkg -x " + q(deb_) + " " + q(root) + " 2>&1");
  ASSERT_EQ(x.status, 0) << x.out;
  fs::path ladder = root / "usr/bin/ladder";
  fs::path scenario = root / "usr/share/ladder/scenarios/basic/caller-hangs-up.yaml";
  ASSERT_TRUE(fs::exists(ladder));
  ASSERT_TRUE(fs::exists(scenario));
  ASSERT_TRUE(fs::exists(root / "usr/lib/cmake/ladder/ladderConfig.cmake"));
  // From a folder that has no scenarios/: nothing of the source tree is used but the captures.
  std::string in_dir = "cd " + q(dir_) + " && ";
  Output pass =
      run_command(in_dir + q(ladder) + " check " + q(kSource / "captures/sipp-kamailio-udp.pcap") +
                  " -s " + q(scenario) + " 2>&1");
  EXPECT_EQ(pass.status, 0) << pass.out;
  EXPECT_NE(pass.out.find("PASSED: basic-caller-hangs-up"), std::string::npos) << pass.out;

  Output fail =
      run_command(in_dir + q(ladder) + " check " + q(kSource / "captures/misbehave/drop-180.pcap") +
                  " -s " + q(scenario) + " 2>&1");
  EXPECT_EQ(fail.status, 1) << fail.out;
  EXPECT_NE(fail.out.find("FAILED: basic-caller-hangs-up"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("F5: 180 P -> A: not seen"), std::string::npos) << fail.out;

  // And it finds the library it was unpacked with, wherever that is.
  Output list = run_command(in_dir + q(ladder) + " list 2>&1");
  EXPECT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find(scenario.string()), std::string::npos) << list.out;
}

}  // namespace
