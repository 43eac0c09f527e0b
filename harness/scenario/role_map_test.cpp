#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace ladder::scenario {
namespace {

core::Endpoint ep(const char* text) { return *core::Endpoint::parse(text); }

TEST(RoleMap, ParsesEveryForm) {
  std::string error;
  auto a = RoleMap::parse_binding("A=10.0.0.5:5060", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->first, "A");
  EXPECT_EQ(a->second.port, 5060);
  auto b = RoleMap::parse_binding("B=[fd00::1]:5060", &error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->second.address.family, 6);
  auto c = RoleMap::parse_binding("C=10.0.0.7", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(c->second.port);
  auto d = RoleMap::parse_binding("D=[fd00::2]", &error);
  ASSERT_TRUE(d) << error;
  EXPECT_FALSE(d->second.port);
}

TEST(RoleMap, ErrorTexts) {
  std::string error;
  EXPECT_FALSE(RoleMap::parse_binding("A10.0.0.5", &error));
  EXPECT_EQ(error,
            "bad role binding 'A10.0.0.5': expected ROLE=ADDRESS[:PORT] such as "
            "A=10.0.0.5:5060, A=10.0.0.5 or A=[fd00::1]:5060");
  EXPECT_FALSE(RoleMap::parse_binding("A=fd00::1", &error));
  EXPECT_EQ(error,
            "bad address 'fd00::1' in role binding 'A=fd00::1': write IPv6 addresses in "
            "brackets, e.g. A=[fd00::1]");
  EXPECT_FALSE(RoleMap::parse_binding("A=host.example:5060", &error));
  EXPECT_EQ(error,
            "bad address 'host.example:5060' in role binding 'A=host.example:5060': "
            "expected ROLE=ADDRESS[:PORT] such as A=10.0.0.5:5060, A=10.0.0.5 or "
            "A=[fd00::1]:5060");
  EXPECT_FALSE(RoleMap::parse({"A=10.0.0.5:5060", "B=10.0.0.5:5060"}, &error));
  EXPECT_EQ(error, "role binding 'B=10.0.0.5:5060' gives role A's address to B");
}

TEST(RoleMap, ExactPortWinsOverAnyPort) {
  std::string error;
  auto map = RoleMap::parse({"P=10.0.0.1", "A=10.0.0.1:5070", "B=[fd00::1]:5060"}, &error);
  ASSERT_TRUE(map) << error;
  EXPECT_EQ(map->role_of(ep("10.0.0.1:5070")), "A");
  EXPECT_EQ(map->role_of(ep("10.0.0.1:5060")), "P");
  EXPECT_EQ(map->role_of(ep("[fd00::1]:5060")), "B");
  EXPECT_EQ(map->role_of(ep("[fd00::1]:5061")), std::nullopt);
  Bindings b = map->bindings();
  EXPECT_EQ(b.roles["B"]["host"], "[fd00::1]");
  EXPECT_EQ(b.roles["B"]["address"], "[fd00::1]:5060");
  EXPECT_EQ(b.roles["P"].count("port"), 0u);
}

TEST(RoleMap, FromTestbed) {
  TestbedResult tb = load_testbed_text(
      "roles:\n  A: {bind: 127.0.0.1:0}\n  P: {dut: 127.0.0.1:5060, kind: proxy}\n", "tb.yaml");
  ASSERT_TRUE(tb.ok());
  RoleMap map = RoleMap::from_testbed(*tb.testbed);
  EXPECT_EQ(map.role_of(ep("127.0.0.1:5060")), "P");
  EXPECT_EQ(map.role_of(ep("127.0.0.1:40000")), "A");  // port 0 in the testbed: any port
}

}  // namespace
}  // namespace ladder::scenario
