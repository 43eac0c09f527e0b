// Test-only: a basic call A -> P -> B written as real SIP text, for checker unit tests. Each
// message can be edited before the flow is checked, to make one rule break at a time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "checker/checker.h"

namespace ladder::checker::testing {

struct Wire {
  std::string src, dst;  ///< "A", "P", "B"
  std::string text;
  double at = 0;  ///< seconds
};

/// A ladder from YAML text; a diagnostic fails the calling test.
inline scenario::Scenario load(const std::string& text) {
  auto r = scenario::load_scenario_text(text, "t.yaml");
  for (const auto& d : r.diagnostics) ADD_FAILURE() << d.format();
  return *r.scenario;
}

inline core::Endpoint endpoint_of(const std::string& role) {
  static const std::map<std::string, std::string> addr = {
      {"A", "10.0.0.1:5060"}, {"P", "10.0.0.2:5060"}, {"B", "10.0.0.3:5060"}, {"C", "10.0.0.4:5060"}};
  return *core::Endpoint::parse(addr.at(role));
}

inline scenario::RoleMap role_map() {
  scenario::RoleMap m;
  for (const char* r : {"A", "P", "B", "C"}) {
    core::Endpoint e = endpoint_of(r);
    m.roles[r].push_back({e.address, e.port});
  }
  return m;
}

inline std::vector<sip::WireMessage> observe(const std::vector<Wire>& wires) {
  std::vector<sip::WireMessage> out;
  std::uint64_t frame = 0;
  for (const Wire& w : wires) {
    ++frame;
    sip::Wire where{.frame = frame,
                    .first_frame = frame,
                    .time = static_cast<core::TimeNs>(w.at * 1e9),
                    .src = endpoint_of(w.src),
                    .dst = endpoint_of(w.dst)};
    sip::WireMessage o{where, sip::Message(w.text)};
    out.push_back(std::move(o));
  }
  return out;
}

/// Replaces the first `from` in `text` with `to`.
inline void edit(std::string& text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
}

// A -> P -> B basic call, RFC 3665 3.2 without auth: INVITE, 100, INVITE, 180, 180, 200, 200,
// ACK, ACK, BYE, BYE, 200, 200.
inline std::vector<Wire> basic_call() {
  const std::string sdp = "v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n";
  const std::string cl = "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  const std::string via_a = "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n";
  const std::string via_p = "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp1\r\n";
  const std::string ids = "From: <sip:alice@example.test>;tag=fa\r\nCall-ID: call-1\r\n";
  const std::string rr = "Record-Route: <sip:10.0.0.2;lr>\r\n";
  const std::string to_b = "To: <sip:bob@example.test>\r\n";
  const std::string to_bt = "To: <sip:bob@example.test>;tag=tb\r\n";
  std::string invite_a = "INVITE sip:bob@example.test SIP/2.0\r\n" + via_a +
                         "Max-Forwards: 70\r\n" + ids + to_b + "CSeq: 1 INVITE\r\n"
                         "Contact: <sip:alice@10.0.0.1>\r\nContent-Type: application/sdp\r\n" + cl;
  std::string invite_p = "INVITE sip:bob@10.0.0.3 SIP/2.0\r\n" + rr + via_p + via_a +
                         "Max-Forwards: 69\r\n" + ids + to_b + "CSeq: 1 INVITE\r\n"
                         "Contact: <sip:alice@10.0.0.1>\r\nContent-Type: application/sdp\r\n" + cl;
  auto resp = [&](const std::string& status, bool two_vias, bool tag, bool contact) {
    return "SIP/2.0 " + status + "\r\n" + (tag ? rr : "") + (two_vias ? via_p : "") + via_a + ids +
           (tag ? to_bt : to_b) + "CSeq: 1 INVITE\r\n" +
           (contact ? "Contact: <sip:bob@10.0.0.3>\r\n" : "") + "Content-Length: 0\r\n\r\n";
  };
  std::string ack_a = "ACK sip:bob@10.0.0.3 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa2\r\n"
                      "Route: <sip:10.0.0.2;lr>\r\nMax-Forwards: 70\r\n" + ids + to_bt +
                      "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
  std::string ack_p = "ACK sip:bob@10.0.0.3 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp2\r\n"
                      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa2\r\nMax-Forwards: 69\r\n" + ids +
                      to_bt + "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
  const std::string b_ids = "From: <sip:bob@example.test>;tag=tb\r\nCall-ID: call-1\r\n"
                            "To: <sip:alice@example.test>;tag=fa\r\n";
  std::string bye_b = "BYE sip:alice@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKb1\r\n"
                      "Route: <sip:10.0.0.2;lr>\r\nMax-Forwards: 70\r\n" + b_ids +
                      "CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";
  std::string bye_p = "BYE sip:alice@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp3\r\n"
                      "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKb1\r\nMax-Forwards: 69\r\n" + b_ids +
                      "CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";
  std::string ok_a = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp3\r\n"
                     "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKb1\r\n" + b_ids +
                     "CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";
  std::string ok_p = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKb1\r\n" + b_ids +
                     "CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";
  return {
      {"A", "P", invite_a, 0.000},
      {"P", "A", resp("100 Trying", false, false, false), 0.001},
      {"P", "B", invite_p, 0.002},
      {"B", "P", resp("180 Ringing", true, true, true), 0.010},
      {"P", "A", resp("180 Ringing", false, true, true), 0.011},
      {"B", "P", resp("200 OK", true, true, true), 1.000},
      {"P", "A", resp("200 OK", false, true, true), 1.001},
      {"A", "P", ack_a, 1.002},
      {"P", "B", ack_p, 1.003},
      {"B", "P", bye_b, 5.000},
      {"P", "A", bye_p, 5.001},
      {"A", "P", ok_a, 5.002},
      {"P", "B", ok_p, 5.003},
  };
}

// Index of each message in basic_call(), by ladder step.
enum Msg { F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13 };

inline const char* basic_ladder() {
  return R"(name: basic
roles: [A, B, P: proxy]
dialogs: {call: new}
steps:
  - {id: F1, from: A, to: P, request: INVITE, dialog: call}
  - {id: F2, from: P, to: A, response: 100}
  - {id: F3, from: P, to: B, request: INVITE, dialog: call, forwards: F1}
  - {id: F4, from: B, to: P, response: 180, dialog: call}
  - {id: F5, from: P, to: A, response: 180, dialog: call, forwards: F4}
  - {id: F6, from: B, to: P, response: 200, dialog: call}
  - {id: F7, from: P, to: A, response: 200, dialog: call, forwards: F6}
  - {id: F8, from: A, to: P, request: ACK, dialog: call}
  - {id: F9, from: P, to: B, request: ACK, dialog: call, forwards: F8}
  - {id: F10, from: B, to: P, request: BYE, dialog: call}
  - {id: F11, from: P, to: A, request: BYE, dialog: call, forwards: F10}
  - {id: F12, from: A, to: P, response: 200, dialog: call}
  - {id: F13, from: P, to: B, response: 200, dialog: call, forwards: F12}
)";
}

}  // namespace ladder::checker::testing
