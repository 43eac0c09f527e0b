#include <gtest/gtest.h>

#include "sip/sip.h"

namespace ladder::sip {
namespace {

TEST(ParseUri, SipWithEverything) {
  auto u = parse_uri("sip:alice@example.com:5060;transport=TCP;lr?Subject=hi");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->text, "sip:alice@example.com:5060;transport=TCP;lr?Subject=hi");
  EXPECT_EQ(u->scheme, "sip");
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 5060);
  EXPECT_EQ(u->param("Transport"), "TCP");
  EXPECT_EQ(u->param("lr"), "");
  EXPECT_FALSE(u->param("maddr"));
  EXPECT_EQ(u->headers, "Subject=hi");
}

TEST(ParseUri, SipsIpv6AndNoUser) {
  auto u = parse_uri("SIPS:[2001:db8::1]:5061");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "sips");
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->host, "[2001:db8::1]");
  EXPECT_EQ(u->port, 5061);
  auto p = parse_uri("sip:127.0.0.1:0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->port, 0);
}

TEST(ParseUri, Tel) {
  auto u = parse_uri("tel:+1-201-555-0123;phone-context=example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "tel");
  EXPECT_EQ(u->user, "+1-201-555-0123");
  EXPECT_EQ(u->host, "");
  EXPECT_EQ(u->param("phone-context"), "example.com");
}

TEST(ParseUri, PasswordIsNotUser) {
  auto u = parse_uri("sip:user:secret@h");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "user");
}

TEST(ParseUri, Rejects) {
  for (std::string_view bad : {"", "bob", "http://x/y", "sip:", "sip:a@", "sip:a@h:abc",
                               "sip:a@h:99999", "sip:a@h x", " sip:a@h", "*", "tel:"}) {
    EXPECT_FALSE(parse_uri(bad)) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace ladder::sip
