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

// RFC 3261 19.1.4's examples of equivalent and different URIs.
TEST(SameUri, Rfc3261Equivalences) {
  auto same = [](std::string_view a, std::string_view b) {
    auto x = parse_uri(a), y = parse_uri(b);
    EXPECT_TRUE(x && y) << a << " / " << b;
    return x && y && same_uri(*x, *y) && same_uri(*y, *x);
  };
  EXPECT_TRUE(same("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  EXPECT_TRUE(same("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(same("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(same("sip:p1.example.com;lr", "sip:P1.EXAMPLE.COM;LR"));
  EXPECT_FALSE(same("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
  EXPECT_FALSE(same("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
  EXPECT_FALSE(same("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
  EXPECT_FALSE(same("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
  EXPECT_FALSE(same("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
}

}  // namespace
}  // namespace ladder::sip
