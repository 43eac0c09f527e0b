#include "capture/capture.h"

namespace ladder::capture {

std::expected<ReadResult, std::string> read_capture(const std::string& path,
                                                    const Decoder::PayloadSink& on_payload,
                                                    const Decoder::DiagnosticSink& on_diagnostic) {
  auto file = PcapFile::open(path);
  if (!file) return std::unexpected(std::move(file.error()));
  DecoderOptions options;
  options.source_name = file->name();
  int dlt = file->link_type();
  // An unknown link type reaches the Decoder as is; it reports it once by number.
  LinkType link = to_link_type(dlt).value_or(static_cast<LinkType>(dlt));
  Decoder decoder(link, std::move(options), on_payload, on_diagnostic);

  ReadResult result;
  Frame frame;
  std::string error;
  while (true) {
    PcapFile::Next n = file->next(frame, error);
    if (n == PcapFile::Next::end) break;
    if (n == PcapFile::Next::error) {
      result.complete = false;
      result.error = std::move(error);
      break;
    }
    decoder.feed(frame);
  }
  // Even after an error, what was read is passed on: partial TCP messages, unfinished fragments.
  decoder.finish();
  result.stats = decoder.stats();
  return result;
}

}  // namespace ladder::capture
