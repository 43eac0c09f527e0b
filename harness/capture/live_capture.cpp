// LiveCapture: the libpcap live-capture adapter (pcap_create, immediate mode, non-blocking).
#include <pcap.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "capture/capture.h"

namespace ladder::capture {
namespace {

// Children that hold the last reference to a closed capture's socket (see ReleaseElsewhere).
// One thread uses captures (STYLE.md 6); the list only ever holds a few pids.
std::vector<pid_t>& releasing() {
  static std::vector<pid_t> pids;
  return pids;
}

// Reaps the children that have finished, without waiting for the others.
void reap_finished() {
  auto& pids = releasing();
  std::erase_if(pids, [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; });
}

// Closing a packet socket that has a ring costs the kernel two RCU grace periods
// (synchronize_net() in packet_set_ring and in packet_release): 30-40 ms on the 2-core CI VM,
// twice what a whole test call takes, and it is paid by whoever drops the last reference. So a
// forked child takes a reference to the socket and nothing else, waits until the parent has
// closed its own (end of file on a close-on-exec pipe), and exits: the teardown happens in the
// child while the parent checks the capture and writes its reports. The child never outlives
// the parent by more than the teardown. Only async-signal-safe calls in the child.
class ReleaseElsewhere {
 public:
  explicit ReleaseElsewhere(int fd) {
    reap_finished();
    int p[2];
    if (fd < 0 || ::pipe2(p, O_CLOEXEC) != 0) return;
    pid_t pid = ::fork();
    if (pid == 0) {
      int keep_lo = std::min(fd, p[0]), keep_hi = std::max(fd, p[0]);
      if (keep_lo > 0) ::close_range(0, static_cast<unsigned>(keep_lo) - 1, 0);
      if (keep_hi > keep_lo + 1) {
        ::close_range(static_cast<unsigned>(keep_lo) + 1, static_cast<unsigned>(keep_hi) - 1, 0);
      }
      ::close_range(static_cast<unsigned>(keep_hi) + 1, ~0u, 0);
      char c;
      while (::read(p[0], &c, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(p[0]);
    if (pid < 0) {  // no child: the parent's own close pays the teardown, as without this
      ::close(p[1]);
      return;
    }
    releasing().push_back(pid);
    write_end_ = p[1];
  }
  /// Call once the parent's descriptor of the socket is closed: lets the child go.
  ~ReleaseElsewhere() {
    if (write_end_ >= 0) ::close(write_end_);
  }
  ReleaseElsewhere(const ReleaseElsewhere&) = delete;
  ReleaseElsewhere& operator=(const ReleaseElsewhere&) = delete;

 private:
  int write_end_ = -1;
};

struct PcapCloser {
  void operator()(pcap_t* p) const noexcept {
    ReleaseElsewhere child(pcap_get_selectable_fd(p));
    pcap_close(p);
  }
};

std::string permission_text(const std::string& interface) {
  return "capture on " + interface +
         " not permitted: run as root or `setcap cap_net_raw+ep ladder`";
}

}  // namespace

// A compiled filter, freed with the capture.
struct Program {
  bpf_program prog{};
  bool set = false;
  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  ~Program() { reset(); }
  void reset() {
    if (set) pcap_freecode(&prog);
    set = false;
  }
};

struct LiveCapture::Impl {
  std::unique_ptr<pcap_t, PcapCloser> pcap;
  std::string interface;
  int fd = -1;
  /// The filter again, run in user space on every frame: a filter attached to the socket
  /// itself (received_only) does not apply to what the ring took in before it was attached.
  Program user_filter;
  std::uint64_t frames = 0;
};

LiveCapture::LiveCapture(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LiveCapture::~LiveCapture() = default;
LiveCapture::LiveCapture(LiveCapture&&) noexcept = default;
LiveCapture& LiveCapture::operator=(LiveCapture&&) noexcept = default;

std::expected<LiveCapture, std::string> LiveCapture::open(const std::string& interface,
                                                          const std::string& bpf_filter,
                                                          int snaplen) {
  Options o;
  o.snaplen = snaplen;
  return open(interface, bpf_filter, o);
}

std::expected<LiveCapture, std::string> LiveCapture::open(const std::string& interface,
                                                          const std::string& bpf_filter,
                                                          const Options& options) {
  reap_finished();
  char err[PCAP_ERRBUF_SIZE] = "";
  auto impl = std::make_unique<Impl>();
  impl->interface = interface;
  impl->pcap.reset(pcap_create(interface.c_str(), err));
  if (!impl->pcap) return std::unexpected("capture on " + interface + ": " + err);
  pcap_t* p = impl->pcap.get();
  pcap_set_snaplen(p, options.snaplen);
  pcap_set_promisc(p, 0);
  pcap_set_immediate_mode(p, options.immediate ? 1 : 0);
  if (!options.immediate) pcap_set_timeout(p, std::max(1, options.block_timeout_ms));
  // In immediate mode libpcap's ring has one slot per frame, each as large as the snaplen rounded
  // up to a power of two: with 64 KiB frames a 2 MiB buffer gives ~31 slots, ample for a test
  // call drained every loop turn, and allocating the ring stays fast (a 262144-byte snaplen with
  // 4 MiB gave 16 slots in an 8 MiB ring that took ~15 ms to set up).
  pcap_set_buffer_size(p, static_cast<int>(std::min<std::size_t>(options.buffer_bytes, 1u << 30)));
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  int rc = pcap_activate(p);
  if (rc == PCAP_ERROR_PERM_DENIED) return std::unexpected(permission_text(interface));
  if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
    return std::unexpected("capture on " + interface + ": no such interface");
  }
  if (rc < 0) {
    std::string why = pcap_geterr(p);
    if (why.find("ermission") != std::string::npos ||
        why.find("not permitted") != std::string::npos) {
      return std::unexpected(permission_text(interface));
    }
    return std::unexpected("capture on " + interface + ": " + why);
  }
  if (options.received_only) {
    // Attached to the socket directly: pcap_setfilter() also runs a new filter in user space
    // on the first block of the ring, where the packet type ("inbound") cannot be read, and
    // the first frames after the capture opened were lost that way.
    std::string text = bpf_filter.empty() ? "inbound" : "(" + bpf_filter + ") and inbound";
    bpf_program prog{};
    if (pcap_compile(p, &prog, text.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return std::unexpected("capture filter '" + text + "': " + pcap_geterr(p));
    }
    static_assert(sizeof(bpf_insn) == sizeof(sock_filter));
    sock_fprog kernel{static_cast<unsigned short>(prog.bf_len),
                      reinterpret_cast<sock_filter*>(prog.bf_insns)};
    int set = ::setsockopt(pcap_get_selectable_fd(p), SOL_SOCKET, SO_ATTACH_FILTER, &kernel,
                           sizeof kernel);
    int why = errno;
    pcap_freecode(&prog);
    if (set != 0) {
      return std::unexpected("capture filter '" + text + "': " + std::string(std::strerror(why)));
    }
    // Frames of other traffic may already be in the ring; libpcap's own pcap_setfilter()
    // filters those in user space, this path must too (the packet type is not readable there:
    // libpcap itself skips the sent copies on lo).
    if (!bpf_filter.empty()) {
      if (pcap_compile(p, &impl->user_filter.prog, bpf_filter.c_str(), 1,
                       PCAP_NETMASK_UNKNOWN) != 0) {
        return std::unexpected("capture filter '" + bpf_filter + "': " + pcap_geterr(p));
      }
      impl->user_filter.set = true;
    }
  } else if (!bpf_filter.empty()) {
    bpf_program prog{};
    if (pcap_compile(p, &prog, bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return std::unexpected("capture filter '" + bpf_filter + "': " + pcap_geterr(p));
    }
    int set = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (set != 0) {
      return std::unexpected("capture filter '" + bpf_filter + "': " + pcap_geterr(p));
    }
  }
  if (pcap_setnonblock(p, 1, err) != 0) {
    return std::unexpected("capture on " + interface + ": " + err);
  }
  impl->fd = pcap_get_selectable_fd(p);
  if (impl->fd < 0) {
    return std::unexpected("capture on " + interface + ": no selectable file descriptor");
  }
  return LiveCapture(std::move(impl));
}

std::expected<void, std::string> LiveCapture::set_filter(const std::string& bpf_filter) {
  if (!impl_) return std::unexpected("capture is closed");
  pcap_t* p = impl_->pcap.get();
  bpf_program prog{};
  if (pcap_compile(p, &prog, bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return std::unexpected("capture filter '" + bpf_filter + "': " + pcap_geterr(p));
  }
  int set = pcap_setfilter(p, &prog);
  pcap_freecode(&prog);
  if (set != 0) return std::unexpected("capture filter '" + bpf_filter + "': " + pcap_geterr(p));
  impl_->user_filter.reset();  // libpcap filters what the ring holds from here on
  return {};
}

int LiveCapture::fd() const { return impl_ ? impl_->fd : -1; }
int LiveCapture::link_type() const { return impl_ ? pcap_datalink(impl_->pcap.get()) : -1; }
const std::string& LiveCapture::interface() const { return impl_->interface; }

std::expected<std::size_t, std::string> LiveCapture::dispatch(
    const std::function<void(const Frame&)>& sink) {
  if (!impl_) return std::unexpected("capture is closed");
  struct Ctx {
    Impl* impl;
    const std::function<void(const Frame&)>* sink;
  } ctx{impl_.get(), &sink};
  auto cb = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* c = reinterpret_cast<Ctx*>(user);
    if (c->impl->user_filter.set && pcap_offline_filter(&c->impl->user_filter.prog, h, bytes) == 0) {
      return;
    }
    Frame f;
    f.number = ++c->impl->frames;
    // Nanosecond precision was asked for: tv_usec carries nanoseconds.
    f.time = static_cast<core::TimeNs>(h->ts.tv_sec) * 1'000'000'000 + h->ts.tv_usec;
    f.data = std::span<const std::uint8_t>(bytes, h->caplen);
    f.wire_length = h->len;
    (*c->sink)(f);
  };
  int n = pcap_dispatch(impl_->pcap.get(), -1, cb, reinterpret_cast<u_char*>(&ctx));
  if (n < 0) {
    return std::unexpected("capture on " + impl_->interface + ": " +
                           pcap_geterr(impl_->pcap.get()));
  }
  return static_cast<std::size_t>(n);
}

std::expected<std::size_t, std::string> LiveCapture::dispatch(PcapWriter& out) {
  return dispatch([&](const Frame& f) { out.write(f.time, f.data, f.wire_length); });
}

LiveCapture::Stats LiveCapture::stats() const {
  Stats s;
  if (!impl_) return s;
  s.received = impl_->frames;
  pcap_stat ps{};
  if (pcap_stats(impl_->pcap.get(), &ps) == 0) {
    s.dropped = ps.ps_drop;
    s.if_dropped = ps.ps_ifdrop;
    s.kernel_passed = ps.ps_recv;
  }
  return s;
}

}  // namespace ladder::capture
