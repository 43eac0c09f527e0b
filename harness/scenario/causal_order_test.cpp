// The causal order the loader derives (Step::preceded_by, Step::trigger) is stored compactly
// (step_set.h). These tests hold it against the rule as first written: a set per step with every
// earlier step its sender received, which is what the checker and the engine were built on.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

struct Order {
  std::vector<std::size_t> preceded_by;
  std::optional<std::size_t> trigger;
};

// DESIGN.md's rule, quadratic and obvious: the oracle.
Order reference_order(const Scenario& sc, std::size_t i) {
  const Step& s = sc.steps[i];
  auto share_any_order = [&](std::size_t a, std::size_t b) {
    for (const auto& g : sc.any_order) {
      if (std::binary_search(g.begin(), g.end(), a) && std::binary_search(g.begin(), g.end(), b))
        return true;
    }
    return false;
  };
  std::set<std::size_t> before;
  if (s.forwards) before.insert(*s.forwards);
  if (s.answers) before.insert(*s.answers);
  if (s.after) before.insert(*s.after);
  for (std::size_t j = 0; j < i; ++j) {
    if (sc.steps[j].to == s.from) before.insert(j);
  }
  std::erase_if(before, [&](std::size_t j) { return share_any_order(j, i); });
  Order o;
  o.preceded_by.assign(before.begin(), before.end());
  if (s.after) {
    o.trigger = s.after;
    return o;
  }
  for (auto it = o.preceded_by.rbegin(); it != o.preceded_by.rend(); ++it) {
    if (!sc.steps[*it].optional) {
      o.trigger = *it;
      break;
    }
  }
  return o;
}

void expect_reference_order(const Scenario& sc) {
  for (std::size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& s = sc.steps[i];
    Order want = reference_order(sc, i);
    EXPECT_EQ(s.preceded_by.to_vector(), want.preceded_by) << sc.source << " step " << s.id;
    EXPECT_EQ(s.preceded_by.size(), want.preceded_by.size()) << sc.source << " step " << s.id;
    EXPECT_EQ(s.trigger, want.trigger) << sc.source << " step " << s.id;
    for (std::size_t j = 0; j < sc.steps.size(); ++j) {
      bool in = std::binary_search(want.preceded_by.begin(), want.preceded_by.end(), j);
      ASSERT_EQ(s.preceded_by.contains(j), in) << sc.source << " step " << s.id << " of " << j;
    }
  }
}

TEST(CausalOrder, LibraryLaddersMatchTheRuleAsWritten) {
  const std::filesystem::path library = std::filesystem::path(LADDER_SOURCE_DIR) / "scenarios";
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(library)) {
    if (entry.path().extension() != ".yaml") continue;
    LoadResult r = load_scenario(entry.path().string());
    if (!r.ok()) continue;  // testbeds and deliberately broken files
    expect_reference_order(*r.scenario);
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

// A random but valid ladder: roles A, B, C and a proxy P; requests between any two, responses
// to open requests, forwards by P, optional steps, `after:` and any_order groups.
std::string random_ladder(std::mt19937& rng, int steps) {
  const char* roles[] = {"A", "B", "C", "P"};
  const char* methods[] = {"INVITE", "INFO", "OPTIONS", "MESSAGE"};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  struct Sent {
    std::string id, from, to, method;
  };
  std::vector<Sent> requests;  // open ones
  std::vector<std::string> ids;
  std::vector<std::string> received_by_p;  // request ids P received, for forwards
  std::string text = "roles: [A, B, C, P: proxy]\nsteps:\n";
  for (int k = 0; k < steps; ++k) {
    std::string id = "F" + std::to_string(k + 1);
    std::string line = "  - {id: " + id;
    int what = pick(10);
    if (what < 3 && !requests.empty()) {  // a response to an open request
      std::size_t r = static_cast<std::size_t>(pick(static_cast<int>(requests.size())));
      Sent req = requests[r];
      bool final = pick(2) == 0;
      line += ", from: " + req.to + ", to: " + req.from + ", response: " + (final ? "200" : "180") +
              ", answers: " + req.id;
      if (final) requests.erase(requests.begin() + static_cast<std::ptrdiff_t>(r));
    } else if (what < 5 && !received_by_p.empty()) {  // P forwards what it received
      const std::string& orig =
          received_by_p[static_cast<std::size_t>(pick(static_cast<int>(received_by_p.size())))];
      const Sent* o = nullptr;
      for (const Sent& s : requests) {
        if (s.id == orig) o = &s;
      }
      if (o == nullptr) {
        line += ", from: P, to: A, request: OPTIONS";
        requests.push_back({id, "P", "A", "OPTIONS"});
      } else {
        std::string to = o->from == "A" ? "B" : "A";
        line += ", from: P, to: " + to + ", request: " + o->method + ", forwards: " + orig;
        requests.push_back({id, "P", to, o->method});
      }
    } else {
      int f = pick(4), t = pick(3);
      if (t >= f) ++t;
      std::string method = methods[pick(4)];
      line += std::string(", from: ") + roles[f] + ", to: " + roles[t] + ", request: " + method;
      requests.push_back({id, roles[f], roles[t], method});
      if (std::string(roles[t]) == "P") received_by_p.push_back(id);
    }
    if (pick(5) == 0) line += ", optional: true";
    if (!ids.empty() && pick(8) == 0)
      line += ", after: " + ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
    text += line + "}\n";
    ids.push_back(id);
  }
  text += "any_order:\n";
  for (int g = 0; g < 4; ++g) {
    text += "  - [";
    for (int m = 0; m < 2 + pick(3); ++m) {
      text += (m ? ", " : "") + ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
    }
    text += "]\n";
  }
  return text;
}

TEST(CausalOrder, RandomLaddersMatchTheRuleAsWritten) {
  std::mt19937 rng(14);
  for (int round = 0; round < 200; ++round) {
    std::string text = random_ladder(rng, 5 + round % 60);
    LoadResult r = load_scenario_text(text, "random" + std::to_string(round) + ".yaml");
    std::string errors;
    for (const auto& d : r.diagnostics) errors += d.format() + "\n";
    ASSERT_TRUE(r.ok()) << text << errors;
    expect_reference_order(*r.scenario);
  }
}

}  // namespace
}  // namespace ladder::scenario
