#include "checker/rules.h"

#include <charconv>
#include <string>

namespace ladder::checker {
namespace {

class Findings {
 public:
  void add(const char* rule, std::string header, std::string message) {
    out_.push_back({rule, std::move(header), std::move(message)});
  }
  std::vector<RuleFinding> take() { return std::move(out_); }

 private:
  std::vector<RuleFinding> out_;
};

bool is_number(std::string_view v, unsigned long max, unsigned long& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size() && out <= max;
}

void check_mandatory(const sip::Message& m, Findings& f) {
  const sip::Summary& s = m.summary();
  const char* rule = s.is_request ? "RFC 3261 8.1.1" : "RFC 3261 8.2.6.2";
  // The scan already knows these five are there; ask the header index only when it complained.
  if (s.problem != nullptr) {
    for (const char* name : {"To", "From", "CSeq", "Call-ID", "Via"}) {
      if (m.count(name) == 0) {
        f.add(rule, name, std::string("mandatory header ") + name + " is missing");
      }
    }
  }
  if (s.is_request && m.count("Max-Forwards") == 0) {
    f.add("RFC 3261 8.1.1.6", "Max-Forwards", "mandatory header Max-Forwards is missing");
  }
}

void check_branch(const sip::Message& m, Findings& f) {
  if (m.summary().problem != nullptr && m.count("Via") == 0) return;  // reported as missing
  std::string_view branch = m.summary().via_branch;
  if (branch.empty()) {
    f.add("RFC 3261 8.1.1.7", "Via", "top Via has no branch parameter");
  } else if (!branch.starts_with("z9hG4bK")) {
    f.add("RFC 3261 8.1.1.7", "Via",
          "branch '" + std::string(branch) + "' lacks the magic cookie z9hG4bK");
  }
}

void check_cseq(const sip::Message& m, Findings& f) {
  const sip::Summary& s = m.summary();
  if (s.cseq_method.empty()) return;  // missing or unparseable: reported as mandatory/malformed
  if (s.is_request && s.cseq_method != s.method) {
    f.add("RFC 3261 8.1.1.5", "CSeq",
          "CSeq method '" + std::string(s.cseq_method) + "' differs from the request method '" +
              std::string(s.method) + "'");
  }
  if (s.cseq >= (1u << 31)) {
    f.add("RFC 3261 8.1.1.5", "CSeq",
          "CSeq number " + std::to_string(s.cseq) + " is not less than 2**31");
  }
}

void check_lengths(const sip::Message& m, core::Transport transport, Findings& f) {
  const sip::Summary& s = m.summary();
  // RFC 3261 18.3: octets of a datagram past Content-Length are not body; they are discarded,
  // and the message stays valid (RFC 4475 3.1.1.8). On a stream they would be the next message.
  bool datagram_tail = transport == core::Transport::udp && s.content_length < s.body_size;
  if (s.has_content_length && s.content_length != s.body_size && !datagram_tail) {
    f.add("RFC 3261 20.14", "Content-Length",
          "Content-Length " + std::to_string(s.content_length) + " but the body has " +
              std::to_string(s.body_size) + " bytes");
  }
  if (!s.has_content_length && transport != core::Transport::udp) {
    f.add("RFC 3261 18.3", "Content-Length",
          "Content-Length is mandatory on stream transports (" +
              std::string(core::to_string(transport)) + ")");
  }
  if (!m.body().empty() && m.count("Content-Type") == 0) {
    f.add("RFC 3261 20.15", "Content-Type", "a message with a body has no Content-Type");
  }
}

void check_tags(const sip::Message& m, Findings& f) {
  const sip::Summary& s = m.summary();
  bool scanned = s.problem == nullptr;  // then From and To are known to be there
  if ((scanned || m.count("From") > 0) && s.from_tag.empty()) {
    f.add("RFC 3261 8.1.1.3", "From", "From has no tag");
  }
  if (!s.is_request && s.status > 100 && (scanned || m.count("To") > 0) && s.to_tag.empty()) {
    f.add("RFC 3261 8.2.6.2", "To",
          "a " + std::to_string(s.status) + " response without a To tag (only 100 may omit it)");
  }
}

void check_max_forwards(const sip::Message& m, Findings& f) {
  auto mf = m.header_view("Max-Forwards");
  unsigned long value = 0;
  if (mf && !is_number(*mf, 255, value)) {
    f.add("RFC 3261 20.22", "Max-Forwards",
          "Max-Forwards '" + std::string(*mf) + "' is not a number from 0 to 255");
  }
}

void check_contact(const sip::Message& m, Findings& f) {
  const sip::Summary& s = m.summary();
  bool invite = s.is_request ? s.method == "INVITE" : s.cseq_method == "INVITE";
  if (!invite) return;
  if (s.is_request && m.count("Contact") != 1) {
    f.add("RFC 3261 8.1.1.8", "Contact",
          "an INVITE must carry exactly one Contact; it has " + std::to_string(m.count("Contact")));
  }
  if (!s.is_request && s.status >= 200 && s.status < 300 && m.count("Contact") == 0) {
    f.add("RFC 3261 12.1.1", "Contact", "a 2xx to INVITE has no Contact");
  }
}

}  // namespace

std::vector<RuleFinding> check_rules(const sip::Message& message, core::Transport transport,
                                     bool full_parse) {
  Findings f;
  if (full_parse ? message.malformed() : message.summary().problem != nullptr) {
    f.add("RFC 3261 7", "",
          "malformed: " + (full_parse ? message.problem() : std::string(message.summary().problem)));
  }
  check_mandatory(message, f);
  check_branch(message, f);
  check_cseq(message, f);
  check_lengths(message, transport, f);
  check_tags(message, f);
  check_max_forwards(message, f);
  check_contact(message, f);
  return f.take();
}

}  // namespace ladder::checker
