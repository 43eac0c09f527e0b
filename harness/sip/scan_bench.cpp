// Per-message cost of scan() and of a full Message parse (wire index + Sofia + copy-out) on a
// typical ~600-byte INVITE. Run a Release build for numbers that mean anything.
#include <benchmark/benchmark.h>

#include <string>

#include "sip/sip.h"

namespace {

const std::string& invite() {
  static const std::string m =
      "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
      "Max-Forwards: 70\r\n"
      "To: Bob <sip:bob@biloxi.example.com>\r\n"
      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
      "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY\r\n"
      "Supported: timer, 100rel\r\n"
      "User-Agent: ladder-bench/0.1\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 142\r\n"
      "\r\n"
      "v=0\r\n"
      "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
      "s=-\r\n"
      "c=IN IP4 192.0.2.101\r\n"
      "t=0 0\r\n"
      "m=audio 49172 RTP/AVP 0\r\n"
      "a=rtpmap:0 PCMU/8000\r\n";
  return m;
}

void BM_Scan(benchmark::State& state) {
  const std::string& m = invite();
  for (auto _ : state) {
    ladder::sip::Summary s = ladder::sip::scan(m);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m.size()));
  state.counters["bytes/msg"] = static_cast<double>(m.size());
}
BENCHMARK(BM_Scan);

// Construct (which scans) and force the lazy full parse, as the checker does per message.
void BM_FullParse(benchmark::State& state) {
  const std::string& m = invite();
  for (auto _ : state) {
    ladder::sip::Message msg(m);
    benchmark::DoNotOptimize(msg.malformed());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * m.size()));
}
BENCHMARK(BM_FullParse);

}  // namespace

BENCHMARK_MAIN();
