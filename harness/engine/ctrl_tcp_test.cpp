// The baresip driver's framing and JSON, from bytes shaped like baresip 1.0's ctrl_tcp output.
#include "engine/ctrl_tcp.h"

#include <gtest/gtest.h>

namespace ladder::engine::ctrl_tcp {
namespace {

TEST(CtrlTcp, CommandIsANetstringOfJson) {
  EXPECT_EQ(command("dial", "sip:bob@example.test", "t1"),
            R"(63:{"command":"dial","params":"sip:bob@example.test","token":"t1"},)");
  EXPECT_EQ(command("accept", "", "t2"), R"(33:{"command":"accept","token":"t2"},)");
}

TEST(CtrlTcp, ReadsResponsesAndEventsSplitAnywhere) {
  std::string reply = R"({"response":true,"ok":true,"data":"","token":"t1"})";
  std::string event =
      R"({"event":true,"type":"CALL_INCOMING","class":"call","accountaor":"sip:alice@example.test",)"
      R"("direction":"incoming","peeruri":"sip:bob@example.test","id":"abc@1"})";
  std::string bytes = std::to_string(reply.size()) + ":" + reply + "," +
                      std::to_string(event.size()) + ":" + event + ",";
  Reader r;
  std::vector<Message> got;
  for (char c : bytes) {  // one byte at a time: framing must not depend on reads
    r.feed(std::string_view(&c, 1));
    while (true) {
      auto m = r.next();
      ASSERT_TRUE(m) << m.error();
      if (!*m) break;
      got.push_back(**m);
    }
  }
  ASSERT_EQ(got.size(), 2u);
  const auto& rep = std::get<Reply>(got[0]);
  EXPECT_EQ(rep.token, "t1");
  EXPECT_TRUE(rep.ok);
  const auto& ev = std::get<Event>(got[1]);
  EXPECT_EQ(ev.type, "CALL_INCOMING");
  EXPECT_EQ(ev.call_id, "abc@1");
  EXPECT_EQ(ev.direction, "incoming");
  EXPECT_EQ(ev.peer_uri, "sip:bob@example.test");
}

TEST(CtrlTcp, SkipsJsonItDoesNotKnowAndNonJson) {
  Reader r;
  r.feed("3:abc,2:{},");
  r.feed(R"(28:{"response":true,"ok":false},)");
  auto m = r.next();
  ASSERT_TRUE(m && *m);
  EXPECT_FALSE(std::get<Reply>(**m).ok);
}

TEST(CtrlTcp, BadFramesAreErrorsNotHangs) {
  for (const char* bad : {"x:abc,", "3:abcX", "99999999:", ":abc,"}) {
    Reader r;
    r.feed(bad);
    auto m = r.next();
    EXPECT_FALSE(m) << bad;
  }
  Reader big;
  big.feed("2000000:");
  auto m = big.next();
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), "ctrl_tcp: netstring longer than 1 MiB");
}

}  // namespace
}  // namespace ladder::engine::ctrl_tcp
