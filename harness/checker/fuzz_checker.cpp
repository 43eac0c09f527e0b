// libFuzzer entry for the checker: a fuzzed capture held against a fixed ladder, the library's
// scenarios/basic/caller-hangs-up.yaml, by the plain check (`ladder check`) and by the per-call
// check (`ladder check --each`), both as the CLI sets them up.
//
// Input: one options byte, then messages as records, so that the fuzzer spends its work on the
// SIP text and on the order, hops and timing of messages rather than on packet headers (the
// decoder has its own target, fuzz_decoder):
//   byte 0      bit 0: role map given (A, P, B at the first three endpoints) or inferred
//               bit 1: RFC 3261 rule findings fail steps; bit 2: full parse of every message
//               bit 3: REGISTER transactions tolerated; bits 4-5: --each share count (1-4)
//   per record  [hop: src bits 0-2, dst bits 3-5, bit 6 TCP, bit 7 incomplete]
//               [time step: bit 7 set: (bits 0-6) seconds, else milliseconds]
//               [length: 2 bytes, big-endian][the message's bytes]
// Build and run: scripts/fuzz fuzz_checker SECONDS. Corpus: fuzz/corpus/fuzz_checker.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "checker/checker.h"
#include "checker/context.h"
#include "checker/each.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace {

using namespace ladder;

const scenario::Scenario& fixed_ladder() {
  static const scenario::LoadResult loaded =
      scenario::load_scenario(LADDER_SOURCE_DIR "/scenarios/basic/caller-hangs-up.yaml");
  if (!loaded.ok()) {  // a broken build, not an input the fuzzer found: stop loudly
    std::fprintf(stderr, "fuzz_checker: the library's caller-hangs-up.yaml does not load\n");
    std::abort();
  }
  return *loaded.scenario;
}

// The hops of captures/sipp-kamailio-udp.pcap (A, P, B in order of appearance), then others.
const std::array<core::Endpoint, 8>& endpoints() {
  static const std::array<core::Endpoint, 8> all = [] {
    std::array<core::Endpoint, 8> e;
    const char* texts[] = {"127.0.0.1:43221", "127.0.0.1:51996", "127.0.0.1:48913",
                           "127.0.0.1:5060",  "10.0.0.1:5060",   "[::1]:5060",
                           "192.0.2.7:5070",  "[fd00::2]:5060"};
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = *core::Endpoint::parse(texts[i]);
    return e;
  }();
  return all;
}

checker::CheckOptions options_from(std::uint8_t bits) {
  checker::CheckOptions o;
  if (bits & 1) {
    std::string error;
    auto map = scenario::RoleMap::parse(
        {"A=" + endpoints()[0].to_string(), "P=" + endpoints()[1].to_string(),
         "B=" + endpoints()[2].to_string()},
        &error);
    if (map) o.roles = *map;
  }
  o.rules_fail = (bits & 2) != 0;
  if (bits & 8) o.tolerated_methods = {"REGISTER"};
  return o;
}

struct Record {
  sip::Wire wire;
  std::string_view bytes;
};

std::vector<Record> records_of(const std::uint8_t* data, std::size_t size) {
  std::vector<Record> out;
  std::size_t pos = 1;
  core::TimeNs now = 1'700'000'000'000'000'000;
  while (pos + 4 <= size) {
    const std::uint8_t hop = data[pos], step = data[pos + 1];
    std::size_t len = (std::size_t{data[pos + 2]} << 8) | data[pos + 3];
    pos += 4;
    if (len > size - pos) len = size - pos;
    now += (step & 0x80) ? core::TimeNs{step & 0x7f} * 1'000'000'000
                         : core::TimeNs{step} * 1'000'000;
    Record r;
    r.wire.frame = out.size() + 1;
    r.wire.first_frame = r.wire.frame;
    r.wire.time = now;
    r.wire.src = endpoints()[hop & 7];
    r.wire.dst = endpoints()[(hop >> 3) & 7];
    r.wire.transport = (hop & 0x40) ? core::Transport::tcp : core::Transport::udp;
    r.wire.incomplete = (hop & 0x80) != 0;
    r.bytes = std::string_view(reinterpret_cast<const char*>(data + pos), len);
    out.push_back(r);
    pos += len;
  }
  return out;
}

std::size_t touch(std::string_view s) {
  std::size_t h = s.size();
  for (char c : s) h = h * 31 + static_cast<unsigned char>(c);
  return h;
}

std::size_t touch(const checker::Verdict& v) {
  std::size_t h = v.passed + v.checked_anything + v.steps.size() + v.messages.size();
  for (const checker::Failure& f : v.failures) {
    h += touch(f.step) + touch(core::to_string(f.kind)) + touch(f.header) + touch(f.expected) + touch(f.seen) +
         touch(f.message) + f.frame;
  }
  for (const std::string& n : v.notes) h += touch(n);
  for (const checker::MessageResult& m : v.messages) h += m.rules.size() + touch(m.src_role);
  return h;
}

std::size_t touch(const checker::EachSummary& s) {
  std::size_t h = s.calls + s.passed + s.failed + s.messages + s.outside_roles + s.late;
  for (const auto& [what, n] : s.failures_by_step) h += touch(what) + n;
  for (const checker::FailedCall& f : s.first_failed) h += touch(f.call_id) + touch(f.verdict);
  for (const std::string& n : s.notes) h += touch(n);
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const scenario::Scenario& ladder = fixed_ladder();
  const checker::CheckOptions options = options_from(data[0]);
  const std::vector<Record> records = records_of(data, size);
  volatile std::size_t sink = 0;

  // `ladder check`: the whole capture as one instance of the flow.
  std::vector<sip::WireMessage> messages;
  messages.reserve(records.size());
  for (const Record& r : records) messages.push_back({r.wire, sip::Message(std::string(r.bytes))});
  // Bit 4: the full effort of `ladder check`, or the bulk effort of `--each` on one instance.
  const checker::Effort effort{.full_parse = (data[0] & 4) != 0};
  sink = sink + touch(checker::check(ladder, messages, options, effort));

  // `ladder check --each`: as the CLI runs it (no full parse), one job on this thread, the
  // messages unparsed until their call is taken.
  checker::EachOptions each;
  each.check = options;
  each.idle = 4'000'000'000;  // short, so that the fuzzer reaches idle sweeps
  auto read = [&records](unsigned, const checker::Feed& feed) {
    for (const Record& r : records) {
      sip::WireBytes b;
      static_cast<sip::Wire&>(b) = r.wire;
      b.bytes = r.bytes;
      feed(b);
    }
  };
  sink = sink + touch(checker::check_each(ladder, each, 1, read));

  // Several checkers' shares of the calls, run one after the other on this thread (check_each
  // would give each a thread): each is given parsed messages, the other way in.
  const unsigned shares = 1 + ((data[0] >> 4) & 3);
  if (shares > 1) {
    for (unsigned i = 0; i < shares; ++i) {
      checker::EachChecker checker(ladder, each, {i, shares});
      for (const sip::WireMessage& m : messages) checker.add(m.copy());
      checker.finish();
      sink = sink + touch(checker.summary());
    }
  }
  return 0;
}
