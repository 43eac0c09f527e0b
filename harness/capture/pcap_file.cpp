// PcapFile: the libpcap reading adapter. One of the two files that include <pcap.h>.
#include <pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

}  // namespace

struct PcapFile::Impl {
  std::unique_ptr<char[]> buffer;  // the FILE's buffer: declared first, so freed after pcap
  PcapHandle pcap;
  std::string name;
  std::uint64_t frames = 0;
};

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
  return PcapFile(std::move(impl));
}

int PcapFile::link_type() const { return pcap_datalink(impl_->pcap.get()); }

const std::string& PcapFile::name() const { return impl_->name; }

PcapFile::Next PcapFile::next(Frame& out, std::string& error_text) {
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
