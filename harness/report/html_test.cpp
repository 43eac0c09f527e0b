// The HTML pages as text: what is drawn for a passing call, a failing one, a missing step,
// retransmissions, hostile bytes, driver notes, the `--each` plots and the run index. The browser
// test (cli/html_browser_test.cpp) loads such pages in Chromium and runs their script.
#include "report/html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "checker/flow_test_util.h"
#include "report/report.h"
#include "testing/run_command.h"

namespace ladder::report {
namespace {

using namespace checker::testing;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Page {
  scenario::Scenario sc;
  std::vector<sip::WireMessage> msgs;
  checker::Verdict v;
  std::string html;
};

Page render(const std::vector<Wire>& wires, const char* ladder = basic_ladder(),
            std::vector<core::DriverEvent> events = {}) {
  Page p;
  p.sc = load(ladder);
  p.msgs = observe(wires);
  checker::CheckOptions o;
  o.roles = role_map();
  p.v = checker::check(p.sc, p.msgs, o);
  p.v.driver_events = std::move(events);
  p.html = verdict_html({.scenario = &p.sc, .verdict = &p.v, .messages = p.msgs,
                         .capture = "t.pcap", .capture_link = "t.pcap", .title = {}});
  return p;
}

// The attributes of the highlighted row (the first divergence), or "" when none.
std::string divergence(const std::string& html) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("<g class=\"row div\"([^>]*)>"))) return "";
  return m[1];
}

TEST(HtmlVerdict, PassingCallHasOneArrowPerMessageAndNoDivergence) {
  Page p = render(basic_call());
  ASSERT_TRUE(p.v.passed);
  EXPECT_EQ(count(p.html, "<g class=\"msg"), 13u);
  EXPECT_EQ(count(p.html, "<g class=\"step passed\""), 13u);
  EXPECT_NE(p.html.find("data-messages=\"13\""), std::string::npos);
  EXPECT_EQ(divergence(p.html), "");
  EXPECT_NE(p.html.find(">PASSED</span>basic: 13/13 steps passed"), std::string::npos);
  // Self-contained: nothing is fetched at view time.
  EXPECT_EQ(p.html.find("<link"), std::string::npos);
  EXPECT_EQ(p.html.find(" src="), std::string::npos);
  EXPECT_EQ(p.html.find("href=\"http"), std::string::npos);
  EXPECT_NE(p.html.find("<a href=\"t.pcap\">t.pcap</a>"), std::string::npos);
}

