// Every ladder in scenarios/ loads without errors or warnings, and the library lists them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "scenario/list.h"
#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

const std::filesystem::path kLibrary = std::filesystem::path(LADDER_SOURCE_DIR) / "scenarios";

std::string render(const std::vector<core::Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.format() + "\n";
  return out;
}

TEST(Library, EveryLadderLoadsCleanly) {
  ListResult list = list_scenarios(kLibrary);
  EXPECT_TRUE(list.diagnostics.empty()) << render(list.diagnostics);
  EXPECT_GE(list.scenarios.size(), 10u);
  for (const ScenarioInfo& info : list.scenarios) {
    EXPECT_TRUE(info.valid) << info.path;
    EXPECT_FALSE(info.summary.empty()) << info.path;
    EXPECT_FALSE(info.tags.empty()) << info.path;
  }
}

// `ladder validate` takes each file for what it is: a ladder (top-level steps:) or a testbed.
TEST(Library, ValidateFileTellsLaddersFromTestbeds) {
  FileCheck ladder = validate_file((kLibrary / "basic" / "caller-hangs-up.yaml").string());
  EXPECT_TRUE(ladder.ok) << render(ladder.diagnostics);
  FileCheck testbed = validate_file((kLibrary / "testbeds" / "loopback-kamailio.yaml").string());
  EXPECT_TRUE(testbed.ok) << render(testbed.diagnostics);
  FileCheck missing = validate_file((kLibrary / "no-such.yaml").string());
  EXPECT_FALSE(missing.ok);
  ASSERT_EQ(missing.diagnostics.size(), 1U);
  EXPECT_NE(missing.diagnostics[0].format().find("no-such.yaml"), std::string::npos);
}

// The ladder documentation's list of waivable kinds is the one the loader accepts.
TEST(Library, ReadmeListsExactlyTheWaivableKinds) {
  std::ifstream in(kLibrary / "README.md");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t row = text.find("| `waive` |");
  ASSERT_NE(row, std::string::npos);
  std::string line = text.substr(row, text.find('\n', row) - row);
  std::size_t kinds_at = line.find("Kinds: ");
  ASSERT_NE(kinds_at, std::string::npos) << line;
  std::string listed = line.substr(kinds_at, line.find(" (", kinds_at) - kinds_at);
  std::string expected = "Kinds: ";
  for (const std::string& k : waivable_kinds()) {
    expected += (expected.size() > 7 ? ", `" : "`") + k + "`";
  }
  EXPECT_EQ(listed, expected);
}

TEST(Library, EveryYamlFileIsALadderOrATestbed) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kLibrary)) {
    if (entry.path().extension() != ".yaml") continue;
    LoadResult r = load_scenario(entry.path().string());
    if (r.ok()) {
      EXPECT_TRUE(r.diagnostics.empty()) << render(r.diagnostics);
      continue;
    }
    TestbedResult t = load_testbed(entry.path().string());
    EXPECT_TRUE(t.ok() && t.diagnostics.empty())
        << entry.path() << " is neither a ladder nor a testbed:\n"
        << render(r.diagnostics) << render(t.diagnostics);
  }
}

// Issue 11: the library carries the phone-feature flows (30 and more), and every ladder the
// Kamailio run list names exists and loads; every ladder outside captures/ is in that list
// unless it is one that cannot be played against the proxy (a capture's flow, a direct call,
// a flow that starts mid-call).
TEST(Library, Issue11ThirtyLaddersAllRunAgainstKamailio) {
  ListResult list = list_scenarios(kLibrary);
  EXPECT_GE(list.scenarios.size(), 30u);
  std::ifstream in(kLibrary / "kamailio-runs.txt");
  ASSERT_TRUE(in) << "scenarios/kamailio-runs.txt";
  std::set<std::string> listed;
  std::string line;
  while (std::getline(in, line)) {
    std::string ladder = line.substr(0, line.find_first_of(" #"));
    if (ladder.empty()) continue;
    LoadResult r = load_scenario((kLibrary / ladder).string());
    EXPECT_TRUE(r.ok()) << ladder << ":\n" << render(r.diagnostics);
    listed.insert(ladder);
  }
  const std::set<std::string> not_played = {
      "basic/caller-hangs-up.yaml", "basic/caller-hangs-up-strict.yaml",
      "basic/caller-hangs-up-late-180.yaml", "basic/direct-call.yaml",
      "transfer/unattended-transfer-release.yaml"};
  for (const ScenarioInfo& info : list.scenarios) {
    std::string rel = std::filesystem::relative(info.path, kLibrary).string();
    // phone/: a handset is the DUT there; baresip_test and action_uri_test run those.
    if (rel.starts_with("captures/") || rel.starts_with("phone/") || not_played.contains(rel)) {
      continue;
    }
    EXPECT_TRUE(listed.contains(rel)) << rel << " is not in scenarios/kamailio-runs.txt";
  }
}

TEST(Library, SeedFlowHasTheGuidesTable) {
  LoadResult r = load_scenario((kLibrary / "transfer/unattended-transfer.yaml").string());
  ASSERT_TRUE(r.ok()) << render(r.diagnostics);
  const Scenario& s = *r.scenario;
  std::string table;
  for (const Step& step : s.steps) {
    if (step.optional) continue;
    table += step.id + " " + step.label() + " " + step.from + "->" + step.to + "\n";
  }
  EXPECT_EQ(table,
            "F1 INVITE A->P\nF2 INVITE P->B\nF3 180 B->P\nF4 180 P->A\nF5 200 B->P\nF6 200 P->A\n"
            "F7 ACK A->P\nF8 ACK P->B\nF9 REFER B->P\nF10 REFER P->A\nF11 202 A->P\n"
            "F12 202 P->B\nF13 NOTIFY A->P\nF14 NOTIFY P->B\nF15 200 B->P\nF16 200 P->A\n"
            "F17 BYE B->P\nF18 BYE P->A\nF19 200 A->P\nF20 200 P->B\nF21 INVITE A->P\n"
            "F22 INVITE P->C\nF23 180 C->P\nF24 180 P->A\nF25 200 C->P\nF26 200 P->A\n"
            "F27 ACK A->P\nF28 ACK P->C\n");
}

// RECIPES.md: with two Kamailio workers F13 went out before F12, and F14 before F12 on the same
// leg. Nothing in the causal order may tie F12 to F13 or F14.
TEST(Library, SeedFlowLeavesF12FreeAgainstF13AndF14) {
  LoadResult r = load_scenario((kLibrary / "transfer/unattended-transfer.yaml").string());
  ASSERT_TRUE(r.ok());
  const Scenario& s = *r.scenario;
  auto before = [&](std::string_view a, std::string_view b) {
    // a must precede b, directly or through a chain.
    std::vector<bool> seen(s.steps.size());
    std::vector<std::size_t> todo{*s.find_step(b)};
    std::size_t target = *s.find_step(a);
    while (!todo.empty()) {
      std::size_t i = todo.back();
      todo.pop_back();
      for (std::size_t p : s.steps[i].preceded_by) {
        if (p == target) return true;
        if (!seen[p]) {
          seen[p] = true;
          todo.push_back(p);
        }
      }
    }
    return false;
  };
  EXPECT_FALSE(before("F12", "F13"));
  EXPECT_FALSE(before("F12", "F14"));
  EXPECT_TRUE(before("F11", "F14"));  // P forwards A's NOTIFY only after it had A's 202
  EXPECT_TRUE(before("F10", "F13"));
  EXPECT_TRUE(before("F13", "F14"));
  EXPECT_TRUE(before("F17", "F20"));
}

}  // namespace
}  // namespace ladder::scenario
