#include "testing/capture_files.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace ladder::testing {
namespace {

Message copy(const sip::WireBytes& p) {
  Message m;
  m.frame = p.frame;
  m.first_frame = p.first_frame;
  m.time = p.time;
  m.src = p.src.to_string();
  m.dst = p.dst.to_string();
  m.transport = p.transport;
  m.bytes = std::string(p.bytes);
  m.incomplete = p.incomplete;
  return m;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ladder-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("TempDir: mkdtemp");
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_pcap(const std::string& path, capture::LinkType link, const std::vector<Bytes>& frames,
                core::TimeNs start) {
  auto writer = capture::PcapWriter::create(path, link);
  if (!writer) {
    std::fprintf(stderr, "write_pcap: %s\n", writer.error().c_str());
    std::abort();
  }
  core::TimeNs t = start;
  for (const Bytes& f : frames) {
    writer->write(t, f);
    t += 1'000'000;
  }
  if (auto closed = writer->close(); !closed) {
    std::fprintf(stderr, "write_pcap: %s\n", closed.error().c_str());
    std::abort();
  }
}

std::string Message::start_line() const {
  std::string line = bytes.substr(0, bytes.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Decoded decode(capture::LinkType link, const std::vector<Bytes>& frames,
               capture::DecoderOptions options) {
  Decoded d;
  capture::Decoder decoder(
      link, std::move(options),
      [&d](const sip::WireBytes& p) { d.messages.push_back(copy(p)); },
      [&d](const core::Diagnostic& diag) { d.diagnostics.push_back(diag.format()); });
  std::uint64_t number = 0;
  for (const Bytes& f : frames) {
    capture::Frame frame;
    frame.number = ++number;
    frame.time = static_cast<core::TimeNs>(number) * 1'000'000;
    frame.data = f;
    frame.wire_length = static_cast<std::uint32_t>(f.size());
    decoder.feed(frame);
  }
  decoder.finish();
  d.stats = decoder.stats();
  return d;
}

Decoded read_file(const std::string& path) {
  Decoded d;
  auto result = capture::read_capture(
      path, [&d](const sip::WireBytes& p) { d.messages.push_back(copy(p)); },
      [&d](const core::Diagnostic& diag) { d.diagnostics.push_back(diag.format()); });
  if (!result) {
    d.complete = false;
    d.error = result.error();
    return d;
  }
  d.stats = result->stats;
  d.complete = result->complete;
  d.error = result->error;
  return d;
}

}  // namespace ladder::testing
