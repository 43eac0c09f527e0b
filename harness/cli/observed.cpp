#include "cli/observed.h"

#include <cstdio>

namespace ladder::cli {

std::expected<ObservedCapture, std::string> read_observed(const std::string& path,
                                                          const std::string& call_id,
                                                          std::size_t max_warnings) {
  ObservedCapture out;
  std::size_t warnings = 0;
  auto on_payload = [&](const capture::SipPayload& p) {
    sip::Message m{std::string(p.bytes)};
    if (!call_id.empty() && m.summary().call_id != call_id) return;
    out.messages.push_back({p.frame, p.time, p.src, p.dst, p.transport, std::move(m), p.incomplete});
  };
  auto on_diag = [&](const core::Diagnostic& d) {
    if (++warnings <= max_warnings) std::fprintf(stderr, "%s\n", d.format().c_str());
  };
  auto result = capture::read_capture(path, on_payload, on_diag);
  if (!result) return std::unexpected(result.error());
  if (warnings > max_warnings) {
    std::fprintf(stderr, "%s: %zu more warnings not shown\n", path.c_str(), warnings - max_warnings);
  }
  out.stats = result->stats;
  out.complete = result->complete;
  out.error = result->error;
  return out;
}

}  // namespace ladder::cli
