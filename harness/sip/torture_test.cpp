// RFC 4475-style inputs: every well-formed one parses cleanly and scan() agrees with the full
// parse; every malformed one is kept, with the exact reason.
#include <gtest/gtest.h>

#include "sip/sip.h"
#include "sip/torture_messages.h"

namespace ladder::sip {
namespace {

using testing::msg;

class WellFormed : public ::testing::TestWithParam<testing::Torture> {};

TEST_P(WellFormed, ParsesWithoutProblem) {
  Message m(GetParam().bytes);
  EXPECT_EQ(m.summary().problem, nullptr) << m.summary().problem;
  EXPECT_FALSE(m.malformed()) << m.problem();
  EXPECT_EQ(m.problem(), "");
}

// scan() and Message answer from different code (a view scan vs Sofia + the wire index); they
// must give the same identifiers, or the checker would index and inspect different things.
TEST_P(WellFormed, ScanAgreesWithFullParse) {
  Message m(GetParam().bytes);
  const Summary& s = m.summary();
  ASSERT_TRUE(m.from() && m.to());
  ASSERT_FALSE(m.vias().empty());
  EXPECT_EQ(s.call_id, m.header("Call-ID").value_or("?"));
  EXPECT_EQ(s.via_branch, m.vias().front().param("branch").value_or("?"));
  EXPECT_EQ(s.from_tag, m.from()->param("tag").value_or(""));
  EXPECT_EQ(s.to_tag, m.to()->param("tag").value_or(""));
  std::string cseq = m.header("CSeq").value_or("?");
  EXPECT_EQ(std::to_string(s.cseq) + " " + std::string(s.cseq_method),
            cseq.substr(cseq.find_first_not_of('0')))  // "0009 INVITE" means 9
      << cseq;
  if (s.is_request) {
    ASSERT_TRUE(m.request_uri());
    EXPECT_EQ(s.request_uri, m.request_uri()->text) << "Sofia re-encoded the Request-URI";
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc4475Style, WellFormed, ::testing::ValuesIn(testing::well_formed()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Torture, TortuousInviteStructure) {
  Message m(testing::well_formed()[0].bytes);
  const Summary& s = m.summary();
  EXPECT_EQ(s.method, "INVITE");
  EXPECT_EQ(s.cseq, 9u);
  EXPECT_EQ(s.cseq_method, "INVITE");
  EXPECT_EQ(s.from_tag, "4ee1b3");
  EXPECT_EQ(s.to_tag, "88sja8x");
  EXPECT_EQ(s.content_length, 88u);
  EXPECT_EQ(m.max_forwards(), 68);
  EXPECT_EQ(m.from()->display, "Bob \"the\" Builder");
  EXPECT_EQ(m.to()->display, "");
  // One Via line, then two more in one folded line: three in wire order.
  auto vias = m.vias();
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[1].transport, "TCP");
  EXPECT_EQ(vias[1].host, "spindle.example.com");
  EXPECT_EQ(vias[2].param("branch"), "z9hG4bK30239");
  EXPECT_EQ(m.count("Via"), 3u);
  EXPECT_EQ(m.headers("v")[1], "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8");
  // Folded unknown header: one value, the fold as one SP; list-looking unknown value unsplit.
  EXPECT_EQ(m.header("newfangledheader"), "newfangled value continued newfangled value");
  EXPECT_EQ(m.headers("UnknownHeaderWithUnusualValue"),
            std::vector<std::string>{";;,,;;,;"});
  EXPECT_EQ(m.header("Subject"), "");  // present, empty
  auto contacts = m.contacts();
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].display, "Quoted string \"\"");
  EXPECT_EQ(contacts[0].param("newparam"), "newvalue");
  EXPECT_EQ(contacts[0].param("secondparam"), "");
  EXPECT_EQ(contacts[0].param("q"), "0.33");
  auto routes = m.routes();
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].uri.host, "services.example.com");
  EXPECT_EQ(routes[0].uri.param("unknownwith"), "value");
  EXPECT_EQ(routes[0].uri.param("unknown-no-value"), "");
  EXPECT_EQ(m.content_type(), "application/sdp");
  EXPECT_EQ(m.body(), testing::kSdp);
}

