// Reading a capture file into the checker's input.
#include "capture/capture.h"
#include "usecase/usecase.h"

namespace ladder::usecase {

std::expected<CaptureRead, std::string> read_capture(const std::string& path,
                                                     const std::string& call_id,
                                                     const Hooks& hooks) {
  CaptureRead out;
  auto on_payload = [&](const sip::WireBytes& p) {
    ++out.sip_messages;
    if (!call_id.empty() && sip::call_id_of(p.bytes) != call_id) return;
    out.messages.push_back({static_cast<const sip::Wire&>(p), sip::Message(std::string(p.bytes))});
  };
  auto on_warning = [&](const core::Diagnostic& d) {
    if (hooks.diagnostic) hooks.diagnostic(d);
  };
  auto result = capture::read_capture(path, on_payload, on_warning);
  if (!result) return std::unexpected(result.error());
  out.complete = result->complete;
  out.error = result->error;
  return out;
}

}  // namespace ladder::usecase
