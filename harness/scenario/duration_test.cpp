#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

using std::chrono::microseconds;

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("100us"), microseconds(100));
  EXPECT_EQ(parse_duration("500ms"), microseconds(500000));
  EXPECT_EQ(parse_duration("2s"), microseconds(2000000));
  EXPECT_EQ(parse_duration("1.5s"), microseconds(1500000));
  EXPECT_EQ(parse_duration("0.25ms"), microseconds(250));
  EXPECT_EQ(parse_duration("1m"), microseconds(60000000));
}

TEST(Duration, RejectsBadText) {
  for (const char* bad :
       {"", "5", "5 s", "s", "1.5us", ".5s", "5.s", "-1s", "2h", "1e3ms", "5sec"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(format_duration(microseconds(100)), "100us");
  EXPECT_EQ(format_duration(microseconds(500000)), "500ms");
  EXPECT_EQ(format_duration(microseconds(2000000)), "2s");
  EXPECT_EQ(format_duration(microseconds(1500000)), "1.5s");
  EXPECT_EQ(format_duration(microseconds(0)), "0ms");
}

}  // namespace
}  // namespace ladder::scenario