TEST(Torture, EscapedUris) {
  Message m(testing::well_formed()[2].bytes);
  EXPECT_EQ(m.summary().request_uri, "sip:sips%3Auser%40example.com@example.net");
  EXPECT_EQ(m.request_uri()->user, "sips%3Auser%40example.com");  // reserved: kept escaped
  EXPECT_EQ(m.request_uri()->host, "example.net");
  // Escaped unreserved characters are decoded by Sofia; the wire text keeps them.
  EXPECT_EQ(m.to()->uri.user, "user");
  EXPECT_EQ(m.header("To"), "sip:%75se%72@example.com");
  EXPECT_EQ(m.from()->uri.user, "I%20have%20spaces");
  EXPECT_EQ(m.contacts().at(0).uri.param("name"), "value%2541");
  EXPECT_EQ(m.content_type(), "application/sdp");  // from the compact "C:" line
}

TEST(Torture, Ipv6References) {
  Message m(testing::well_formed()[3].bytes);
  EXPECT_EQ(m.request_uri()->host, "[2001:db8::10]");
  EXPECT_EQ(m.request_uri()->port, 5070);
  auto via = m.vias().at(0);
  EXPECT_EQ(via.host, "[2001:db8::9:1]");
  EXPECT_EQ(via.port, 5070);
  EXPECT_EQ(via.param("received"), "[2001:db8::9:255]");
  auto contact = m.contacts().at(0);
  EXPECT_EQ(contact.display, "Caller");
  EXPECT_EQ(contact.uri.host, "[2001:db8::1]");
  EXPECT_EQ(contact.uri.port, 5060);
  EXPECT_EQ(contact.uri.param("transport"), "udp");
  EXPECT_EQ(contact.param("expires"), "3600");
  // Bare addr-spec: ";tag" after the URI is a header parameter (RFC 3261 20.10).
  EXPECT_EQ(m.from()->param("tag"), "81x2");
  EXPECT_TRUE(m.from()->uri.params.empty());
}

TEST(Torture, CompactResponse) {
  Message m(testing::well_formed()[1].bytes);
  const Summary& s = m.summary();
  EXPECT_FALSE(s.is_request);
  EXPECT_EQ(s.status, 180);
  EXPECT_EQ(s.reason, "Ringing");
  EXPECT_EQ(s.call_id, "compact.12345@atlanta.example.com");
  auto vias = m.vias();
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0].param("rport"), "5062");
  EXPECT_EQ(vias[0].param("received"), "198.51.100.7");
  auto rr = m.record_routes();
  ASSERT_EQ(rr.size(), 2u);
  EXPECT_EQ(rr[0].uri.host, "p2.example.com");
  EXPECT_EQ(rr[1].uri.param("lr"), "");
  EXPECT_EQ(m.headers("Record-Route"),
            (std::vector<std::string>{"<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"}));
  EXPECT_EQ(m.to()->display, "Bob");
  EXPECT_EQ(m.header("m"), "<sip:bob@192.0.2.9:5062>");
}

