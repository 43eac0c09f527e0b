#include <gtest/gtest.h>

#include "sip/bulk.h"
#include "sip/sip.h"
#include "sip/torture_messages.h"

namespace ladder::sip {
namespace {

using testing::msg;
using Strings = std::vector<std::string>;

TEST(CanonicalName, CompactForms) {
  const std::pair<std::string_view, std::string_view> forms[] = {
      {"i", "Call-ID"},        {"m", "Contact"},         {"e", "Content-Encoding"},
      {"l", "Content-Length"}, {"c", "Content-Type"},    {"f", "From"},
      {"s", "Subject"},        {"k", "Supported"},       {"t", "To"},
      {"v", "Via"},            {"o", "Event"},           {"r", "Refer-To"},
      {"b", "Referred-By"},    {"x", "Session-Expires"}, {"u", "Allow-Events"},
      {"a", "Accept-Contact"}, {"j", "Reject-Contact"},  {"d", "Request-Disposition"},
      {"y", "Identity"},       {"n", "Identity-Info"}};
  for (auto [compact, name] : forms) {
    EXPECT_EQ(canonical_name(compact), name) << compact;
    std::string upper(1, static_cast<char>(compact[0] - 'a' + 'A'));
    EXPECT_EQ(canonical_name(upper), name) << upper;
  }
}

TEST(CanonicalName, NormalisesCaseOfKnownNamesOnly) {
  EXPECT_EQ(canonical_name("cAlL-iD"), "Call-ID");
  EXPECT_EQ(canonical_name("www-authenticate"), "WWW-Authenticate");
  EXPECT_EQ(canonical_name("X-Custom"), "X-Custom");
  EXPECT_EQ(canonical_name("q"), "q");
}

std::string lists_message() {
  return msg({"INVITE sip:b@h SIP/2.0",
              "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
              "v: SIP/2.0/UDP c;branch=z9hG4bK3",
              "From: <sip:a@h>;tag=1",
              "To: <sip:b@h>",
              "Call-ID: lists",
              "CSeq: 1 INVITE",
              "Contact: \"Doe, John\" <sip:j@h>, <sip:k@h;x=1>;q=0.5",
              "Route: <sip:p1;lr>;foo=\"a,b\", <sip:p2;lr>",
              "Route: <sip:p3;lr>",
              "Allow: INVITE, ACK,BYE",
              "k: timer, 100rel",
              "Require: 100rel",
              "Supported: path",
              "Subject: one, two",
              "Content-Length: 0"});
}

TEST(Headers, ListsSplitAcrossLinesAndCommas) {
  Message m(lists_message());
  EXPECT_EQ(m.headers("via"), (Strings{"SIP/2.0/UDP a;branch=z9hG4bK1",
                                       "SIP/2.0/UDP b;branch=z9hG4bK2",
                                       "SIP/2.0/UDP c;branch=z9hG4bK3"}));
  EXPECT_EQ(m.headers("m"), (Strings{"\"Doe, John\" <sip:j@h>", "<sip:k@h;x=1>;q=0.5"}));
  EXPECT_EQ(m.headers("Route"),
            (Strings{"<sip:p1;lr>;foo=\"a,b\"", "<sip:p2;lr>", "<sip:p3;lr>"}));
  EXPECT_EQ(m.headers("ALLOW"), (Strings{"INVITE", "ACK", "BYE"}));
  EXPECT_EQ(m.headers("Supported"), (Strings{"timer", "100rel", "path"}));
  EXPECT_EQ(m.count("Require"), 1u);
  EXPECT_EQ(m.headers("Subject"), Strings{"one, two"});
  EXPECT_EQ(m.count("Record-Route"), 0u);
  EXPECT_FALSE(m.header("Record-Route"));
}

TEST(Headers, FirstValueAndCompactLookup) {
  Message m(lists_message());
  EXPECT_EQ(m.header("Via"), "SIP/2.0/UDP a;branch=z9hG4bK1");
  EXPECT_EQ(m.header("I"), "lists");
  EXPECT_EQ(m.header("supported"), "timer");
  EXPECT_EQ(m.header("Contact"), "\"Doe, John\" <sip:j@h>");
}

TEST(Headers, StructureFromSofiaMatchesTheLists) {
  Message m(lists_message());
  auto contacts = m.contacts();
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(contacts[0].display, "Doe, John");
  EXPECT_EQ(contacts[1].uri.param("x"), "1");
  EXPECT_EQ(contacts[1].param("q"), "0.5");
  auto routes = m.routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].param("foo"), "\"a,b\"");
  EXPECT_EQ(routes[2].uri.host, "p3");
  EXPECT_EQ(m.vias().size(), 3u);
  EXPECT_EQ(m.body(), "");
  EXPECT_FALSE(m.max_forwards());
  EXPECT_FALSE(m.content_type());
}

