#include "usecase/live_each.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <optional>
#include <set>

#include "capture/capture.h"

namespace ladder::usecase {
namespace {

using Clock = std::chrono::steady_clock;

// Frames wait in a kernel block at most this long before it is handed out (TPACKET_V3).
constexpr int kBlockTimeoutMs = 10;
// While draining: the capture counts as quiet once no frame came for this long, well over the
// block timeout (a block with the last frames is handed out within it).
constexpr auto kQuiet = std::chrono::milliseconds(100);
// How often the kernel's drop counters are read.
constexpr auto kStatsEvery = std::chrono::milliseconds(50);
// Decoder warnings kept as notes; the rest are counted.
constexpr std::size_t kKeptWarnings = 3;

std::string plural(std::uint64_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

std::string live_filter(const scenario::RoleMap& roles) {
  std::set<std::uint16_t> ports;
  std::set<std::string> hosts;
  for (const auto& [role, addresses] : roles.roles) {
    for (const scenario::RoleAddress& a : addresses) {
      if (a.port && *a.port != 0) ports.insert(*a.port);
      else hosts.insert(a.address.to_string());
    }
  }
  std::string match;
  auto add = [&match](const std::string& term) { match += (match.empty() ? "" : " or ") + term; };
  for (std::uint16_t p : ports) add("port " + std::to_string(p));
  for (const std::string& h : hosts) add("host " + h);
  if (match.empty()) return "";
  // Non-first IPv4 fragments and IPv6 fragment headers carry no ports.
  return "(" + match + ") or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)";
}

struct LiveEach::Impl {
  scenario::Scenario scenario;  // the checker holds a reference: it lives here, on the heap
  LiveEachOptions options;
  capture::LiveCapture live;
  capture::LinkType link;
  std::optional<capture::PcapWriter> writer;

  // Shared with other threads.
  std::atomic<std::uint64_t> messages{0}, passed{0}, failed{0}, unknown{0}, open{0}, drops{0},
      frames{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> draining{false};
  std::atomic<std::int64_t> drain_until{0};  // Clock ticks, set before `draining`
  std::jthread thread;
  bool finished = false;

  // Owned by the checking thread until it is joined.
  LiveEachResult result;
  std::uint64_t warnings = 0;

  Impl(const scenario::Scenario& sc, LiveEachOptions o, capture::LiveCapture l,
       capture::LinkType k)
      : scenario(sc), options(std::move(o)), live(std::move(l)), link(k) {}

  std::uint64_t kernel_drops() const {
    capture::LiveCapture::Stats s = live.stats();
    return s.dropped + s.if_dropped;
  }

  void run() noexcept {
    try {
      loop();
    } catch (const std::exception& e) {
      result.error = std::string("live check stopped: ") + e.what();
    } catch (...) {
      result.error = "live check stopped: unknown exception";
    }
  }

  void loop() {
    std::uint64_t lost = 0;  // kernel drops seen so far
    std::uint64_t tcp_gaps = 0;
    std::uint64_t generator = 0;  // the load generator's own socket drops so far
    auto generator_drops = [this] {
      return options.generator_drops ? options.generator_drops() : std::uint64_t{0};
    };
    checker::EachOptions eo = options.each;
    eo.capture_lost = [&lost, &tcp_gaps, &generator] {
      return lost > 0 || tcp_gaps > 0 || generator > 0;
    };
    eo.harness_behind = [&generator] { return generator > 0; };
    checker::EachChecker checker(scenario, eo);
    std::uint64_t peak = 0;
    capture::DecoderOptions dopt;
    dopt.source_name = "live capture on " + live.interface();
    capture::Decoder decoder(
        link, dopt,
        [&](const sip::WireBytes& p) {
          checker.add(p);
          peak = std::max<std::uint64_t>(peak, checker.open_calls());
        },
        [this](const core::Diagnostic& d) {
          if (++warnings <= kKeptWarnings) result.notes.push_back(d.where + ": " + d.message);
        });
    auto publish = [&] {
      const checker::EachSummary& s = checker.summary();
      messages.store(s.messages, std::memory_order_relaxed);
      passed.store(s.passed, std::memory_order_relaxed);
      failed.store(s.failed, std::memory_order_relaxed);
      unknown.store(s.unknown, std::memory_order_relaxed);
      open.store(checker.open_calls(), std::memory_order_relaxed);
      drops.store(lost, std::memory_order_relaxed);
    };
    std::uint64_t taken = 0;
    auto take = [&]() -> bool {
      auto n = live.dispatch([&](const capture::Frame& f) {
        if (writer) writer->write(f.time, f.data, f.wire_length);
        decoder.feed(f);
      });
      if (!n) {
        result.error = n.error();
        return false;
      }
      taken += *n;
      tcp_gaps = decoder.stats().tcp_gaps;
      frames.store(taken, std::memory_order_relaxed);
      return *n > 0;
    };

    Clock::time_point last_stats{}, last_frame = Clock::now(), drain_start{};
    while (!stop.load(std::memory_order_acquire)) {
      Clock::time_point now = Clock::now();
      // Drops are read before the frames after them are checked: a call that lost a message is
      // checked when it completes (it cannot) or goes idle, long after the drop is known.
      if (now - last_stats >= kStatsEvery) {
        lost = kernel_drops();
        generator = std::max(generator, generator_drops());
        last_stats = now;
        publish();
      }
      if (draining.load(std::memory_order_acquire)) {
        if (drain_start == Clock::time_point{}) drain_start = now;
        auto until = Clock::time_point(Clock::duration(drain_until.load()));
        if (now >= until) break;
        if (now - drain_start >= kQuiet && now - last_frame >= kQuiet) break;
      }
      pollfd p{live.fd(), POLLIN, 0};
      int ready = ::poll(&p, 1, 20);
      if (ready < 0 && errno != EINTR) {
        result.error = "live capture on " + live.interface() + ": poll failed";
        break;
      }
      // Also without POLLIN: a non-blocking dispatch costs little and catches a missed wake-up.
      bool got = take();
      if (!result.error.empty()) break;
      if (got) last_frame = Clock::now();
    }
    if (result.error.empty()) take();
    lost = kernel_drops();
    generator = std::max(generator, generator_drops());
    decoder.finish();
    tcp_gaps = decoder.stats().tcp_gaps;
    checker.finish();
    publish();
    if (writer) {
      auto closed = writer->close();
      if (!closed && result.error.empty()) result.error = closed.error();
    }
    result.summary = checker.summary();
    result.unknown = result.summary.unknown;
    result.kernel_drops = lost;
    result.generator_drops = generator;
    result.retransmissions = result.summary.retransmissions;
    result.frames = taken;
    result.peak_open = peak;
    if (warnings > kKeptWarnings) {
      result.notes.push_back(plural(warnings - kKeptWarnings, "more capture warning"));
    }
    std::string about = "live capture on " + live.interface() + ": " + plural(taken, "frame") +
                        ", " + std::to_string(lost) + " dropped by the kernel";
    if (tcp_gaps) about += ", " + plural(tcp_gaps, "TCP hole");
    if (generator) {
      about += ", " + plural(generator, "datagram") +
               " dropped at the load generator's own sockets (it could not keep up)";
    }
    about += lost || tcp_gaps || generator
                 ? "; a call the capture may have lost is unknown, never passed: " +
                       plural(result.unknown, "call") +
                       " failed only by missing messages and count as unknown"
                 : "; nothing lost (had it been, calls failed only by missing messages would "
                   "count as unknown, never passed)";
    result.notes.insert(result.notes.begin(), about);
    if (peak) result.notes.push_back("at most " + plural(peak, "call") + " open in the checker at once");
    for (const std::string& n : result.notes) result.summary.notes.push_back(n);
  }
};

LiveEach::LiveEach(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LiveEach::~LiveEach() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->stop.store(true, std::memory_order_release);
    impl_->thread.join();
  }
}

std::expected<std::unique_ptr<LiveEach>, std::string> LiveEach::start(
    const scenario::Scenario& sc, LiveEachOptions options) {
  if (!options.each.call_of && !checker::groupable_by_call_id(sc)) {
    return std::unexpected("a live check groups calls by Call-ID, but " + sc.source +
                           " has steps in more than one dialog");
  }
  capture::LiveCapture::Options co;
  // 65535: a whole UDP datagram or loopback TCP segment; in block mode a frame takes only the
  // room it needs, so the snaplen costs nothing.
  co.snaplen = 65535;
  co.buffer_bytes = std::max<std::size_t>(options.buffer_mib, 1) << 20;
  co.immediate = false;
  co.block_timeout_ms = kBlockTimeoutMs;
  // On lo every packet reaches the capture twice (sent and received): half the ring and the
  // copying are saved by keeping only the received copy, in the kernel.
  co.received_only = options.interface == "lo";
  auto live = capture::LiveCapture::open(options.interface, live_filter(options.each.check.roles), co);
  if (!live) return std::unexpected(live.error());
  auto link = capture::to_link_type(live->link_type());
  if (!link) {
    return std::unexpected("capture on " + options.interface + ": unsupported link type " +
                           std::to_string(live->link_type()));
  }
  std::optional<capture::PcapWriter> writer;
  if (!options.pcap_path.empty()) {
    auto w = capture::PcapWriter::create(options.pcap_path, *link);
    if (!w) return std::unexpected(w.error());
    writer = std::move(*w);
  }
  auto impl = std::make_unique<Impl>(sc, std::move(options), std::move(*live), *link);
  impl->writer = std::move(writer);
  Impl* raw = impl.get();
  impl->thread = std::jthread([raw] { raw->run(); });
  return std::unique_ptr<LiveEach>(new LiveEach(std::move(impl)));
}

LiveStats LiveEach::stats() const {
  LiveStats s;
  s.messages = impl_->messages.load(std::memory_order_relaxed);
  s.passed = impl_->passed.load(std::memory_order_relaxed);
  s.failed = impl_->failed.load(std::memory_order_relaxed);
  s.unknown = impl_->unknown.load(std::memory_order_relaxed);
  s.open = impl_->open.load(std::memory_order_relaxed);
  s.kernel_drops = impl_->drops.load(std::memory_order_relaxed);
  s.frames = impl_->frames.load(std::memory_order_relaxed);
  return s;
}

LiveEachResult LiveEach::finish(std::chrono::milliseconds drain) {
  if (impl_->finished) return impl_->result;
  impl_->finished = true;
  auto until = Clock::now() + drain;
  impl_->drain_until.store(until.time_since_epoch().count());
  impl_->draining.store(true, std::memory_order_release);
  if (impl_->thread.joinable()) impl_->thread.join();
  return impl_->result;
}

}  // namespace ladder::usecase
