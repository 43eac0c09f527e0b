// PcapFile: the libpcap reading adapter. One of the two files that include <pcap.h>.
//
// libpcap opens every capture and is the authority on its header (format, link type, snapshot
// length). A regular file in classic pcap format with this machine's byte order is then read
// directly, a MiB per read(), its records parsed here with libpcap's own checks and words: no
// stdio call per packet, which made reading half of what each `--each` job spends before it
// checks anything (every job reads the whole file). pcapng, swapped byte order and standard
// input stay on libpcap's reader. (A memory map was tried: as fast, but a file cut short by
// another program while mapped kills the reader with SIGBUS, and mapped pages count as memory.)
#include <fcntl.h>
#include <pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "capture/capture.h"

namespace ladder::capture {
namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// libpcap's open errors are terse or name internals; say what is wrong with the file instead.
std::string open_error(const std::string& name, std::string_view pcap_text) {
  if (contains(pcap_text, "unknown file format") || contains(pcap_text, "bad dump file format")) {
    return name + ": not a pcap or pcapng file";
  }
  if (contains(pcap_text, "file header bytes, only got 0")) return name + ": file is empty";
  if (contains(pcap_text, "truncated dump file") || contains(pcap_text, "truncated pcapng")) {
    return name + ": not a pcap or pcapng file (file header cut short)";
  }
  return name + ": " + std::string(pcap_text);
}

// A file descriptor, closed on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Classic pcap in this machine's byte order: microsecond or nanosecond timestamps.
constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;
// libpcap's MAXIMUM_SNAPLEN, the largest caplen it accepts for the link types decoded here.
constexpr std::uint32_t kMaxCaplen = 262144;

std::uint32_t u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

struct PcapFile::Impl {
  std::unique_ptr<char[]> buffer;  // the FILE's buffer: declared first, so freed after pcap
  PcapHandle pcap;
  std::string name;
  std::uint64_t frames = 0;
  // The direct path: records parsed from our own reads of the file into `chunk`, whose bytes
  // [begin, end) are read and not yet consumed.
  std::unique_ptr<Fd> file;
  std::unique_ptr<std::uint8_t[]> chunk;
  std::size_t begin = 0, end = 0;
  bool at_eof = false;
  bool nanos = false;
  int link = 0;

  bool direct() const { return file != nullptr; }
  Next next_direct(Frame& out, std::string& error_text);
  bool fill(std::size_t need, std::string& error_text);
  void read_directly_if_classic(const std::string& path);
  std::string where() const { return name + ": frame " + std::to_string(frames + 1) + ": "; }
  /// libpcap's words for a file that ends inside a record, after where().
  std::string truncated(std::size_t wanted, const char* what, std::size_t got) const {
    return where() + "truncated capture: truncated dump file; tried to read " +
           std::to_string(wanted) + " " + what + ", only got " + std::to_string(got);
  }
};

// Bytes read at a time: one read() per MiB, and a record (at most kMaxCaplen) always fits.
constexpr std::size_t kChunk = 1u << 20;

// Makes at least `need` unconsumed bytes available unless the file ends first; false (with
// `error_text` set) only on a read error.
bool PcapFile::Impl::fill(std::size_t need, std::string& error_text) {
  if (end - begin >= need || at_eof) return true;
  std::memmove(chunk.get(), chunk.get() + begin, end - begin);
  end -= begin;
  begin = 0;
  while (end < kChunk) {
    ssize_t got = ::read(file->get(), chunk.get() + end, kChunk - end);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error_text = where() + "read error: " + std::strerror(errno);
      return false;
    }
    if (got == 0) {
      at_eof = true;
      break;
    }
    end += static_cast<std::size_t>(got);
  }
  return true;
}

// The same checks, in the same order and words, as libpcap's pcap_next_packet() for a file.
PcapFile::Next PcapFile::Impl::next_direct(Frame& out, std::string& error_text) {
  if (!fill(kRecordHeader, error_text)) return Next::error;
  std::size_t left = end - begin;
  if (left == 0) return Next::end;
  if (left < kRecordHeader) {
    error_text = truncated(kRecordHeader, "header bytes", left);
    return Next::error;
  }
  std::uint32_t caplen = u32(chunk.get() + begin + 8);
  if (caplen > kMaxCaplen) {
    error_text = where() + "invalid packet capture length " + std::to_string(caplen) +
                 ", bigger than maximum of " + std::to_string(kMaxCaplen);
    return Next::error;
  }
  if (!fill(kRecordHeader + caplen, error_text)) return Next::error;
  left = end - begin - kRecordHeader;
  if (caplen > left) {
    error_text = truncated(caplen, "captured bytes", left);
    return Next::error;
  }
  const std::uint8_t* h = chunk.get() + begin;
  ++frames;
  out.number = frames;
  std::uint32_t sub = u32(h + 4);
  out.time = static_cast<core::TimeNs>(u32(h)) * 1'000'000'000 +
             static_cast<core::TimeNs>(nanos ? sub : sub * std::uint64_t{1000});
  out.data = std::span<const std::uint8_t>(h + kRecordHeader, caplen);
  out.wire_length = u32(h + 12);
  begin += kRecordHeader + caplen;
  return Next::frame;
}