TEST(Message, ViaFields) {
  Message m(msg({"SIP/2.0 200 OK",
                 "Via: SIP/2.0/TCP 192.0.2.1:5070;branch=z9hG4bKv;received=198.51.100.1;rport",
                 "From: <sip:a@h>;tag=1", "To: <sip:b@h>;tag=2", "Call-ID: v", "CSeq: 5 BYE",
                 "Content-Length: 0"}));
  auto v = m.vias().at(0);
  EXPECT_EQ(v.protocol, "SIP/2.0/TCP");
  EXPECT_EQ(v.transport, "TCP");
  EXPECT_EQ(v.host, "192.0.2.1");
  EXPECT_EQ(v.port, 5070);
  EXPECT_EQ(v.param("branch"), "z9hG4bKv");
  EXPECT_EQ(v.param("received"), "198.51.100.1");
  EXPECT_EQ(v.param("rport"), "");
  EXPECT_FALSE(v.param("maddr"));
}

TEST(Message, BodyCutToContentLength) {
  Message m(msg({"MESSAGE sip:b@h SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
                 "From: <sip:a@h>;tag=1", "To: <sip:b@h>", "Call-ID: b", "CSeq: 1 MESSAGE",
                 "Content-Type: text/plain;charset=utf-8", "Content-Length: 5"},
                "helloEXTRA"));
  EXPECT_FALSE(m.malformed()) << m.problem();
  EXPECT_EQ(m.body(), "hello");
  EXPECT_EQ(m.content_type(), "text/plain");
  EXPECT_EQ(m.header("c"), "text/plain;charset=utf-8");
}

TEST(Message, MovesKeepAnswers) {
  Message a(lists_message());
  EXPECT_FALSE(a.malformed());
  Message b(std::move(a));
  EXPECT_EQ(b.summary().call_id, "lists");
  EXPECT_EQ(b.header("Call-ID"), "lists");
  // Short enough for the small-string buffer, which moves by copy: views must not dangle
  // (the sanitizer build checks this).
  Message s(std::string("TEST\r\nX-A: 1"));
  EXPECT_EQ(s.header("x-a"), "1");
  Message t(std::string("x"));
  t = std::move(s);
  EXPECT_EQ(t.header("X-A"), "1");
  EXPECT_EQ(t.problem(), "not a SIP start line: 'TEST'");
}

// A message built in another's released memory answers as one built afresh, whether its bytes
// fit in that memory or not; the released one is left empty.
TEST(Message, BuiltInReleasedMemory) {
  Message first(lists_message());
  ASSERT_FALSE(first.header_views("Via").empty());
  Message::Buffers memory = std::move(first).release();
  EXPECT_TRUE(first.bytes().empty());
  EXPECT_TRUE(first.summary().call_id.empty());
  EXPECT_FALSE(first.header("Call-ID"));
  std::string shorter = msg({"BYE sip:b@h SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bKr",
                             "From: <sip:a@h>;tag=1", "To: <sip:b@h>;tag=2", "Call-ID: reused",
                             "CSeq: 2 BYE", "Content-Length: 0"});
  const char* reused_at = memory.bytes.data();
  Message again(shorter, std::move(memory));
  EXPECT_EQ(again.bytes().data(), reused_at);  // no new allocation for the bytes
  EXPECT_EQ(again.bytes(), shorter);
  EXPECT_EQ(again.summary().call_id, "reused");
  EXPECT_EQ(again.summary().via_branch, "z9hG4bKr");
  EXPECT_EQ(again.header_views("Via").size(), 1u);
  EXPECT_EQ(again.header("CSeq"), "2 BYE");
  EXPECT_FALSE(again.malformed()) << again.problem();
  std::string longer = shorter + std::string(4096, 'x');
  Message grown(longer, std::move(again).release());
  EXPECT_EQ(grown.bytes(), longer);
  EXPECT_EQ(grown.summary().call_id, "reused");
}

