// Integration: the HTML report in a real browser. `ladder check --html` writes the page of a
// passing and of failing committed captures; headless Chromium loads each (from file://, as a
// mail attachment would open) with #selftest, so the page's own script counts its arrows, finds
// the highlighted row, clicks it and writes what the panel shows into the DOM, which
// --dump-dom prints. The test holds that against what `ladder show --json` and the JSON report
// say independently, fails on any console message, and keeps a screenshot of each page in the
// build tree (LADDER_HTML_TEST_OUT). Skips when Chromium is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>

#include "cli/cli_test.h"
#include "engine/testing/kamailio_process.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;
using nlohmann::json;

const fs::path kCaptures = kSource / "captures";
const fs::path kBasic = kSource / "scenarios" / "basic";
const fs::path kOut = LADDER_HTML_TEST_OUT;
constexpr int kBrowserSeconds = 60;  // deadline of one browser run

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

std::string unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) {
      s.replace(at, std::string(from).size(), to);
    }
  }
  return s;
}

class HtmlInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    browser_ = chromium();
    if (browser_.empty()) GTEST_SKIP() << "chromium is not installed (Debian package chromium)";
    fs::create_directories(kOut);
    profile_ = fs::temp_directory_path() / ("ladder-chromium-" + std::to_string(getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    std::error_code ec;
    if (!profile_.empty()) fs::remove_all(profile_, ec);
  }

  std::string browser(const std::string& args) const {
    // Headless as root needs --no-sandbox; a profile of its own per test so runs in parallel do
    // not share a lock; no network use beyond file://.
    return "'" + browser_ + "' --headless --no-sandbox --disable-gpu --no-first-run "
           "--disable-extensions --disable-background-networking --user-data-dir='" +
           profile_.string() + "' " + args;
  }

  // Loads the page with #selftest; returns the JSON the page wrote. Console output fails.
  json selftest(const fs::path& page) {
    fs::path err = kOut / (page.stem().string() + ".stderr.txt");
    Output o = run_command(browser("--enable-logging=stderr --v=0 --virtual-time-budget=10000 "
                                   "--dump-dom 'file://" + page.string() + "#selftest' 2>'" +
                                   err.string() + "'"),
                           kBrowserSeconds);
    EXPECT_EQ(o.status, 0) << "chromium failed or hit its deadline:\n" << read_file(err);
    std::istringstream lines(read_file(err));
    for (std::string line; std::getline(lines, line);) {
      EXPECT_EQ(line.find(":CONSOLE"), std::string::npos) << "console message: " << line;
    }
    std::size_t a = o.out.find("<pre id=\"selftest\">");
    std::size_t b = o.out.find("</pre>", a);
    if (a == std::string::npos || b == std::string::npos) {
      ADD_FAILURE() << "the page wrote no self-check (did its script run?)\n" << o.out.substr(0, 2000);
      return json::object();
    }
    a += std::string("<pre id=\"selftest\">").size();
    return json::parse(unescape(o.out.substr(a, b - a)));
  }

  void screenshot(const fs::path& page, const std::string& name = "") {
    fs::path png = kOut / ((name.empty() ? page.stem().string() : name) + ".png");
    fs::remove(png);
    Output o = run_command(browser("--window-size=1400,900 --virtual-time-budget=5000 "
                                   "--screenshot='" + png.string() + "' 'file://" + page.string() +
                                   "' 2>/dev/null"),
                           kBrowserSeconds);
    EXPECT_EQ(o.status, 0) << o.out;
    EXPECT_TRUE(fs::exists(png) && fs::file_size(png) > 10000) << png;
  }

  // `ladder check` of a committed capture with --html and --json into the output folder.
  fs::path check(const std::string& name, const fs::path& capture, int status,
                 const fs::path& ladder = kBasic / "caller-hangs-up.yaml",
                 const std::string& extra = "") {
    fs::path page = kOut / (name + ".html");
    Output o = run_command(kLadder + " check '" + capture.string() + "' -s '" + ladder.string() +
                           "' --html '" + page.string() + "' --json '" +
                           (kOut / (name + ".json")).string() + "'" + extra + " 2>&1");
    EXPECT_EQ(o.status, status) << o.out;
    return page;
  }

  // The messages of a capture, by `ladder show --json` (one object per line).
  static std::vector<json> records(const fs::path& capture) {
    Output o = run_command(kLadder + " show '" + capture.string() + "' --json");
    std::vector<json> out;
    std::istringstream lines(o.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
  }

  static std::string start_line(const json& r) {
    if (r["kind"] == "request") return r["method"].get<std::string>() + " " + r["uri"].get<std::string>() + " SIP/2.0";
    return "SIP/2.0 " + std::to_string(r["status"].get<int>()) + " " + r["reason"].get<std::string>();
  }

  // Asserts what every page must show: no script error, one arrow per message (retransmissions
  // folded into their first copy, carried in its count).
  static void expect_every_message_drawn(const json& t, std::size_t messages) {
    EXPECT_EQ(t["errors"].size(), 0u) << t.dump();
    ASSERT_EQ(t["ladders"].size(), 1u) << t.dump();
    const json& l = t["ladders"][0];
    EXPECT_EQ(l["messages"].get<std::size_t>(), messages) << t.dump();
    EXPECT_EQ(l["carried"].get<std::size_t>(), messages) << t.dump();
  }

  std::string browser_;
  fs::path profile_;
};

TEST_F(HtmlInBrowser, PassingRunHasEveryArrowAndNothingHighlighted) {
  fs::path capture = kCaptures / "sipp-kamailio-udp.pcap";
  fs::path page = check("passing-udp", capture, 0);
  json t = selftest(page);
  expect_every_message_drawn(t, records(capture).size());
  const json& l = t["ladders"][0];
  EXPECT_EQ(l["arrows"], 13) << t.dump();  // no retransmission in this capture
  EXPECT_EQ(l["steps"], 13) << t.dump();
  EXPECT_EQ(l["highlighted"], 0) << t.dump();
  screenshot(page);
}

TEST_F(HtmlInBrowser, WrongForwardIsHighlightedAndItsRawMessageShown) {
  fs::path capture = kCaptures / "misbehave/no-mf-decrement.pcap";
  fs::path page = check("failing-no-mf-decrement", capture, 1);
  json t = selftest(page);
  std::vector<json> recs = records(capture);
  expect_every_message_drawn(t, recs.size());
  json report = json::parse(read_file(kOut / "failing-no-mf-decrement.json"));
  json first;
  for (const json& f : report["failures"]) {
    if (!f["warning"].get<bool>()) {
      first = f;
      break;
    }
  }
  ASSERT_TRUE(first.is_object()) << report.dump();
  ASSERT_GT(first["frame"].get<int>(), 0) << first.dump();
  const json& l = t["ladders"][0];
  EXPECT_EQ(l["highlighted"], 1) << t.dump();
  EXPECT_EQ(l["highlighted_frame"], std::to_string(first["frame"].get<int>())) << t.dump();
  EXPECT_EQ(l["highlighted_step"], first["step"]) << t.dump();
  // The click showed the raw message of that frame, as on the wire.
  std::string expected_start;
  for (const json& r : recs) {
    if (r["frame"] == first["frame"]) expected_start = start_line(r);
  }
  ASSERT_FALSE(expected_start.empty());
  ASSERT_TRUE(l["panel_raw"].is_string()) << t.dump();
  std::string raw = l["panel_raw"];
  EXPECT_EQ(raw.rfind(expected_start + "\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Max-Forwards: 70"), std::string::npos) << raw;
  EXPECT_NE(l["panel_text"].get<std::string>().find("forward of F1"), std::string::npos) << t.dump();
  EXPECT_EQ(l["selected"], 1) << t.dump();
  EXPECT_EQ(l["in_view"], true) << t.dump();
  screenshot(page);
}

TEST_F(HtmlInBrowser, MissingStepIsHighlightedWhereItShouldHaveBeen) {
  fs::path capture = kCaptures / "misbehave/drop-180.pcap";
  fs::path page = check("failing-drop-180", capture, 1);
  json t = selftest(page);
  expect_every_message_drawn(t, records(capture).size());
  json report = json::parse(read_file(kOut / "failing-drop-180.json"));
  std::string first_step;
  for (const json& f : report["failures"]) {
    if (!f["warning"].get<bool>()) {
      first_step = f["step"];
      break;
    }
  }
  const json& l = t["ladders"][0];
  EXPECT_EQ(l["highlighted"], 1) << t.dump();
  EXPECT_EQ(l["highlighted_step"], first_step) << t.dump();
  // Kamailio dropped B's 180 on its way to A: the forward F5 is what never came.
  EXPECT_EQ(first_step, "F5") << report.dump();
  EXPECT_EQ(l["panel_text"].get<std::string>().rfind("F5 (180 P -> A): missing", 0), 0u) << t.dump();
  screenshot(page);
}

// `check --each` of 100 calls against a ladder every call fails at F3: counts, failures by step,
// the first failed calls drawn in full (each with its divergence), and the timing plots.
TEST_F(HtmlInBrowser, EachPageDrawsTheFirstFailedCallsAndThePlots) {
  std::string text = read_file(kBasic / "caller-hangs-up.yaml");
  std::size_t at = text.find("Max-Forwards: {equals: '69'}");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 28, "Max-Forwards: {equals: '68'}");
  fs::path ladder = kOut / "each-wrong-max-forwards.yaml";
  std::ofstream(ladder) << text;
  fs::path page = check("each-failing", kCaptures / "load/basic-100.pcap", 1, ladder, " --each");
  json t = selftest(page);
  EXPECT_EQ(t["errors"].size(), 0u) << t.dump();
  ASSERT_EQ(t["ladders"].size(), 3u) << t.dump();  // the first three failed calls
  for (const json& l : t["ladders"]) {
    EXPECT_EQ(l["carried"], l["messages"]) << t.dump();
    EXPECT_EQ(l["messages"], 13) << t.dump();
    EXPECT_EQ(l["highlighted"], 1) << t.dump();
    EXPECT_EQ(l["highlighted_step"], "F3") << t.dump();
    EXPECT_NE(l["panel_raw"].get<std::string>().find("Max-Forwards: 69"), std::string::npos);
  }
  EXPECT_EQ(t["ladders"][0]["in_view"], true) << t.dump();
  // Set-up time, and the latency of every step that has a trigger (all but F1).
  EXPECT_EQ(t["plots"], 13) << t.dump();
  std::string html = read_file(page);
  EXPECT_NE(html.find("<td>F3 header</td><td>100</td>"), std::string::npos);
  EXPECT_NE(html.find("100 calls: 0 passed, 100 failed"), std::string::npos);
  screenshot(page);
}

