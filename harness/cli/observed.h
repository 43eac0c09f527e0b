// Reading a capture into the checker's input. CLI-private.
#pragma once

#include <string>
#include <vector>

#include "capture/capture.h"
#include "checker/checker.h"

namespace ladder::cli {

/// Prints decoder warnings to stderr, the first `max` of them, then says how many it held back.
class WarningPrinter {
 public:
  explicit WarningPrinter(std::size_t max = 20) : max_(max) {}
  void operator()(const core::Diagnostic& d);
  /// "WHO: N more warnings not shown", when any were held back.
  void finish(const std::string& who) const;

 private:
  std::size_t max_;
  std::size_t count_ = 0;
};

struct ObservedCapture {
  std::vector<sip::WireMessage> messages;
  capture::DecodeStats stats;
  bool complete = true;
  std::string error;  ///< why reading stopped early, when !complete
};

/// Every SIP message of the capture (only those of `call_id` when not empty), in capture order.
/// Decoder warnings go to stderr (at most `max_warnings`). Unexpected: the file cannot be opened.
std::expected<ObservedCapture, std::string> read_observed(const std::string& path,
                                                          const std::string& call_id,
                                                          std::size_t max_warnings = 20);

}  // namespace ladder::cli