// ipv6frag.pcap frame 24 (a real SIPp UAS) repeats Content-Type; Sofia rejects it and names
// the error header by its value, so the problem text must name the header itself.
TEST(Message, RepeatedSingleValuedHeaderIsNamed) {
  Message m(
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 3 UPDATE\r\n"
      "Content-Type: application/sdp\r\nContent-Type: application/sdp\r\n"
      "Content-Length: 4\r\n\r\nv=0\n");
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "more than one Content-Type header");
}

// Issue 14: a repeated single-instance header whose first field is not a string (Max-Forwards'
// count, CSeq's number) crashed the problem text. Every single-instance header of RFC 3261 and
// its extensions, twice, in a request and in a response: malformed, named, never a crash.
TEST(Issue14, EverySingleInstanceHeaderTwiceIsNamedNotACrash) {
  const std::pair<const char*, const char*> singles[] = {
      {"Call-ID", "dup-1@h"},
      {"CSeq", "7 OPTIONS"},
      {"From", "<sip:a@h>;tag=1"},
      {"To", "<sip:b@h>"},
      {"Max-Forwards", "70"},
      {"Content-Length", "0"},
      {"Content-Type", "application/sdp"},
      {"Content-Disposition", "session"},
      {"Expires", "3600"},
      {"Min-Expires", "60"},
      {"Date", "Sat, 13 Nov 2010 23:29:00 GMT"},
      {"Timestamp", "54"},
      {"Retry-After", "18000"},
      {"Subject", "lunch"},
      {"Priority", "urgent"},
      {"Organization", "Example"},
      {"Server", "ladder-test"},
      {"User-Agent", "ladder-test"},
      {"MIME-Version", "1.0"},
      {"Reply-To", "<sip:c@h>"},
      {"Call-Info", "<http://h/i.png>;purpose=icon"},
      {"Refer-To", "<sip:c@h>"},
      {"Referred-By", "<sip:a@h>"},
      {"Replaces", "abc@h;to-tag=1;from-tag=2"},
      {"Event", "refer"},
      {"Subscription-State", "active;expires=60"},
      {"Session-Expires", "1800"},
      {"Min-SE", "90"},
      {"RSeq", "1"},
      {"RAck", "1 7 INVITE"},
      {"Request-Disposition", "proxy"},
      {"Privacy", "none"},
  };
  const std::string via = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n";
  const std::string base = "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: dup-1@h\r\n"
                           "CSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n";
  std::size_t named = 0;
  for (auto [name, value] : singles) {
    for (const char* start : {"OPTIONS sip:b@h SIP/2.0\r\n", "SIP/2.0 200 OK\r\n"}) {
      std::string twice = std::string(name) + ": " + value + "\r\n";
      twice += twice;
      Message m(std::string(start) + via + base + twice + "\r\n");
      // Every accessor the checker uses must answer without touching freed or foreign memory.
      (void)m.vias();
      (void)m.from();
      (void)m.to();
      (void)m.contacts();
      (void)m.max_forwards();
      if (!m.malformed()) continue;  // Sofia keeps some (Date, Subject ...) as a list
      EXPECT_NE(m.problem().find("more than one"), std::string::npos) << name << ": " << m.problem();
      ++named;
    }
  }
  // The headers the issue found, and those whose repetition changes meaning, are each named,
  // also when the second copy differs from the first.
  const std::pair<const char*, const char*> seconds[] = {
      {"Max-Forwards", "69"}, {"CSeq", "8 OPTIONS"}, {"Call-ID", "other@h"},
      {"From", "<sip:x@h>;tag=9"}, {"To", "<sip:y@h>"}, {"Content-Length", "0"}};
  for (auto [name, value] : seconds) {
    Message m("OPTIONS sip:b@h SIP/2.0\r\n" + via + base + name + ": " + value + "\r\n\r\n");
    EXPECT_TRUE(m.malformed()) << name;
    EXPECT_EQ(m.problem(), std::string("more than one ") + name + " header");
  }
  EXPECT_GE(named, 12U);
}

}  // namespace
}  // namespace ladder::sip
