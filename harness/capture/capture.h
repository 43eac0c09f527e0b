// ladder::capture: SIP messages out of packet captures.
//
// Two layers, kept apart (PcapPlusPlus-style): a pure Decoder (frames in, SIP payloads out; no
// libpcap, unit-testable and fuzzable) and a libpcap adapter (PcapFile, PcapWriter) that is the
// only code linking libpcap. read_capture() ties the two together for the common case.
//
// Threading: none of these types is thread-safe; use each from one thread.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "sip/sip.h"

namespace ladder::capture {

/// Link-layer header types, numbered as libpcap's LINKTYPE_* / DLT_* values.
enum class LinkType : int {
  null_bsd = 0,     ///< BSD loopback: 4-byte host-order address family
  ethernet = 1,     ///< Ethernet II, with 802.1Q / 802.1ad VLAN tags
  raw = 101,        ///< raw IPv4 or IPv6 (LINKTYPE_RAW; DLT_RAW 12 and 14 map here too)
  loop = 108,       ///< OpenBSD loopback: 4-byte network-order address family
  linux_sll = 113,  ///< Linux cooked v1 ("-i any")
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276,  ///< Linux cooked v2
};

/// One captured packet. `data` is only valid during the call it is passed to.
struct Frame {
  std::uint64_t number = 0;  ///< 1-based, as Wireshark counts
  core::TimeNs time = 0;
  std::span<const std::uint8_t> data;
  std::uint32_t wire_length = 0;  ///< original length; > data.size() when the snaplen cut it
};

/// What the decoder saw, for reports and for "nothing is lost" accounting.
struct DecodeStats {
  std::uint64_t frames = 0;
  std::uint64_t sip_messages = 0;
  std::uint64_t non_sip_payloads = 0;  ///< RTP, DNS, Sofia's "TEST" datagrams ... skipped quietly
  std::uint64_t keepalives = 0;        ///< CRLF keep-alives (RFC 5626)
  std::uint64_t non_ip_frames = 0;     ///< ARP, LLDP ...
  std::uint64_t other_protocols = 0;   ///< IP but neither UDP nor TCP (ICMP, ...)
  std::uint64_t fragments = 0;         ///< IP fragments taken in
  std::uint64_t reassembled = 0;       ///< datagrams rebuilt from fragments
  std::uint64_t tcp_segments = 0;
  std::uint64_t tcp_retransmissions = 0;
  std::uint64_t tcp_gaps = 0;        ///< holes given up on (any TCP; warnings only for SIP)
  std::uint64_t damaged_frames = 0;  ///< frames with a problem reported as a Diagnostic
};

struct DecoderOptions {
  std::string source_name = "capture";       ///< used in diagnostics: "NAME: frame 12: ..."
  std::size_t max_pending_fragments = 4096;  ///< bound on reassembly state (hostile input)
  std::size_t max_stream_buffer = 1 << 20;   ///< per TCP direction, bytes waiting for order
  std::size_t max_tcp_streams = 65536;       ///< directions tracked; the quietest are finished
  /// A TCP hole still open after this much capture time is given up (the capture lost it).
  core::TimeNs tcp_hole_timeout = 10'000'000'000;
  int max_tunnel_depth = 4;  ///< IP-in-IP nesting followed, against loops
};

/// Turns frames into SIP payloads. Pure: bytes in, callbacks out.
/// Problems (bogus lengths, TCP gaps, unsupported link type ...) become warnings naming the frame;
/// decoding carries on with the next frame.
class Decoder {
 public:
  using PayloadSink = std::function<void(const sip::WireBytes&)>;
  using DiagnosticSink = std::function<void(const core::Diagnostic&)>;

  Decoder(LinkType link, DecoderOptions options, PayloadSink on_payload,
          DiagnosticSink on_diagnostic);
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  void feed(const Frame& frame);
  /// End of input: emits what is left in TCP streams (marked incomplete) and reports
  /// unfinished fragment sets.
  void finish();
  const DecodeStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True for link types the Decoder understands.
bool supported(int link_type);

/// The LinkType for a libpcap DLT / LINKTYPE number (DLT_RAW 12 and 14 give LinkType::raw);
/// empty when the Decoder does not understand it.
std::optional<LinkType> to_link_type(int dlt);

/// A capture file opened for reading (pcap or pcapng, via libpcap). Move-only; owns the pcap_t.
class PcapFile {
 public:
  /// `path` "-" reads standard input (named "stdin" in messages). Errors name the file and say
  /// what is wrong ("x.pcap: not a pcap or pcapng file", "x.pcap: file is empty").
  /// Timestamps are read at nanosecond resolution whatever the file's own resolution.
  static std::expected<PcapFile, std::string> open(const std::string& path);

