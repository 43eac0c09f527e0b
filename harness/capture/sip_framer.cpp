#include "capture/sip_framer.h"

#include "capture/text.h"
#include "sip/framing.h"

namespace ladder::capture::detail {
namespace {

// A start line split across segments is kept while hunting; classify_start reads no further.
constexpr std::size_t kMaxStartLine = 2048;

bool is_start(sip::StartKind k) {
  return k == sip::StartKind::request || k == sip::StartKind::response;
}

// After a hole, the first line may be the tail of a longer one ("...mmmBYE sip:b SIP/2.0"):
// trust it only if it looks like what stacks send, an upper-case method or a status line.
bool plausible_start(std::string_view line) {
  if (line.starts_with("SIP/2.0 ")) return true;
  std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  for (char c : line.substr(0, sp)) {
    if ((c < 'A' || c > 'Z') && c != '-') return false;
  }
  return true;
}

// "1 MiB", "64 KiB", "1000 bytes": DecoderOptions::max_stream_buffer as a person reads it.
std::string size_text(std::size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return cat(n >> 20, " MiB");
  if (n >= 1024 && n % 1024 == 0) return cat(n >> 10, " KiB");
  return cat(n, " bytes");
}

}  // namespace

std::string SipFramer::flow() const {
  return cat("TCP ", src_.to_string(), " -> ", dst_.to_string());
}

void SipFramer::emit(std::string_view bytes, std::uint64_t first_frame, const SegmentMeta& at,
                     bool incomplete) {
  sip::WireBytes p;
  p.frame = at.frame;
  p.first_frame = first_frame;
  p.time = at.time;
  p.src = src_;
  p.dst = dst_;
  p.transport = core::Transport::tcp;
  p.bytes = bytes;
  p.incomplete = incomplete;
  sip_seen_ = true;
  out_->payload(p);
}

void SipFramer::feed(Bytes data, const SegmentMeta& meta) {
  if (data.empty()) return;
  const std::size_t old_size = buf_.size();
  std::string_view view = as_text(data);
  if (old_size != 0) {
    buf_.append(view);
    view = buf_;
  }
  // Where a message starting at `pos` began: in an earlier frame while pos is in old bytes.
  auto first_frame_at = [&](std::size_t pos) {
    return pos < old_size ? buf_first_frame_ : meta.first_frame;
  };
  const std::size_t max_message = out_->options().max_stream_buffer;
  std::size_t pos = 0;
  while (pos < view.size()) {
    std::string_view rest = view.substr(pos);
    if (mode_ == Mode::hunting) {
      std::size_t start = sip::find_start(rest, 0);
      if (start == 0 && after_gap_ && !plausible_start(rest)) {
        std::size_t nl = rest.find('\n');
        start = nl == std::string_view::npos ? nl : sip::find_start(rest, nl + 1);
      }
      after_gap_ = false;
      if (start == std::string_view::npos) {
        // Keep a trailing partial line: the next start line may be split across segments.
        std::size_t nl = rest.rfind('\n');
        std::size_t keep = nl == std::string_view::npos ? rest.size() : rest.size() - nl - 1;
        if (keep >= kMaxStartLine) keep = 0;
        pos = view.size() - keep;
        break;
      }
      pos += start;
      mode_ = Mode::at_message;
      continue;
    }
    if (rest[0] == '\r' || rest[0] == '\n') {
      // RFC 5626 keep-alives between messages: CRLFCRLF ping, CRLF pong.
      std::size_t n = rest.find_first_not_of("\r\n");
      ++out_->stats().keepalives;
      pos += n == std::string_view::npos ? rest.size() : n;
      continue;
    }
    sip::StartKind kind = sip::classify_start(rest);
    if (kind == sip::StartKind::partial) break;
    if (kind == sip::StartKind::none) {
      // Streams joined midway or not SIP at all (FTP ...) land here quietly; only a stream
      // that already carried SIP deserves a word.
      if (sip_seen_) {
        out_->warning(meta.frame, cat(flow(),
                                      ": data after a SIP message is not a SIP start "
                                      "line; skipping to the next SIP message"));
      }
      mode_ = Mode::hunting;
      continue;
    }
    sip::FrameLength fl = sip::frame_length(rest);
    if (fl.state == sip::FrameLength::State::complete) {
      emit(rest.substr(0, fl.length), first_frame_at(pos), meta, false);
      pos += fl.length;
      continue;
    }
    if (fl.state == sip::FrameLength::State::bad) {
      out_->warning(meta.frame, cat(flow(), ": ", fl.error, "; skipping to the next SIP message"));
      std::size_t end = sip::header_end(rest);
      emit(rest.substr(0, end), first_frame_at(pos), meta, true);
      pos += end;
      mode_ = Mode::hunting;
      continue;
    }
    if (rest.size() > max_message) {
      // The cap, not the end of the stream, cut it: say so, so no one looks for a lost segment.
      out_->warning(meta.frame, cat(flow(), ": message larger than the ", size_text(max_message),
                                    " limit for one SIP message over TCP; cut at ", rest.size(),
                                    " bytes and passed on incomplete"));
      emit(rest, first_frame_at(pos), meta, true);
      pos = view.size();
      mode_ = Mode::hunting;
    }
    break;  // need more bytes
  }
  std::uint64_t leftover_first = first_frame_at(pos);
  if (old_size != 0) {
    buf_.erase(0, pos);
  } else {
    buf_.assign(view.substr(pos));
  }
  buf_first_frame_ = leftover_first;
  last_ = meta;
}

void SipFramer::flush_partial() {
  if (buf_.empty()) return;
  sip::StartKind kind = sip::classify_start(buf_);
  bool sip = is_start(kind) || (kind == sip::StartKind::partial && sip_seen_);
  if (mode_ == Mode::at_message && sip) emit(buf_, buf_first_frame_, last_, true);
  buf_.clear();
}

void SipFramer::gap() {
  flush_partial();
  mode_ = Mode::hunting;
  after_gap_ = true;
}

void SipFramer::finish() { flush_partial(); }

void SipFramer::reset() {
  flush_partial();
  mode_ = Mode::at_message;
  sip_seen_ = false;
  after_gap_ = false;
}

}  // namespace ladder::capture::detail