TEST(HtmlVerdict, WrongForwardIsTheDivergenceAndItsPanelShowsTheWire) {
  std::vector<Wire> w = basic_call();
  edit(w[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
  Page p = render(w);
  ASSERT_FALSE(p.v.passed);
  EXPECT_EQ(divergence(p.html), " data-r=\"2\" data-frame=\"3\" data-step=\"F3\"");
  std::size_t panel = p.html.find("<div class=\"pd\" id=\"p2\">");
  ASSERT_NE(panel, std::string::npos);
  std::string text = p.html.substr(panel, p.html.find("</div>", panel) - panel);
  EXPECT_NE(text.find("<h3>F3 (INVITE P -&gt; B): failed</h3>"), std::string::npos) << text;
  EXPECT_NE(text.find("<p>frame 3 \u00b7 0.002000 s \u00b7 udp 10.0.0.2:5060 \u2192 10.0.0.3:5060 \u00b7 P -> B</p>"), std::string::npos) << text;
  EXPECT_NE(text.find("<pre class=\"raw\">INVITE sip:bob@10.0.0.3 SIP/2.0\r\n"), std::string::npos);
  EXPECT_NE(text.find("Max-Forwards: 70\r\n"), std::string::npos);
  // In a text node only & and < are escaped: the message stays close to its wire size.
  EXPECT_NE(text.find("From: &lt;sip:alice@example.test>;tag=fa\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("<td>forward of F1</td>"), std::string::npos) << text;
  EXPECT_NE(text.find("<td><code>Max-Forwards: 70</code></td><td class=\"fail\">failed</td>"),
            std::string::npos)
      << text;
  // The failing arrow is marked on the ladder too.
  EXPECT_EQ(count(p.html, " bad\">"), 1u);
}

TEST(HtmlVerdict, MissingStepGetsItsOwnRowAfterTheStepBefore) {
  std::vector<Wire> w = basic_call();
  w.erase(w.begin() + F4);  // the 180 B -> P never came
  Page p = render(w);
  ASSERT_FALSE(p.v.passed);
  // Rows: F1, F2 (100), F3, then the missing F4.
  EXPECT_EQ(divergence(p.html), " data-r=\"3\" data-step=\"F4\"");
  EXPECT_EQ(count(p.html, "<g class=\"msg"), 12u);
  EXPECT_NE(p.html.find("<g class=\"step missing\">"), std::string::npos);
  EXPECT_NE(p.html.find("<h3>F4 (180 B -&gt; P): missing</h3>"), std::string::npos);
}

TEST(HtmlVerdict, RetransmissionsAreFoldedWithTheirCount) {
  std::vector<Wire> w = basic_call();
  Wire again = w[F1];
  again.at = 0.5;
  w.insert(w.begin() + F3, again);  // after the 100: a late retransmission of the INVITE
  Page p = render(w);
  EXPECT_EQ(count(p.html, "<g class=\"msg"), 13u);
  EXPECT_NE(p.html.find("data-messages=\"14\" data-folded=\"1\""), std::string::npos);
  EXPECT_NE(p.html.find("data-n=\"2\""), std::string::npos);
  EXPECT_NE(p.html.find("&#215;2</text>"), std::string::npos);
  EXPECT_NE(p.html.find("retransmitted 1 time: frame 3 at 0.500000;"), std::string::npos);
}

TEST(HtmlVerdict, HostileBytesAreEscaped) {
  std::vector<Wire> w = basic_call();
  edit(w[F1].text, "Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nSubject: <script>alert(1)</script>\x01\r\n");
  Page p = render(w);
  EXPECT_EQ(p.html.find("<script>alert"), std::string::npos);
  EXPECT_NE(p.html.find("Subject: &lt;script>alert(1)&lt;/script>\\x01"), std::string::npos);
  EXPECT_EQ(count(p.html, "<script>"), 1u);  // only the page's own
}

TEST(HtmlVerdict, WaivedFindingsAreMarked) {
  std::string ladder = basic_ladder();
  edit(ladder, "dialogs: {call: new}", "dialogs: {call: new}\npolicy: {waive: [forward]}");
  std::vector<Wire> w = basic_call();
  edit(w[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
  Page p = render(w, ladder.c_str());
  ASSERT_TRUE(p.v.passed);
  EXPECT_EQ(divergence(p.html), "");
  EXPECT_NE(p.html.find("class=\"badge waived\">waived</text>"), std::string::npos);
  EXPECT_NE(p.html.find("<li class=\"warn\">waived: F3: "), std::string::npos);
}

TEST(HtmlVerdict, DriverEventsAreNotesOnTheirLane) {
  Page p = render(basic_call(), basic_ladder(),
                  {{.time = 500'000'000, .role = "B", .driver = "baresip", .name = "CALL_RINGING",
                    .detail = "call ringing", .call_id = {}}});
  // After the 180s (0.011 s), before the 200 (1.0 s).
  std::size_t note = p.html.find("baresip: CALL_RINGING call ringing");
  ASSERT_NE(note, std::string::npos);
  EXPECT_LT(p.html.find("data-frame=\"5\""), note);
  EXPECT_GT(p.html.find("data-frame=\"6\""), note);
}

// The colours the observed arrows are drawn in, in order of first use.
std::vector<std::string> colours(const std::string& html) {
  std::vector<std::string> out;
  std::regex re("<g class=\"msg (d\\d)");
  for (std::sregex_iterator it(html.begin(), html.end(), re), end; it != end; ++it) {
    if (std::find(out.begin(), out.end(), (*it)[1]) == out.end()) out.push_back((*it)[1]);
  }
  return out;
}

TEST(HtmlVerdict, OneColourPerDialog) {
  std::vector<Wire> w = basic_call();
  // A registration on its own Call-ID, refreshed: each 200 has another To tag, still one colour.
  auto reg = [](const std::string& cseq) {
    return "REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKr" + cseq +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=r1\r\n"
           "To: <sip:alice@example.test>\r\nCall-ID: reg-1\r\nCSeq: " + cseq +
           " REGISTER\r\nContent-Length: 0\r\n\r\n";
  };
  auto ok = [](const std::string& cseq, const std::string& tag) {
    return "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKr" + cseq +
           "\r\nFrom: <sip:alice@example.test>;tag=r1\r\nTo: <sip:alice@example.test>;tag=" + tag +
           "\r\nCall-ID: reg-1\r\nCSeq: " + cseq + " REGISTER\r\nContent-Length: 0\r\n\r\n";
  };
  w.push_back({"A", "P", reg("1"), 6.0});
  w.push_back({"P", "A", ok("1", "x1"), 6.001});
  w.push_back({"A", "P", reg("2"), 7.0});
  w.push_back({"P", "A", ok("2", "x2"), 7.001});
  Page p = render(w);
  EXPECT_EQ(colours(p.html).size(), 2u) << p.html;
}

TEST(Histogram, CountsInLogBinsAndMerges) {
  checker::Histogram a, b;
  a.add(1'000'000);    // 1 ms
  a.add(1'200'000);    // 1.2 ms
  b.add(100'000'000);  // 100 ms
  a.merge(b);
  EXPECT_EQ(a.total, 3u);
  EXPECT_EQ(a.min, 1'000'000);
  EXPECT_EQ(a.max, 100'000'000);
  // 1 ms is the lower bound of bin 30 (10 bins per decade from 1 us).
  EXPECT_EQ(checker::Histogram::lower(30), 1'000'000);
  EXPECT_EQ(a.counts[30], 2u);
  EXPECT_EQ(a.counts[50], 1u);
}

TEST(HtmlEach, DrawsTheFirstFailedCallFromItsKeptMessagesAndPlotsTheTimings) {
  scenario::Scenario sc = load(basic_ladder());
  std::vector<Wire> w = basic_call();
  edit(w[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
  checker::EachOptions o;
  o.check.roles = role_map();
  checker::EachChecker each(sc, o);
  std::vector<sip::WireMessage> msgs = observe(w);
  core::TimeNs f1 = msgs[F1].time, f3 = msgs[F3].time, f7 = msgs[F7].time;
  for (sip::WireMessage& m : msgs) each.add(std::move(m));
  each.finish();
  const checker::EachSummary& s = each.summary();
  ASSERT_EQ(s.first_failed.size(), 1u);
  EXPECT_EQ(s.first_failed[0].messages.size(), 13u);  // kept for the page, whole
  EXPECT_EQ(s.setup.total, 1u);
  EXPECT_EQ(s.setup.min, f7 - f1);                   // the 200 reaches A, not B's 200 (F6)
  EXPECT_EQ(s.latency_by_step.at("F3").min, f3 - f1);  // the INVITE forwarded after F1
  std::string html = each_html(sc, s, "c.pcap");
  EXPECT_NE(html.find("<h2>Failed call call-1</h2>"), std::string::npos);
  EXPECT_EQ(count(html, "<g class=\"msg"), 13u);
  EXPECT_EQ(count(html, "<g class=\"row div\""), 1u);
  EXPECT_EQ(count(html, "<svg class=\"hist\""), 13u);  // set-up + 12 steps with a trigger
  EXPECT_NE(html.find("<td>F3 forward</td><td>1</td>"), std::string::npos) << html.substr(0, 3000);
}

TEST(HtmlIndex, OneRowPerRunFromItsJsonReport) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("ladder-html-index-" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (const char* d : {"20260101-000000-ok", "20260101-000100-bad", "multi/a",
                        "20260101-000200-scenarios/basic/busy"}) {
    fs::create_directories(root / d);
  }
  Page good = render(basic_call());
  std::vector<Wire> w = basic_call();
  w.erase(w.begin() + F4);
  Page bad = render(w);
  good.v.notes.push_back("testbed: testbeds/lo.yaml");
  std::ofstream(root / "20260101-000000-ok/report.json") << verdict_json(good.sc, good.v, "c.pcap");
  std::ofstream(root / "20260101-000100-bad/report.json") << verdict_json(bad.sc, bad.v, "c.pcap");
  std::ofstream(root / "20260101-000100-bad/report.html") << "x";
  std::ofstream(root / "20260101-000100-bad/capture.pcap") << "x";
  std::ofstream(root / "multi/a/report.json") << "{ not json";
  // A folder run: each ladder's directory sits at its path in the folder.
  std::ofstream(root / "20260101-000200-scenarios/basic/busy/report.json")
      << verdict_json(good.sc, good.v, "c.pcap");
  ASSERT_EQ(write_index(root.string()), "");
  std::string html = ladder::testing::read_file(root / "index.html");
  EXPECT_EQ(count(html, "<tr><td>"), 4u) << html;
  EXPECT_NE(html.find("<a href=\"20260101-000200-scenarios/basic/busy/report.json\">"), std::string::npos);
  EXPECT_NE(html.find("<td>basic</td><td>testbeds/lo.yaml</td><td class=\"passed\">PASSED</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td class=\"failed\">FAILED</td><td>F4: "), std::string::npos) << html;
  EXPECT_NE(html.find("<a href=\"20260101-000100-bad/report.html\">report</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"20260101-000100-bad/capture.pcap\">capture</a>"), std::string::npos);
  EXPECT_NE(html.find("(report.json unreadable)"), std::string::npos);
  fs::remove_all(root);
}

}  // namespace
}  // namespace ladder::report
