#include "engine/wire_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "sip/framing.h"

namespace ladder::engine {
namespace {

constexpr std::int64_t kDayUs = 86'400'000'000;

bool eat(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

template <typename T>
bool number(std::string_view& s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(p - s.data()));
  return true;
}

bool is_sip_start(std::string_view bytes) {
  sip::StartKind k = sip::classify_start(bytes);
  return k == sip::StartKind::request || k == sip::StartKind::response;
}

}  // namespace

std::optional<DumpStamp> parse_stamp(std::string_view s) {
  DumpStamp st;
  if (eat(s, "sent ")) {
    st.sent = true;
  } else if (!eat(s, "recv ")) {
    return std::nullopt;
  }
  if (!number(s, st.size) || !eat(s, " bytes ")) return std::nullopt;
  if (!eat(s, st.sent ? "to " : "from ")) return std::nullopt;
  if (eat(s, "udp/")) {
    st.transport = core::Transport::udp;
  } else if (eat(s, "tcp/")) {
    st.transport = core::Transport::tcp;
  } else if (eat(s, "tls/")) {
    st.transport = core::Transport::tls;
  } else if (eat(s, "sctp/")) {
    st.transport = core::Transport::sctp;
  } else {
    return std::nullopt;
  }
  if (!eat(s, "[")) return std::nullopt;
  std::size_t close = s.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  auto addr = core::Address::parse(s.substr(0, close));
  if (!addr) return std::nullopt;
  s.remove_prefix(close + 1);
  unsigned port = 0;
  if (!eat(s, ":") || !number(s, port) || port > 65535) return std::nullopt;
  st.peer = core::Endpoint{*addr, static_cast<std::uint16_t>(port)};
  // Optional "/flowinfo" and ";comp=sigcomp" before " at ".
  std::size_t at = s.find(" at ");
  if (at == std::string_view::npos) return std::nullopt;
  s.remove_prefix(at + 4);
  unsigned h = 0, m = 0, sec = 0;
  std::int64_t us = 0;
  if (!number(s, h) || !eat(s, ":") || !number(s, m) || !eat(s, ":") || !number(s, sec) ||
      !eat(s, ".") || !number(s, us) || s != ":") {
    return std::nullopt;
  }
  st.time_of_day_us = ((static_cast<std::int64_t>(h) * 60 + m) * 60 + sec) * 1'000'000 + us;
  return st;
}

core::TimeNs place_time_of_day(std::int64_t tod_us, core::TimeNs now) {
  std::int64_t now_us = now / 1000;
  std::int64_t day = now_us - now_us % kDayUs;
  std::int64_t t = day + tod_us;
  if (t > now_us + 3'600'000'000) t -= kDayUs;
  return t * 1000;
}

std::vector<DumpMessage> DumpParser::feed(std::string_view appended, core::TimeNs now) {
  pending_.append(appended);
  std::vector<DumpMessage> out;
  std::size_t pos = 0;
  std::string_view buf = pending_;
  while (pos < buf.size()) {
    std::size_t eol = buf.find('\n', pos);
    if (eol == std::string_view::npos) break;
    std::string_view line = buf.substr(pos, eol - pos);
    auto stamp = parse_stamp(line);
    if (!stamp) {  // "dump started at ...", blank lines
      pos = eol + 1;
      continue;
    }
    std::size_t body = eol + 1;
    std::size_t written = stamp->size;
    bool full = buf.size() >= body + stamp->size + 2 && buf.substr(body + stamp->size, 2) == "\v\n";
    if (!full) {
      // A short record: the first "\v\n" that ends the file or precedes a stamp line.
      std::optional<std::size_t> end;
      bool wait = false;
      std::size_t limit = std::min(buf.size(), body + stamp->size);
      for (std::size_t p = buf.find("\v\n", body); p != std::string_view::npos && p < limit;
           p = buf.find("\v\n", p + 1)) {
        std::size_t next = p + 2;
        if (next == buf.size()) {
          end = p;
          break;
        }
        std::size_t next_eol = buf.find('\n', next);
        if (next_eol == std::string_view::npos) {
          wait = true;
          break;
        }
        if (parse_stamp(buf.substr(next, next_eol - next))) {
          end = p;
          break;
        }
      }
      if (!end) {
        if (wait || buf.size() < body + stamp->size + 2) break;  // not complete yet
        ++skipped_;
        pos = eol + 1;
        continue;
      }
      written = *end - body;
    }
    std::string_view chunk = buf.substr(body, written);
    std::size_t missing = stamp->size - written;
    core::TimeNs t = place_time_of_day(stamp->time_of_day_us, now);
    if (stamp->transport == core::Transport::udp || missing > 0) {
      if (is_sip_start(chunk)) {
        out.push_back({stamp->sent, stamp->transport, stamp->peer, t, std::string(chunk), missing});
      }
    } else {
      emit_stream(*stamp, chunk, t, out);
    }
    pos = body + written + 2;
  }
  pending_.erase(0, pos);
  return out;
}

void DumpParser::emit_stream(const DumpStamp& stamp, std::string_view chunk, core::TimeNs t,
                             std::vector<DumpMessage>& out) {
  std::string key = (stamp.sent ? "s " : "r ") + std::string(core::to_string(stamp.transport)) +
                    " " + stamp.peer.to_string();
  std::string& s = streams_[key];
  s.append(chunk);
  for (;;) {
    std::size_t skip = 0;  // CRLF keep-alives between messages
    while (skip < s.size() && (s[skip] == '\r' || s[skip] == '\n')) ++skip;
    s.erase(0, skip);
    if (s.empty()) return;
    sip::StartKind k = sip::classify_start(s);
    if (k == sip::StartKind::partial) return;
    if (k == sip::StartKind::none) {
      std::size_t next = sip::find_start(s, 1);
      ++skipped_;
      if (next == std::string::npos) {
        s.clear();
        return;
      }
      s.erase(0, next);
      continue;
    }
    sip::FrameLength fl = sip::frame_length(s);
    if (fl.state == sip::FrameLength::State::need_more) return;
    if (fl.state == sip::FrameLength::State::bad) {
      ++skipped_;
      s.clear();
      return;
    }
    out.push_back({stamp.sent, stamp.transport, stamp.peer, t, s.substr(0, fl.length), 0});
    s.erase(0, fl.length);
  }
}

DumpTail::~DumpTail() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<DumpMessage> DumpTail::poll_truncating(core::TimeNs now) {
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) return {};
  std::string data;
  char buf[65536];  // not data.resize(): that would clear 64 KiB each poll
  for (int i = 0; i < 4096; ++i) {  // bounded: at most 256 MiB a poll
    ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(offset_ + data.size()));
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) break;
  }
  if (data.empty()) return {};
  offset_ += data.size();
  // Emptied once it holds kTruncateAt: each truncation costs the file system as much as many
  // reads, and the stack appends (O_APPEND) on this thread, so nothing is written between
  // this read and the truncation.
  if (offset_ >= kTruncateAt) {
    if (::ftruncate(fd_, 0) == 0) {
      offset_ = 0;
    } else {  // cannot empty it: read on from where this read ended
      truncate_ = false;
      ::close(fd_);
      fd_ = -1;
    }
  }
  return parser_.feed(data, now);
}

std::vector<DumpMessage> DumpTail::poll(core::TimeNs now) {
  if (truncate_) return poll_truncating(now);
  std::FILE* f = std::fopen(path_.c_str(), "rb");
  if (f == nullptr) return {};
  std::string data;
  if (std::fseek(f, static_cast<long>(offset_), SEEK_SET) == 0) {
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  }
  std::fclose(f);
  offset_ += data.size();
  if (data.empty()) return {};
  return parser_.feed(data, now);
}

core::TimeNs now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ladder::engine
