// PcapFile: the libpcap reading adapter. One of the two files that include <pcap.h>.
//
// libpcap opens every capture and is the authority on its header (format, link type, snapshot
// length). A regular file in classic pcap format with this machine's byte order is then read
// from a read-only memory map, record by record, with libpcap's own checks and words: no
// read() copy and no stdio call per packet, which made reading half of what `--each` spends
// per thread before it checks anything (every thread reads the whole file). pcapng, swapped
// byte order and standard input stay on libpcap's reader.
#include <fcntl.h>
#include <pcap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

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

// A read-only private map of a whole file; unmapped on destruction.
class Mapping {
 public:
  Mapping(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { ::munmap(const_cast<std::uint8_t*>(data_), size_); }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

// The map of `path` (whose stat is `st`), shared by every PcapFile of this process open on the
// same unchanged file: `--each` jobs read the same file at once, and the kernel then fills in
// page tables for one map instead of one per job. Null when the file cannot be mapped.
std::shared_ptr<const Mapping> map_file(const std::string& path, const struct stat& st) {
  using Key = std::tuple<dev_t, ino_t, off_t, std::int64_t, long>;
  static std::mutex mu;
  static std::map<Key, std::weak_ptr<const Mapping>> maps;
  Key key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  std::lock_guard lock(mu);
  std::erase_if(maps, [](const auto& entry) { return entry.second.expired(); });
  if (auto it = maps.find(key); it != maps.end()) return it->second.lock();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  auto size = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the map keeps the file
  if (p == MAP_FAILED) return nullptr;
  ::madvise(p, size, MADV_SEQUENTIAL);
  auto m = std::make_shared<const Mapping>(static_cast<const std::uint8_t*>(p), size);
  maps[key] = m;
  return m;
}

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
  // The mapped path: `map` holds the file, `pos` the next record; nanosecond timestamps or not.
  std::shared_ptr<const Mapping> map;
  std::size_t pos = 0;
  std::size_t kept_from = 0;  // start of the part of the map whose page tables are kept
  bool nanos = false;

  bool mapped() const { return map != nullptr; }
  Next next_mapped(Frame& out, std::string& error_text);
  void map_if_classic(const std::string& path);
  void release_behind();
  std::string where() const { return name + ": frame " + std::to_string(frames + 1) + ": "; }
};

// What was read lies in the page cache either way, but counts in this process's resident size
// while mapped: let go of the pages well behind the reader (far enough that another job reading
// the same map a little behind rarely has to fault them in again), so memory stays flat.
constexpr std::size_t kReleaseChunk = 16u << 20;
constexpr std::size_t kKeepBehind = 16u << 20;

void PcapFile::Impl::release_behind() {
  if (pos - kept_from < kKeepBehind + kReleaseChunk) return;
  // The map starts on a page and the chunks are whole pages.
  ::madvise(const_cast<std::uint8_t*>(map->data()) + kept_from, kReleaseChunk, MADV_DONTNEED);
  kept_from += kReleaseChunk;
}

// The same checks, in the same order and words, as libpcap's pcap_next_packet() for a file.
PcapFile::Next PcapFile::Impl::next_mapped(Frame& out, std::string& error_text) {
  std::size_t left = map->size() - pos;
  if (left == 0) return Next::end;
  if (left < kRecordHeader) {
    error_text = where() + "truncated capture: truncated dump file; tried to read " +
                 std::to_string(kRecordHeader) + " header bytes, only got " + std::to_string(left);
    return Next::error;
  }
  const std::uint8_t* h = map->data() + pos;
  std::uint32_t caplen = u32(h + 8);
  if (caplen > kMaxCaplen) {
    error_text = where() + "invalid packet capture length " + std::to_string(caplen) +
                 ", bigger than maximum of " + std::to_string(kMaxCaplen);
    return Next::error;
  }
  left -= kRecordHeader;
  if (caplen > left) {
    error_text = where() + "truncated capture: truncated dump file; tried to read " +
                 std::to_string(caplen) + " captured bytes, only got " + std::to_string(left);
    return Next::error;
  }
  ++frames;
  out.number = frames;
  std::uint32_t sub = u32(h + 4);
  out.time = static_cast<core::TimeNs>(u32(h)) * 1'000'000'000 +
             static_cast<core::TimeNs>(nanos ? sub : sub * std::uint64_t{1000});
  out.data = std::span<const std::uint8_t>(h + kRecordHeader, caplen);
  out.wire_length = u32(h + 12);
  pos += kRecordHeader + caplen;
  release_behind();
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
  if (path != "-") impl->map_if_classic(path);
  return PcapFile(std::move(impl));
}

// Switches to the mapped path when the file is classic pcap in native byte order (libpcap has
// read and accepted its header). Anything else, or a map that fails, stays with libpcap.
void PcapFile::Impl::map_if_classic(const std::string& path) {
  if (pcap_is_swapped(pcap.get()) != 0) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  if (static_cast<std::size_t>(st.st_size) < kFileHeader) return;
  std::shared_ptr<const Mapping> m = map_file(path, st);
  if (m == nullptr) return;
  std::uint32_t magic = u32(m->data());
  if (magic != kMagicMicro && magic != kMagicNano) return;  // pcapng, or swapped after all
  map = std::move(m);
  nanos = magic == kMagicNano;
  pos = kFileHeader;
}

int PcapFile::link_type() const { return pcap_datalink(impl_->pcap.get()); }

const std::string& PcapFile::name() const { return impl_->name; }

PcapFile::Next PcapFile::next(Frame& out, std::string& error_text) {
  if (impl_->mapped()) return impl_->next_mapped(out, error_text);
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
  std::string where = impl_->name + ": frame " + std::to_string(impl_->frames + 1) + ": ";
  error_text = contains(text, "truncated") ? where + "truncated capture: " + text : where + text;
  return Next::error;
}

}  // namespace ladder::capture
