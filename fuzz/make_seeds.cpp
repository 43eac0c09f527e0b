// Writes the derived part of the committed seed corpora (fuzz/corpus/) from the repo's own
// captures and ladders, through the project's own capture reader, so the seeds are what the
// production code sees. Run from the fuzz build after changing captures/ or scenarios/:
//   build-fuzz/fuzz/make_seeds .
// Hand-made edge cases and reproducers (files named edge-* and crash-*) are committed by hand
// and left alone. Not a test: a tool for people.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "sip/torture_messages.h"

namespace fs = std::filesystem;
using namespace ladder;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
}

void put16(std::string& out, std::size_t n) {
  out += static_cast<char>((n >> 8) & 0xff);
  out += static_cast<char>(n & 0xff);
}

// "captures/misbehave/drop-180.pcap" -> "misbehave-drop-180"
std::string seed_name(const fs::path& root, const fs::path& pcap) {
  std::string name = fs::relative(pcap, root / "captures").replace_extension().string();
  for (char& c : name) {
    if (c == '/') c = '-';
  }
  return name;
}

// fuzz_decoder's format: [link index][2-byte length][frame]... (see fuzz_decoder.cpp).
bool decoder_seed(const fs::path& pcap, std::size_t max_frames, std::string& out) {
  static const capture::LinkType kLinks[] = {
      capture::LinkType::null_bsd, capture::LinkType::ethernet,  capture::LinkType::raw,
      capture::LinkType::loop,     capture::LinkType::linux_sll, capture::LinkType::ipv4,
      capture::LinkType::ipv6,     capture::LinkType::linux_sll2};
  auto file = capture::PcapFile::open(pcap.string());
  if (!file) return false;
  auto link = capture::to_link_type(file->link_type());
  if (!link) return false;
  std::size_t index = 0;
  while (kLinks[index] != *link) ++index;
  out.assign(1, static_cast<char>(index));
  capture::Frame frame;
  std::string error;
  for (std::size_t n = 0; n < max_frames && file->next(frame, error) == capture::PcapFile::Next::frame;
       ++n) {
    std::size_t len = std::min<std::size_t>(frame.data.size(), 0xffff);
    put16(out, len);
    out.append(reinterpret_cast<const char*>(frame.data.data()), len);
  }
  return true;
}

// fuzz_checker's format (see fuzz_checker.cpp): endpoints numbered in order of appearance.
bool checker_seed(const fs::path& pcap, std::uint8_t options, std::size_t max_messages,
                  std::string& out, std::vector<std::string>& messages) {
  std::map<core::Endpoint, int> index;
  auto number = [&index](const core::Endpoint& e) {
    auto [it, fresh] = index.emplace(e, static_cast<int>(index.size()) % 8);
    return it->second;
  };
  out.assign(1, static_cast<char>(options));
  core::TimeNs last = -1;
  auto read = capture::read_capture(
      pcap.string(),
      [&](const sip::WireBytes& m) {
        if (messages.size() >= max_messages) return;
        messages.emplace_back(m.bytes);
        int hop = number(m.src) | (number(m.dst) << 3) |
                  (m.transport == core::Transport::tcp ? 0x40 : 0) | (m.incomplete ? 0x80 : 0);
        core::TimeNs ms = last < 0 ? 0 : (m.time - last) / 1'000'000;
        last = m.time;
        out += static_cast<char>(hop);
        out += static_cast<char>(ms > 127 ? 0x80 | std::min<core::TimeNs>(ms / 1000, 127) : ms);
        std::size_t len = std::min<std::size_t>(m.bytes.size(), 0xffff);
        put16(out, len);
        out.append(m.bytes.substr(0, len));
      },
      [](const core::Diagnostic&) {});
  return read.has_value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds REPO_ROOT\n");
    return 2;
  }
  const fs::path root = argv[1];
  const fs::path corpus = root / "fuzz" / "corpus";
  std::vector<fs::path> pcaps;
  for (const auto& e : fs::recursive_directory_iterator(root / "captures")) {
    if (e.path().extension() == ".pcap") pcaps.push_back(e.path());
  }
  std::sort(pcaps.begin(), pcaps.end());

  std::map<std::string, std::string> sip_seeds;  // one of each distinct start line and hop
  for (const fs::path& pcap : pcaps) {
    const std::string name = seed_name(root, pcap);
    // The load capture holds 100 calls; its first few are enough to start from.
    const bool load = name.starts_with("load-");
    std::string seed;
    std::vector<std::string> messages;
    if (decoder_seed(pcap, load ? 40 : 1000, seed)) write(corpus / "fuzz_decoder" / name, seed);
    // Role map given, rules fail, full parse; for the load capture --each in two shares too.
    if (checker_seed(pcap, load ? 0x17 : 0x07, load ? 40 : 1000, seed, messages)) {
      write(corpus / "fuzz_checker" / name, seed);
    }
    if (name == "sipp-kamailio-udp") {  // and once with the roles inferred, REGISTER tolerated
      std::vector<std::string> ignored;
      if (checker_seed(pcap, 0x0e, 1000, seed, ignored)) {
        write(corpus / "fuzz_checker" / (name + "-inferred-roles"), seed);
      }
    }
    // One of each method or status, over IPv4 and over IPv6.
    for (const std::string& m : messages) {
      std::size_t space = m.find(' ');
      std::string key = m.substr(0, m.starts_with("SIP/") ? m.find(' ', space + 1) : space);
      key += m.find("SIP/2.0/UDP [") != std::string::npos ? " v6" : " v4";
      if (!sip_seeds.contains(key)) sip_seeds[key] = m;
    }
  }
  int n = 0;
  for (const auto& [key, bytes] : sip_seeds) {
    write(corpus / "fuzz_sip" / ("capture-" + std::to_string(++n)), bytes);
  }
  for (const auto& t : sip::testing::well_formed()) {
    write(corpus / "fuzz_sip" / ("torture-" + std::string(t.name)), t.bytes);
  }

  for (const fs::path& dir : {root / "scenarios", root / "testbeds"}) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") continue;
      std::string name = fs::relative(e.path(), root).replace_extension().string();
      for (char& c : name) {
        if (c == '/') c = '-';
      }
      std::ifstream in(e.path(), std::ios::binary);
      write(corpus / "fuzz_ladder" / name, std::string(std::istreambuf_iterator<char>(in), {}));
    }
  }
  return 0;
}