// `ladder run` against a real Kamailio, twice into one reports directory: each run directory
// gets its page, and reports/index.html lists both runs, as the browser shows them.
TEST_F(HtmlInBrowser, RunsAgainstKamailioWriteTheirPagesAndTheIndex) {
  if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
  ladder::testing::KamailioOptions ko;
  ko.domain = "example.test";
  auto kamailio = ladder::testing::KamailioProcess::start(ko);
  ASSERT_TRUE(kamailio) << kamailio.error();
  fs::path reports = kOut / "reports";
  fs::remove_all(reports);
  fs::create_directories(reports);
  std::string p = kamailio->endpoint().to_string();
  fs::path testbed = kOut / "testbed.yaml";
  {
    std::ofstream(testbed)
        << "roles:\n"
           "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: example.test, register: true}\n"
           "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: example.test, register: true}\n"
           "  P: {dut: " + p + ", domain: example.test, kind: proxy, record_route: true}\n"
           "capture: {interface: lo, linger: 300ms}\n";
  }
  // The second run's ladder wants a Max-Forwards Kamailio does not send: a failed run.
  fs::path ladder = kSource / "scenarios/basic/successful-call.yaml";
  std::string wrong = read_file(ladder);
  std::size_t at = wrong.find("Max-Forwards: {equals: '69'}");
  ASSERT_NE(at, std::string::npos);
  wrong.replace(at, 28, "Max-Forwards: {equals: '68'}");
  fs::path wrong_ladder = kOut / "wrong-max-forwards.yaml";
  std::ofstream(wrong_ladder) << wrong;
  for (const auto& [run, path, status] :
       {std::tuple{"first", ladder, 0}, std::tuple{"second", wrong_ladder, 1}}) {
    Output o = run_command(kLadder + " run '" + path.string() + "' --testbed '" +
                               testbed.string() + "' --out '" + (reports / run).string() +
                               "' --html '" + (kOut / run).string() + ".html' 2>&1",
                           60);
    ASSERT_EQ(o.status, status) << o.out;
    ASSERT_TRUE(fs::exists(reports / run / "report.html")) << o.out;
  }
  // --html F is the run directory's page.
  EXPECT_EQ(read_file(kOut / "second.html"), read_file(reports / "second" / "report.html"));
  json t = selftest(reports / "first" / "report.html");
  expect_every_message_drawn(t, records(reports / "first" / "capture.pcap").size());
  EXPECT_EQ(t["ladders"][0]["highlighted"], 0) << t.dump();
  screenshot(reports / "first" / "report.html", "run-kamailio-passing");
  json index = selftest(reports / "index.html");
  EXPECT_EQ(index["errors"].size(), 0u) << index.dump();
  EXPECT_EQ(index["index_rows"], 2) << index.dump();
  std::string html = read_file(reports / "index.html");
  EXPECT_NE(html.find("<a href=\"first/report.html\">report</a>"), std::string::npos) << html;
  EXPECT_NE(html.find("<a href=\"second/capture.pcap\">capture</a>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>" + testbed.string() + "</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"failed\">FAILED</td><td>F3: "), std::string::npos) << html;
  screenshot(reports / "index.html", "run-index");
}

}  // namespace
