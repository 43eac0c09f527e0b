// Header name normalisation: compact forms (RFC 3261 7.3.3 and the extensions that define one)
// and the conventional spelling of the well-known headers.
#include "sip/names.h"

#include <array>
#include <cstdint>

#include "sip/sip.h"
#include "sip/text.h"

namespace ladder::sip {
namespace {

struct Compact {
  char letter;
  std::string_view name;
};

constexpr auto kCompact = std::to_array<Compact>({
    {'a', "Accept-Contact"},  {'b', "Referred-By"},  {'c', "Content-Type"},
    {'d', "Request-Disposition"}, {'e', "Content-Encoding"}, {'f', "From"},
    {'i', "Call-ID"},         {'j', "Reject-Contact"}, {'k', "Supported"},
    {'l', "Content-Length"},  {'m', "Contact"},      {'n', "Identity-Info"},
    {'o', "Event"},           {'r', "Refer-To"},     {'s', "Subject"},
    {'t', "To"},              {'u', "Allow-Events"}, {'v', "Via"},
    {'x', "Session-Expires"}, {'y', "Identity"},
});

struct Known {
  std::string_view name;
  bool list;
};

// Spelling as in the defining RFCs. `list` marks the "#"-grammar headers.
constexpr auto kKnown = std::to_array<Known>({
    {"Accept", true},
    {"Accept-Contact", true},
    {"Accept-Encoding", true},
    {"Accept-Language", true},
    {"Alert-Info", true},
    {"Allow", true},
    {"Allow-Events", true},
    {"Authentication-Info", false},  // one ainfo list, not separate values
    {"Authorization", false},
    {"Call-ID", false},
    {"Call-Info", true},
    {"Contact", true},
    {"Content-Disposition", false},
    {"Content-Encoding", true},
    {"Content-Language", true},
    {"Content-Length", false},
    {"Content-Type", false},
    {"CSeq", false},
    {"Date", false},
    {"Error-Info", true},
    {"Event", false},
    {"Expires", false},
    {"From", false},
    {"History-Info", true},
    {"Identity", false},
    {"Identity-Info", false},
    {"In-Reply-To", true},
    {"Max-Forwards", false},
    {"MIME-Version", false},
    {"Min-Expires", false},
    {"Min-SE", false},
    {"Organization", false},
    {"P-Asserted-Identity", true},
    {"P-Preferred-Identity", true},
    {"Path", true},
    {"Priority", false},
    {"Privacy", false},
    {"Proxy-Authenticate", false},
    {"Proxy-Authorization", false},
    {"Proxy-Require", true},
    {"RAck", false},
    {"Reason", true},
    {"Record-Route", true},
    {"Refer-To", false},
    {"Referred-By", false},
    {"Reject-Contact", true},
    {"Reply-To", false},
    {"Request-Disposition", true},
    {"Require", true},
    {"Retry-After", false},
    {"Route", true},
    {"RSeq", false},
    {"Server", false},
    {"Service-Route", true},
    {"Session-Expires", false},
    {"Subject", false},
    {"Subscription-State", false},
    {"Supported", true},
    {"Timestamp", false},
    {"To", false},
    {"Unsupported", true},
    {"User-Agent", false},
    {"Via", true},
    {"Warning", true},
    {"WWW-Authenticate", false},
    {"Replaces", false},
});

// A case-insensitive hash table of kKnown: a lookup is one hash and (almost always) one
// comparison. The checker asks for header names millions of times in a bulk check.
constexpr std::size_t kSlots = 256;  // > 3x the names: short probe runs

// Length, first two and last characters: enough to spread the well-known names over the slots,
// and a handful of operations for any name (a full-string hash cost more than the probe).
std::uint32_t name_hash(std::string_view name) {
  auto c = [&name](std::size_t i) { return static_cast<std::uint32_t>(text::lower(name[i])); };
  std::uint32_t h = static_cast<std::uint32_t>(name.size()) * 2654435761u;
  h ^= c(0) * 16777619u;
  h ^= c(name.size() / 2) * 40503u;
  h ^= c(name.size() - 1) * 2246822519u;
  return h ^ (h >> 13);
}

const std::array<std::int16_t, kSlots>& slots() {
  static const auto table = [] {
    std::array<std::int16_t, kSlots> t;
    t.fill(-1);
    for (std::size_t i = 0; i < kKnown.size(); ++i) {
      std::size_t at = name_hash(kKnown[i].name) % kSlots;
      while (t[at] >= 0) at = (at + 1) % kSlots;
      t[at] = static_cast<std::int16_t>(i);
    }
    return t;
  }();
  return table;
}

int find_known_id(std::string_view name) {
  if (name.empty() || name.size() > 32) return -1;
  const auto& t = slots();
  for (std::size_t at = name_hash(name) % kSlots; t[at] >= 0; at = (at + 1) % kSlots) {
    std::string_view known = kKnown[static_cast<std::size_t>(t[at])].name;
    if (known == name || text::iequals(known, name)) return t[at];  // wire case is usually ours
  }
  return -1;
}

consteval int known_id(std::string_view name) {
  for (std::size_t i = 0; i < kKnown.size(); ++i) {
    if (kKnown[i].name == name) return static_cast<int>(i);
  }
  throw "not a known header";  // compile-time only: fails the build
}

// The headers of nearly every message, as the RFCs spell them (and as stacks send them): a
// switch on the length and whole-word compares the compiler turns into a few integer compares.
// Anything else (other spellings, other headers) takes the hash table.
int common_id(std::string_view n) {
  auto is = [&n](std::string_view known) { return n == known; };
  switch (n.size()) {
    case 2: if (is("To")) return known_id("To"); break;
    case 3: if (is("Via")) return known_id("Via"); break;
    case 4:
      if (is("From")) return known_id("From");
      if (is("CSeq")) return known_id("CSeq");
      break;
    case 5:
      if (is("Route")) return known_id("Route");
      if (is("Allow")) return known_id("Allow");
      break;
    case 6: if (is("Server")) return known_id("Server"); break;
    case 7:
      if (is("Call-ID")) return known_id("Call-ID");
      if (is("Contact")) return known_id("Contact");
      if (is("Expires")) return known_id("Expires");
      if (is("Subject")) return known_id("Subject");
      break;
    case 9: if (is("Supported")) return known_id("Supported"); break;
    case 10: if (is("User-Agent")) return known_id("User-Agent"); break;
    case 12:
      if (is("Max-Forwards")) return known_id("Max-Forwards");
      if (is("Content-Type")) return known_id("Content-Type");
      if (is("Record-Route")) return known_id("Record-Route");
      break;
    case 14: if (is("Content-Length")) return known_id("Content-Length"); break;
    default: break;
  }
  return -2;
}

const Known* find_known(std::string_view name) {
  int id = find_known_id(name);
  return id < 0 ? nullptr : &kKnown[static_cast<std::size_t>(id)];
}

}  // namespace

std::string_view canonical_name(std::string_view name) {
  if (name.size() == 1) {
    char c = text::lower(name[0]);
    for (const Compact& k : kCompact) {
      if (k.letter == c) return k.name;
    }
    return name;
  }
  const Known* k = find_known(name);
  return k != nullptr ? k->name : name;
}

bool is_list_header(std::string_view canonical) {
  const Known* k = find_known(canonical);
  return k != nullptr && k->list;
}

int header_id(std::string_view name) {
  if (int id = common_id(name); id != -2) return id;
  if (name.size() == 1) {
    char c = text::lower(name[0]);
    for (const Compact& k : kCompact) {
      if (k.letter == c) return find_known_id(k.name);
    }
    return -1;
  }
  return find_known_id(name);
}

std::string_view known_name(int id) { return kKnown[static_cast<std::size_t>(id)].name; }

bool is_list_header(int id) { return id >= 0 && kKnown[static_cast<std::size_t>(id)].list; }

}  // namespace ladder::sip
