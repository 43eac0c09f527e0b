// Test-only: hand-written messages in the spirit of RFC 4475 (SIP torture tests). Each is
// built from lines so the CRLFs are explicit and the Content-Length can be checked by eye.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ladder::sip::testing {

struct Torture {
  std::string_view name;
  std::string bytes;
  // GoogleTest names parameterised cases with this (its default dumps raw object bytes).
  friend void PrintTo(const Torture& t, std::ostream* os) { *os << t.name; }
};

/// Joins header lines with CRLF, adds the blank line and the body.
inline std::string msg(std::initializer_list<std::string_view> lines, std::string_view body = "") {
  std::string out;
  for (std::string_view l : lines) {
    out += l;
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

inline constexpr std::string_view kSdp =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 49170 RTP/AVP 0\r\n";  // 88 bytes

/// Messages every parser must accept.
inline std::vector<Torture> well_formed() {
  return {
      // Odd whitespace everywhere, folds inside values, compact forms, mixed case names,
      // unknown headers with list-looking values, Via in one line and across lines.
      {"tortuous",
       msg({"INVITE sip:carol@chicago.example.com;unknownparam SIP/2.0",
            "TO :",
            " sip:carol@chicago.example.com ;   tag    = 88sja8x",
            "from   : \"Bob \\\"the\\\" Builder\"       <sip:bob@biloxi.example.com>",
            "  ;",
            "  tag = 4ee1b3",
            "MaX-fOrWaRdS: 0068",
            "Call-ID: tortuous.fj49sk@192.0.2.4",
            "Content-Length   : 88",
            "cseq: 0009",
            "  INVITE",
            "Via  : SIP  /   2.0",
            " /UDP",
            "    192.0.2.2;rport;branch=z9hG4bKtort1",
            "s :",
            "NewFangledHeader:   newfangled value",
            " continued newfangled value",
            "UnknownHeaderWithUnusualValue: ;;,,;;,;",
            "Content-Type: application/sdp",
            "Route:",
            " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
            "v:  SIP  / 2.0  / TCP     spindle.example.com   ;",
            "  branch  =   z9hG4bK9ikj8  ,",
            " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
            " z9hG4bK30239",
            "m:\"Quoted string \\\"\\\"\" <sip:bob@biloxi.example.com> ; newparam =",
            "      newvalue ;",
            "  secondparam ; q = 0.33"},
           kSdp)},
      // Compact forms only, and a response.
      {"compact_response",
       msg({"SIP/2.0 180 Ringing",
            "v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKc1;received=198.51.100.7;rport=5062",
            "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKc0",
            "f: <sip:alice@atlanta.example.com>;tag=a73kszlfl",
            "t: Bob <sip:bob@biloxi.example.com>;tag=b2828",
            "i: compact.12345@atlanta.example.com",
            "CSeq: 31862 INVITE",
            "m: <sip:bob@192.0.2.9:5062>",
            "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>",
            "l: 0"})},
      // Escaped characters in the Request-URI and in To/From URIs.
      {"escaped_uris",
       msg({"INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0",
            "To: sip:%75se%72@example.com",
            "From: <sip:I%20have%20spaces@example.net>;tag=938",
            "Max-Forwards: 87",
            "i: esc01.239409asdfakjkn23onasd0-3234",
            "CSeq: 234234 INVITE",
            "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw",
            "C: application/sdp",
            "Contact: <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>",
            "Content-Length: 88"},
           kSdp)},
      // IPv6 references in the Request-URI, Via sent-by and received, and Contact.
      {"ipv6",
       msg({"REGISTER sip:[2001:db8::10]:5070 SIP/2.0",
            "To: sip:user@example.com",
            "From: sip:user@example.com;tag=81x2",
            "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111;received=[2001:db8::9:255]",
            "Call-ID: SSG9559905523997077@hlau_4100",
            "Max-Forwards: 70",
            "Contact: \"Caller\" <sip:caller@[2001:db8::1]:5060;transport=udp>;expires=3600",
            "CSeq: 98176 REGISTER",
            "Content-Length: 0"})},
      // Unknown headers and single-valued headers with commas; a text body.
      {"unknown_headers_body",
       msg({"MESSAGE sip:user2@example.com SIP/2.0",
            "Via: SIP/2.0/TCP user1pc.example.com;branch=z9hG4bK776sgdkse, "
            "SIP/2.0/TCP proxy.example.com;branch=z9hG4bK2",
            "Max-Forwards: 70",
            "From: sip:user1@example.com;tag=49583",
            "To: sip:user2@example.com",
            "Call-ID: asd88asd77a@1.2.3.4",
            "CSeq: 1 MESSAGE",
            "Date: Sat, 13 Nov 2010 23:29:00 GMT",
            "User-Agent: ladder/0.1 (test, torture)",
            "Subject: Hello, world",
            "X-Weird-List: a, b, \"c, d\"",
            "Content-Type: text/plain",
            "Content-Length: 12"},
           "Watson, come")},
      // A 401 whose WWW-Authenticate has commas that are not list separators; upper-case TAG.
      {"challenge",
       msg({"SIP/2.0 401 Unauthorized",
            "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKreg1;rport=5062;received=127.0.0.1",
            "From: <sip:alice@example.com>;TAG=f1",
            "To: <sip:alice@example.com>;tag=srv9",
            "Call-ID: reg-1@127.0.0.1",
            "CSeq: 2 REGISTER",
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc,def\", algorithm=MD5",
            "Content-Length: 0"})},
  };
}

}  // namespace ladder::sip::testing
