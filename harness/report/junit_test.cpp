// JUnit documents with one suite per ladder file (folder runs), as CI tools merge them.
#include <gtest/gtest.h>

#include <string>

#include "report/report.h"

namespace {

using ladder::report::junit_xml;
using ladder::report::JunitCase;
using ladder::report::JunitSuite;

JunitCase passed(const std::string& name, double seconds) {
  JunitCase c;
  c.suite = "ladder.direct";
  c.name = name;
  c.passed = true;
  c.seconds = seconds;
  return c;
}

TEST(Junit, OneSuitePerLadderFileWithItsOwnCountsAndTheTotalsAbove) {
  JunitCase failed;
  failed.suite = "ladder.wrong";
  failed.name = "negative/a&b.yaml";
  failed.failure_message = "F1: X-Never-Sent: expected present, seen none";
  failed.failure_text = failed.failure_message + "\n";
  failed.seconds = 0.5;
  std::string xml = junit_xml(std::vector<JunitSuite>{
      {"calls/direct.yaml", {passed("calls/direct.yaml", 1.25)}}, {"negative/a&b.yaml", {failed}}});
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites tests=\"2\" failures=\"1\" skipped=\"0\" time=\"1.750\">\n"
            "  <testsuite name=\"calls/direct.yaml\" tests=\"1\" failures=\"0\" skipped=\"0\" "
            "time=\"1.250\">\n"
            "    <testcase classname=\"ladder.direct\" name=\"calls/direct.yaml\" "
            "time=\"1.250\"/>\n"
            "  </testsuite>\n"
            "  <testsuite name=\"negative/a&amp;b.yaml\" tests=\"1\" failures=\"1\" "
            "skipped=\"0\" time=\"0.500\">\n"
            "    <testcase classname=\"ladder.wrong\" name=\"negative/a&amp;b.yaml\" "
            "time=\"0.500\">\n"
            "      <failure message=\"F1: X-Never-Sent: expected present, seen none\" "
            "type=\"ladder\">F1: X-Never-Sent: expected present, seen none\n</failure>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(Junit, ASingleSuiteDocumentIsTheOneSuiteCase) {
  std::vector<JunitCase> cases{passed("one", 0.1), passed("two", 0.2)};
  EXPECT_EQ(junit_xml("ladder run", cases),
            junit_xml(std::vector<JunitSuite>{{"ladder run", cases}}));
  EXPECT_NE(junit_xml("ladder run", cases).find("<testsuite name=\"ladder run\" tests=\"2\""),
            std::string::npos);
}

TEST(Junit, NoSuitesIsAnEmptyButValidDocument) {
  EXPECT_EQ(junit_xml(std::vector<JunitSuite>{}),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites tests=\"0\" failures=\"0\" skipped=\"0\" time=\"0.000\">\n"
            "</testsuites>\n");
}

}  // namespace