  ~PcapFile();
  PcapFile(PcapFile&&) noexcept;
  PcapFile& operator=(PcapFile&&) noexcept;

  int link_type() const;
  const std::string& name() const;

  enum class Next { frame, end, error };
  /// Reads the next frame into `out` (valid until the next call). On `error`, `error_text` says
  /// what and which frame ("x.pcap: frame 17: truncated capture: truncated dump file; tried to
  /// read 1514 captured bytes, only got 200").
  Next next(Frame& out, std::string& error_text);

 private:
  struct Impl;
  explicit PcapFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Writes frames to a pcap file (libpcap's dump format). Move-only; owns the pcap_dumper_t.
class PcapWriter {
 public:
  /// Writes nanosecond-resolution pcap (which tshark and tcpdump read).
  static std::expected<PcapWriter, std::string> create(const std::string& path, LinkType link,
                                                       int snaplen = 262144);
  ~PcapWriter();
  PcapWriter(PcapWriter&&) noexcept;
  PcapWriter& operator=(PcapWriter&&) noexcept;

  void write(core::TimeNs time, std::span<const std::uint8_t> data, std::uint32_t wire_length = 0);
  /// Flushes and closes; also done by the destructor (which cannot report a failed flush).
  std::expected<void, std::string> close();

 private:
  struct Impl;
  explicit PcapWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A live capture on one network interface (libpcap), for `ladder run`. Move-only; owns the
/// pcap_t. Immediate mode and non-blocking: the caller watches fd() (poll, or the engine's
/// Poller) and calls dispatch() when it is readable. A blocking pcap_dispatch in immediate mode
/// ignores its timeout and hangs without traffic (RECIPES.md), hence no blocking read here.
class LiveCapture {
 public:
  struct Options {
    int snaplen = 262144;
    std::size_t buffer_bytes = 2 << 20;  ///< the kernel's ring
    /// true: each frame is handed out as it arrives, one ring slot (the snaplen rounded up to a
    /// power of two) per frame. false, for load: the kernel packs frames into blocks
    /// (TPACKET_V3), readable when a block is full or `block_timeout` after its first frame:
    /// many more frames per MiB and fewer wake-ups; whoever stops reading must wait that long
    /// for the last frames.
    bool immediate = true;
    int block_timeout_ms = 10;
  };
  /// Opens `interface` ("lo", "eth0", "any") with a BPF filter ("" for everything).
  /// Without CAP_NET_RAW: "capture on lo not permitted: run as root or
  /// `setcap cap_net_raw+ep ladder`". Other errors name the interface and say what libpcap said.
  static std::expected<LiveCapture, std::string> open(const std::string& interface,
                                                      const std::string& bpf_filter,
                                                      int snaplen = 262144);
  static std::expected<LiveCapture, std::string> open(const std::string& interface,
                                                      const std::string& bpf_filter,
                                                      const Options& options);
  ~LiveCapture();
  LiveCapture(LiveCapture&&) noexcept;
  LiveCapture& operator=(LiveCapture&&) noexcept;

  /// Replaces the BPF filter (once the ports to watch are known); frames already taken by the
  /// kernel under the old one stay queued. The error says what libpcap said.
  std::expected<void, std::string> set_filter(const std::string& bpf_filter);

  /// Readable when frames wait; stays owned by the capture.
  int fd() const;
  /// The DLT of the interface (EN10MB for lo and veth, LINUX_SLL for any).
  int link_type() const;
  const std::string& interface() const;

  /// Takes every frame waiting without blocking and hands each to `sink` (numbered from 1 over
  /// the capture's life). Returns how many were taken.
  std::expected<std::size_t, std::string> dispatch(const std::function<void(const Frame&)>& sink);
  /// Same, writing each frame to `out`.
  std::expected<std::size_t, std::string> dispatch(PcapWriter& out);

  struct Stats {
    std::uint64_t received = 0;  ///< frames handed out by dispatch()
    std::uint64_t dropped = 0;   ///< dropped by the kernel buffer (pcap_stats ps_drop)
    std::uint64_t if_dropped = 0;  ///< dropped by the interface (ps_ifdrop), where known
  };
  Stats stats() const;

 private:
  struct Impl;
  explicit LiveCapture(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ReadResult {
  DecodeStats stats;
  bool complete = true;  ///< false when reading stopped on an error (truncated file ...)
  std::string error;     ///< the reading error, when !complete
};

/// Opens `path`, decodes every frame and calls `on_payload` for each SIP message in capture
/// order. Returns an error (unexpected) only when the file cannot be opened at all; a file that
/// breaks off midway returns what was read with complete == false.
std::expected<ReadResult, std::string> read_capture(const std::string& path,
                                                    const Decoder::PayloadSink& on_payload,
                                                    const Decoder::DiagnosticSink& on_diagnostic);

}  // namespace ladder::capture
