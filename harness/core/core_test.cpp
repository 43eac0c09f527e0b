#include "core/core.h"

#include <gtest/gtest.h>

namespace ladder::core {
namespace {

TEST(Endpoint, ParsesAndFormatsIpv4) {
  auto e = Endpoint::parse("10.0.0.5:5060");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address.family, 4);
  EXPECT_EQ(e->port, 5060);
  EXPECT_EQ(e->to_string(), "10.0.0.5:5060");
}

TEST(Endpoint, ParsesAndFormatsBracketedIpv6) {
  auto e = Endpoint::parse("[fd17::1]:15060");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address.family, 6);
  EXPECT_EQ(e->to_string(), "[fd17::1]:15060");
}

TEST(Endpoint, RejectsBadText) {
  EXPECT_FALSE(Endpoint::parse("10.0.0.5"));
  EXPECT_FALSE(Endpoint::parse("10.0.0.5:70000"));
  EXPECT_FALSE(Endpoint::parse("10.0.0.5:50x"));
  EXPECT_FALSE(Endpoint::parse("fd17::1:5060"));
  EXPECT_FALSE(Endpoint::parse("host.example:5060"));
}

TEST(Address, Loopback) {
  EXPECT_TRUE(Address::parse("127.0.0.2")->is_loopback());
  EXPECT_TRUE(Address::parse("::1")->is_loopback());
  EXPECT_FALSE(Address::parse("10.1.1.1")->is_loopback());
}

TEST(Diagnostic, FormatsWhereSeverityMessage) {
  Diagnostic d{Severity::error, position("a.yaml", 3, 7), "unknown key 'form'"};
  EXPECT_EQ(d.format(), "a.yaml:3:7: error: unknown key 'form'");
}

TEST(FormatSeconds, MicrosecondResolution) {
  EXPECT_EQ(format_seconds(1234567891), "1.234567");
  EXPECT_EQ(format_seconds(-500000), "-0.000500");
}

TEST(FailureKind, NamesRoundTripAndOnlyRunProblemsCannotBeWaived) {
  ASSERT_EQ(failure_kinds().size(), 12U);
  for (FailureKind k : failure_kinds()) {
    EXPECT_EQ(parse_failure_kind(to_string(k)), k) << to_string(k);
  }
  EXPECT_EQ(to_string(FailureKind::retransmission), "retransmission");
  EXPECT_FALSE(parse_failure_kind("direction"));
  EXPECT_TRUE(waivable(FailureKind::rule));
  EXPECT_FALSE(waivable(FailureKind::role));
  EXPECT_FALSE(waivable(FailureKind::engine));
}

}  // namespace
}  // namespace ladder::core