TEST(Torture, SingleValuedHeadersWithCommasAreNotSplit) {
  Message m(testing::well_formed()[4].bytes);
  EXPECT_EQ(m.headers("Date"), std::vector<std::string>{"Sat, 13 Nov 2010 23:29:00 GMT"});
  EXPECT_EQ(m.headers("User-Agent"), std::vector<std::string>{"ladder/0.1 (test, torture)"});
  EXPECT_EQ(m.headers("s"), std::vector<std::string>{"Hello, world"});
  EXPECT_EQ(m.count("X-Weird-List"), 1u);
  EXPECT_EQ(m.count("Via"), 2u);
  EXPECT_EQ(m.header("Via"), "SIP/2.0/TCP user1pc.example.com;branch=z9hG4bK776sgdkse");
  EXPECT_EQ(m.body(), "Watson, come");
  EXPECT_EQ(m.content_type(), "text/plain");
  Message c(testing::well_formed()[5].bytes);
  EXPECT_EQ(c.headers("www-authenticate"),
            std::vector<std::string>{
                "Digest realm=\"example.com\", nonce=\"abc,def\", algorithm=MD5"});
  EXPECT_EQ(c.summary().from_tag, "f1");  // ";TAG=" matches case-insensitively
}

// ---- Malformed: kept, with the exact reason from both scan() and Message. ----

std::string base_request(std::string_view cseq_line) {
  return msg({"INVITE sip:bob@example.com SIP/2.0",
              "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKbad",
              "From: <sip:alice@example.com>;tag=1",
              "To: <sip:bob@example.com>",
              "Call-ID: bad-1@192.0.2.1",
              cseq_line,
              "Content-Length: 0"});
}

TEST(Malformed, BadCSeq) {
  Message m(base_request("CSeq: abc INVITE"));
  EXPECT_STREQ(m.summary().problem, "CSeq is not 'number method'");
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "bad CSeq header: 'abc INVITE'");
  // Still answers what it can.
  EXPECT_EQ(m.header("CSeq"), "abc INVITE");
  EXPECT_EQ(m.vias().at(0).param("branch"), "z9hG4bKbad");
  EXPECT_EQ(m.summary().call_id, "bad-1@192.0.2.1");
}

// Sofia 1.12.11 accepts a third word; RFC 3261 25.1 does not, and neither does scan(), whose
// problem then makes the Message malformed too, so the two never disagree on validity.
TEST(Malformed, CSeqWithThreeWords) {
  Message m(base_request("CSeq: 1 INVITE extra"));
  EXPECT_STREQ(m.summary().problem, "CSeq is not 'number method'");
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "CSeq is not 'number method'");
}

TEST(Malformed, GarbageStartLine) {
  std::string bytes = msg({"HELLO WORLD", "Via: SIP/2.0/UDP h;branch=z9hG4bKg",
                           "From: <sip:a@h>;tag=1", "To: <sip:b@h>", "Call-ID: g-1",
                           "CSeq: 1 INVITE"});
  Message m(bytes);
  EXPECT_STREQ(m.summary().problem, "not a SIP start line");
  EXPECT_EQ(m.summary().call_id, "g-1");  // scan() goes on past a bad start line
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "not a SIP start line: 'HELLO WORLD'");
  EXPECT_EQ(m.header("i"), "g-1");  // the wire index still answers
  EXPECT_FALSE(m.request_uri());
}

// Issue 14: a status line with two spaces is SIP with a flaw, not "not SIP": scan() fills no
// start-line field (no step may take it for a 200) and both sources name the flaw.
TEST(Malformed, StatusLineWithTwoSpaces) {
  Message m(msg({"SIP/2.0  200 OK", "Via: SIP/2.0/UDP h;branch=z9hG4bK2sp",
                 "From: <sip:a@h>;tag=1", "To: <sip:b@h>;tag=2", "Call-ID: two-spaces",
                 "CSeq: 1 INVITE", "Content-Length: 0"}));
  EXPECT_STREQ(m.summary().problem, "the status line has extra whitespace");
  EXPECT_EQ(m.summary().status, 0);
  EXPECT_FALSE(m.summary().is_request);
  EXPECT_EQ(m.summary().call_id, "two-spaces");
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "bad start line (the status line has extra whitespace): 'SIP/2.0  200 OK'");
}

