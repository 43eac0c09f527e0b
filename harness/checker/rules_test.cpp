#include "checker/rules.h"

#include <gtest/gtest.h>

namespace ladder::checker {
namespace {

std::string invite(std::string_view extra_headers = "", std::string_view branch = "z9hG4bK776asdhds",
                   std::string_view cseq = "314159 INVITE") {
  return std::string("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n") +
         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=" + std::string(branch) + "\r\n" +
         "Max-Forwards: 70\r\n"
         "To: Bob <sip:bob@biloxi.example.com>\r\n"
         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
         "CSeq: " + std::string(cseq) + "\r\n"
         "Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
         std::string(extra_headers) + "Content-Length: 0\r\n\r\n";
}

std::vector<std::string> rules_of(const std::vector<RuleFinding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.rule + " " + f.header + ": " + f.message);
  return out;
}

TEST(Rules, CleanInvitePasses) {
  sip::Message m{invite()};
  EXPECT_TRUE(check_rules(m, core::Transport::udp).empty())
      << ::testing::PrintToString(rules_of(check_rules(m, core::Transport::udp)));
}

TEST(Rules, BranchWithoutMagicCookie) {
  sip::Message m{invite("", "776asdhds")};
  EXPECT_EQ(rules_of(check_rules(m, core::Transport::udp)),
            std::vector<std::string>{
                "RFC 3261 8.1.1.7 Via: branch '776asdhds' lacks the magic cookie z9hG4bK"});
}

TEST(Rules, CseqMethodMustMatchRequestMethod) {
  sip::Message m{invite("", "z9hG4bK1", "1 BYE")};
  EXPECT_EQ(rules_of(check_rules(m, core::Transport::udp)),
            std::vector<std::string>{
                "RFC 3261 8.1.1.5 CSeq: CSeq method 'BYE' differs from the request method 'INVITE'"});
}

TEST(Rules, ContentLengthMandatoryOnTcpOnly) {
  std::string text = invite();
  text.erase(text.find("Content-Length: 0\r\n"), 19);
  sip::Message m{text};
  EXPECT_TRUE(check_rules(m, core::Transport::udp).empty());
  EXPECT_EQ(rules_of(check_rules(m, core::Transport::tcp)),
            std::vector<std::string>{"RFC 3261 18.3 Content-Length: Content-Length is mandatory "
                                     "on stream transports (tcp)"});
}

TEST(Rules, ResponseWithoutToTag) {
  sip::Message m{
      "SIP/2.0 180 Ringing\r\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
      "To: Bob <sip:bob@biloxi.example.com>\r\n"
      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Content-Length: 0\r\n\r\n"};
  EXPECT_EQ(rules_of(check_rules(m, core::Transport::udp)),
            std::vector<std::string>{
                "RFC 3261 8.2.6.2 To: a 180 response without a To tag (only 100 may omit it)"});
}

TEST(Rules, MissingMaxForwardsAndBadValue) {
  std::string text = invite();
  text.erase(text.find("Max-Forwards: 70\r\n"), 18);
  auto found = rules_of(check_rules(sip::Message{text}, core::Transport::udp));
  EXPECT_NE(std::find(found.begin(), found.end(),
                      "RFC 3261 8.1.1.6 Max-Forwards: mandatory header Max-Forwards is missing"),
            found.end())
      << ::testing::PrintToString(found);
  std::string big = invite();
  big.replace(big.find("Max-Forwards: 70"), 16, "Max-Forwards: 300");
  EXPECT_EQ(rules_of(check_rules(sip::Message{big}, core::Transport::udp)),
            std::vector<std::string>{
                "RFC 3261 20.22 Max-Forwards: Max-Forwards '300' is not a number from 0 to 255"});
}

TEST(Rules, BodyWithoutContentTypeAndWrongLength) {
  std::string text = invite();
  text.replace(text.find("Content-Length: 0\r\n\r\n"), 21, "Content-Length: 10\r\n\r\nv=0\r\n");
  auto found = rules_of(check_rules(sip::Message{text}, core::Transport::udp));
  EXPECT_NE(std::find(found.begin(), found.end(),
                      "RFC 3261 20.15 Content-Type: a message with a body has no Content-Type"),
            found.end())
      << ::testing::PrintToString(found);
}

TEST(Rules, InviteNeedsExactlyOneContact) {
  std::string text = invite();
  text.erase(text.find("Contact: <sip:alice@pc33.atlanta.example.com>\r\n"), 48);
  EXPECT_EQ(rules_of(check_rules(sip::Message{text}, core::Transport::udp)),
            std::vector<std::string>{
                "RFC 3261 8.1.1.8 Contact: an INVITE must carry exactly one Contact; it has 0"});
}

}  // namespace
}  // namespace ladder::checker
