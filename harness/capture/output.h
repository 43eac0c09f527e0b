// Where the decoding layers send what they find. Private to capture.
// One Output per Decoder; the layers hold a reference to it (it lives inside Decoder::Impl, which
// is heap-allocated, so the reference survives moves of the Decoder).
#pragma once

#include <string>

#include "capture/capture.h"

namespace ladder::capture::detail {

class Output {
 public:
  Output(const DecoderOptions& options, DecodeStats& stats, Decoder::PayloadSink on_payload,
         Decoder::DiagnosticSink on_diagnostic)
      : options_(options),
        stats_(stats),
        on_payload_(std::move(on_payload)),
        on_diagnostic_(std::move(on_diagnostic)) {}

  const DecoderOptions& options() const { return options_; }
  DecodeStats& stats() { return stats_; }

  void payload(const sip::WireBytes& p) {
    ++stats_.sip_messages;
    if (on_payload_) on_payload_(p);
  }

  /// "NAME: frame N: warning: MESSAGE". Not counted as a damaged frame: use damaged() for that.
  void warning(std::uint64_t frame, std::string message) {
    report(core::Severity::warning, frame, std::move(message));
  }

  /// A frame that could not be decoded (bogus length, cut short ...).
  void damaged(std::uint64_t frame, std::string message) {
    ++stats_.damaged_frames;
    report(core::Severity::warning, frame, std::move(message));
  }

  /// frame 0 means "the whole capture": "NAME: error: MESSAGE".
  void report(core::Severity severity, std::uint64_t frame, std::string message) {
    if (!on_diagnostic_) return;
    core::Diagnostic d;
    d.severity = severity;
    d.where = options_.source_name;
    if (frame != 0) d.where += ": frame " + std::to_string(frame);
    d.message = std::move(message);
    on_diagnostic_(d);
  }

 private:
  const DecoderOptions& options_;
  DecodeStats& stats_;
  Decoder::PayloadSink on_payload_;
  Decoder::DiagnosticSink on_diagnostic_;
};

}  // namespace ladder::capture::detail