TEST(Malformed, RequestUriWithHeaders) {
  Message m(msg({"INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0",
                 "Via: SIP/2.0/UDP h;branch=z9hG4bKq", "From: <sip:a@h>;tag=1", "To: <sip:b@h>",
                 "Call-ID: q", "CSeq: 1 INVITE", "Max-Forwards: 70", "Contact: <sip:a@h>",
                 "Content-Length: 0"}));
  EXPECT_EQ(m.summary().problem, nullptr);  // the line's shape is right; the URI is not
  EXPECT_EQ(m.problem(),
            "bad Request-URI (headers are not allowed in a Request-URI, RFC 3261 19.1.1): "
            "'sip:user@example.com?Route=%3Csip:example.com%3E'");
}

// RFC 3261 7.1: the version is case-insensitive; SWS around ':' ';' '=' and folds are LWS.
TEST(WellFormedSyntax, LowerCaseVersionAndSpacesAroundSeparators) {
  Message m(msg({"sip/2.0 200 OK",
                 "Via : SIP / 2.0 / udp host.example.com ; BRANCH = z9hG4bKlws ;",
                 "  received = 192.0.2.1",
                 "From:<sip:a@h> ; TAG = f1", "To :\t<sip:b@h>;tag=t1",
                 "Call-ID: lws", "CSeq : 7\t INVITE", "Contact: <sip:b@h>",
                 "Content-Length : 0"}));
  EXPECT_EQ(m.summary().problem, nullptr) << m.summary().problem;
  EXPECT_FALSE(m.malformed()) << m.problem();
  EXPECT_EQ(m.summary().status, 200);
  EXPECT_EQ(m.summary().via_branch, "z9hG4bKlws");
  EXPECT_EQ(m.summary().from_tag, "f1");
  EXPECT_EQ(m.summary().to_tag, "t1");
  EXPECT_EQ(m.summary().cseq, 7u);
  ASSERT_EQ(m.vias().size(), 1u);
  EXPECT_EQ(m.vias()[0].param("received"), "192.0.2.1");
  EXPECT_EQ(m.vias()[0].host, "host.example.com");
}

// Sofia 1.12.11 accepts both of these; RFC 3261 25.1 does not, so ladder checks the wire text.
TEST(Malformed, AuthorizationMissingAComma) {
  std::string bytes = msg({"REGISTER sip:example.com SIP/2.0",
                           "Via: SIP/2.0/UDP h;branch=z9hG4bKauth", "From: <sip:a@example.com>;tag=1",
                           "To: <sip:a@example.com>", "Call-ID: auth-1", "CSeq: 2 REGISTER",
                           "Authorization: Digest username=\"alice\" realm=\"example.com\", "
                           "nonce=\"abc\", uri=\"sip:example.com\", response=\"0123\"",
                           "Content-Length: 0"});
  Message m(bytes);
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(),
            "bad Authorization header: 'Digest username=\"alice\" realm=\"example.com\", "
            "nonce=\"abc\", uri=\"sip:example.com\", response=\"0123\"' (auth parameters are "
            "not separated by commas)");
  std::string fixed = bytes;
  fixed.replace(fixed.find("\" realm"), 7, "\", realm");
  Message ok(fixed);
  EXPECT_FALSE(ok.malformed()) << ok.problem();
}

TEST(WellFormedSyntax, ChallengesWithSpacesAndSeveralSchemes) {
  Message m(msg({"SIP/2.0 401 Unauthorized", "Via: SIP/2.0/UDP h;branch=z9hG4bKc",
                 "From: <sip:a@h>;tag=1", "To: <sip:a@h>;tag=2", "Call-ID: c", "CSeq: 1 REGISTER",
                 "WWW-Authenticate: Digest realm = \"h\" ,nonce=\"a,b\" , algorithm=MD5,",
                 " Basic realm=\"h\"",
                 "Content-Length: 0"}));
  EXPECT_FALSE(m.malformed()) << m.problem();
}

