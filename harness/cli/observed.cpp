#include "cli/observed.h"

#include <cstdio>
#include <functional>

namespace ladder::cli {

void WarningPrinter::operator()(const core::Diagnostic& d) {
  if (++count_ <= max_) std::fprintf(stderr, "%s\n", d.format().c_str());
}

void WarningPrinter::finish(const std::string& who) const {
  if (count_ > max_) {
    std::fprintf(stderr, "%s: %zu more warnings not shown\n", who.c_str(), count_ - max_);
  }
}

std::expected<ObservedCapture, std::string> read_observed(const std::string& path,
                                                          const std::string& call_id,
                                                          std::size_t max_warnings) {
  ObservedCapture out;
  WarningPrinter warn(max_warnings);
  auto on_payload = [&](const sip::WireBytes& p) {
    sip::Message m{std::string(p.bytes)};
    if (!call_id.empty() && m.summary().call_id != call_id) return;
    out.messages.push_back({static_cast<const sip::Wire&>(p), std::move(m)});
  };
  auto result = capture::read_capture(path, on_payload, std::ref(warn));
  if (!result) return std::unexpected(result.error());
  warn.finish(path);
  out.stats = result->stats;
  out.complete = result->complete;
  out.error = result->error;
  return out;
}

}  // namespace ladder::cli