PcapFile::PcapFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapFile::~PcapFile() = default;
PcapFile::PcapFile(PcapFile&&) noexcept = default;
PcapFile& PcapFile::operator=(PcapFile&&) noexcept = default;

// stdio's default 4 KiB buffer makes a read() per 4 KiB: 67,000 system calls for the 270 MB
// load capture. pcap_fopen_offline with our own FILE and buffer (glibc ignores the size of a
// setvbuf without one) reads a MiB at a time.
constexpr std::size_t kReadBuffer = 1 << 20;

std::expected<PcapFile, std::string> PcapFile::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  std::FILE* in = nullptr;
  if (path == "-") {
    impl->name = "stdin";
    // Read a duplicate so that pcap_close() does not close the process's stdin.
    int fd = dup(STDIN_FILENO);
    in = fd < 0 ? nullptr : fdopen(fd, "rb");
    if (in == nullptr) {
      if (fd >= 0) ::close(fd);
      return std::unexpected("stdin: " + std::string(std::strerror(errno)));
    }
  } else {
    impl->name = path;
    // Checked first because libpcap's words for these ("truncated dump file; tried to read 4
    // file header bytes, only got 0") do not tell a user what is wrong.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return std::unexpected(path + ": " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) return std::unexpected(path + ": is a directory");
    if (S_ISREG(st.st_mode) && st.st_size == 0) return std::unexpected(path + ": file is empty");
    in = std::fopen(path.c_str(), "rb");
    if (in == nullptr) return std::unexpected(path + ": " + std::strerror(errno));
  }
  impl->buffer = std::make_unique_for_overwrite<char[]>(kReadBuffer);
  std::setvbuf(in, impl->buffer.get(), _IOFBF, kReadBuffer);
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    std::fclose(in);
    return std::unexpected(open_error(impl->name, errbuf));
  }
  impl->pcap.reset(p);
  impl->link = pcap_datalink(p);
  if (path != "-") impl->read_directly_if_classic(path);
  return PcapFile(std::move(impl));
}

// Switches to the direct path when the file is classic pcap in native byte order (libpcap has
// read and accepted its header, and named the link type): libpcap's reader costs a stdio call
// or two per packet, and `--each` reads the whole file once per core. Anything else, or a file
// that cannot be opened again, stays with libpcap.
void PcapFile::Impl::read_directly_if_classic(const std::string& path) {
  if (pcap_is_swapped(pcap.get()) != 0) return;
  file = std::make_unique<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  chunk = std::make_unique_for_overwrite<std::uint8_t[]>(kChunk);
  std::string unused;
  std::uint32_t magic = 0;
  if (file->get() >= 0) {
    ::posix_fadvise(file->get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    if (fill(kFileHeader, unused) && end >= kFileHeader) magic = u32(chunk.get());
  }
  if (magic != kMagicMicro && magic != kMagicNano) {  // pcapng, swapped after all, unreadable
    file.reset();
    chunk.reset();
    begin = end = 0;
    at_eof = false;
    return;
  }
  begin = kFileHeader;
  nanos = magic == kMagicNano;
  pcap.reset();  // libpcap's part is done: its handle and buffers go
  buffer.reset();
}

int PcapFile::link_type() const { return impl_->link; }

const std::string& PcapFile::name() const { return impl_->name; }

PcapFile::Next PcapFile::next(Frame& out, std::string& error_text) {
  if (impl_->direct()) return impl_->next_direct(out, error_text);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(impl_->pcap.get(), &header, &data);
  if (rc == 1) {
    ++impl_->frames;
    out.number = impl_->frames;
    // With nanosecond precision requested, libpcap puts nanoseconds in tv_usec.
    out.time = static_cast<core::TimeNs>(header->ts.tv_sec) * 1'000'000'000 +
               static_cast<core::TimeNs>(header->ts.tv_usec);
    out.data = std::span<const std::uint8_t>(data, header->caplen);
    out.wire_length = header->len;
    return Next::frame;
  }
  if (rc == PCAP_ERROR_BREAK) return Next::end;
  std::string text = pcap_geterr(impl_->pcap.get());
  std::string where = impl_->where();
  error_text = contains(text, "truncated") ? where + "truncated capture: " + text : where + text;
  return Next::error;
}

}  // namespace ladder::capture