TEST(Malformed, WhitespaceInsideAngleBrackets) {
  Message m(msg({"OPTIONS sip:t@example.org SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bKa",
                 "Max-Forwards: 70", "From: \"Bell, A\" <sip:a@example.com>;tag=4",
                 "To: \"Watson, T\" < sip:t@example.org >", "Call-ID: aspec", "CSeq: 1 OPTIONS",
                 "Content-Length: 0"}));
  EXPECT_EQ(m.problem(),
            "bad To header: '\"Watson, T\" < sip:t@example.org >' (whitespace inside <>)");
  // Inside a quoted display name, "< " is text.
  Message q(msg({"OPTIONS sip:t@example.org SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bKa",
                 "Max-Forwards: 70", "From: \"a < b > c\" <sip:a@example.com>;tag=4",
                 "To: <sip:t@example.org>", "Call-ID: aspec2", "CSeq: 1 OPTIONS",
                 "Content-Length: 0"}));
  EXPECT_FALSE(q.malformed()) << q.problem();
}

TEST(Malformed, MissingCallId) {
  Message m(msg({"OPTIONS sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
                 "To: <sip:b@h>", "From: <sip:a@h>;tag=1", "CSeq: 1 OPTIONS",
                 "Content-Length: 0"}));
  EXPECT_STREQ(m.summary().problem, "no Call-ID header");
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "no Call-ID header");
}

TEST(Malformed, MissingToAndVia) {
  Message m(msg({"SIP/2.0 200 OK", "From: <sip:a@h>;tag=1", "Call-ID: x", "CSeq: 1 BYE"}));
  EXPECT_STREQ(m.summary().problem, "no To header");
  EXPECT_EQ(m.problem(), "no To header");
}

TEST(Malformed, ContentLengthLargerThanBody) {
  Message m(msg({"MESSAGE sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
                 "To: <sip:b@h>", "From: <sip:a@h>;tag=1", "Call-ID: x", "CSeq: 1 MESSAGE",
                 "Content-Length: 50"},
                "abc"));
  EXPECT_STREQ(m.summary().problem, "Content-Length is larger than the body");
  EXPECT_EQ(m.summary().body_size, 3u);
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "Content-Length 50 but body has 3 bytes");
  EXPECT_EQ(m.body(), "abc");
}

TEST(Malformed, ContentLengthNotANumber) {
  Message m(msg({"OPTIONS sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
                 "To: <sip:b@h>", "From: <sip:a@h>;tag=1", "Call-ID: x", "CSeq: 1 OPTIONS",
                 "l: ten"}));
  EXPECT_STREQ(m.summary().problem, "Content-Length is not a number");
  EXPECT_EQ(m.problem(), "bad Content-Length header: 'ten'");
}

TEST(Malformed, BadVia) {
  Message m(msg({"OPTIONS sip:bob@example.com SIP/2.0", "Via: garbage here", "To: <sip:b@h>",
                 "From: <sip:a@h>;tag=1", "Call-ID: x", "CSeq: 1 OPTIONS",
                 "Content-Length: 0"}));
  EXPECT_EQ(m.summary().problem, nullptr);  // scan() does not validate Via syntax
  EXPECT_TRUE(m.malformed());
  EXPECT_EQ(m.problem(), "bad Via header: 'garbage here'");
  EXPECT_TRUE(m.vias().empty());
  EXPECT_EQ(m.from()->param("tag"), "1");
}

TEST(Malformed, NotSipAtAll) {
  Message m(std::string("TEST"));
  EXPECT_STREQ(m.summary().problem, "not a SIP start line");
  EXPECT_EQ(m.problem(), "not a SIP start line: 'TEST'");
  EXPECT_EQ(m.count("Via"), 0u);
  Message empty(std::string{});
  EXPECT_EQ(empty.problem(), "not a SIP start line: ''");
}

}  // namespace
}  // namespace ladder::sip
