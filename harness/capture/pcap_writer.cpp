// PcapWriter: the libpcap writing adapter. One of the two files that include <pcap.h>.
#include <pcap.h>

#include "capture/capture.h"

namespace ladder::capture {
namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};
struct DumperCloser {
  void operator()(pcap_dumper_t* d) const noexcept { pcap_dump_close(d); }
};

// pcap_open_dead takes a DLT_ value; only raw IP differs from its LINKTYPE_ number.
int dlt_for(LinkType link) { return link == LinkType::raw ? DLT_RAW : static_cast<int>(link); }

}  // namespace

struct PcapWriter::Impl {
  // The dumper refers to the pcap_t: declared after it, so destroyed before it.
  std::unique_ptr<pcap_t, PcapCloser> pcap;
  std::unique_ptr<pcap_dumper_t, DumperCloser> dumper;
  std::string path;
};

PcapWriter::PcapWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapWriter::~PcapWriter() = default;
PcapWriter::PcapWriter(PcapWriter&&) noexcept = default;
PcapWriter& PcapWriter::operator=(PcapWriter&&) noexcept = default;

std::expected<PcapWriter, std::string> PcapWriter::create(const std::string& path, LinkType link,
                                                          int snaplen) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->pcap.reset(
      pcap_open_dead_with_tstamp_precision(dlt_for(link), snaplen, PCAP_TSTAMP_PRECISION_NANO));
  if (!impl->pcap) return std::unexpected(path + ": cannot set up a pcap writer");
  impl->dumper.reset(pcap_dump_open(impl->pcap.get(), path.c_str()));
  if (!impl->dumper) return std::unexpected(std::string(pcap_geterr(impl->pcap.get())));
  return PcapWriter(std::move(impl));
}

void PcapWriter::write(core::TimeNs time, std::span<const std::uint8_t> data,
                       std::uint32_t wire_length) {
  if (!impl_ || !impl_->dumper) return;
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(time / 1'000'000'000);
  // In a nanosecond-precision dump, tv_usec carries nanoseconds.
  h.ts.tv_usec = static_cast<suseconds_t>(time % 1'000'000'000);
  h.caplen = static_cast<bpf_u_int32>(data.size());
  h.len = wire_length != 0 ? wire_length : h.caplen;
  pcap_dump(reinterpret_cast<u_char*>(impl_->dumper.get()), &h, data.data());
}

std::expected<void, std::string> PcapWriter::close() {
  if (!impl_ || !impl_->dumper) return {};
  bool flushed = pcap_dump_flush(impl_->dumper.get()) == 0;
  impl_->dumper.reset();
  impl_->pcap.reset();
  if (!flushed) return std::unexpected(impl_->path + ": writing the capture failed");
  return {};
}

}  // namespace ladder::capture
