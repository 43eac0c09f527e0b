// Durations as ladder files write them: "100us", "500ms", "2s", "1.5s", "1m".
#include "scenario/duration.h"

#include <charconv>
#include <cmath>

namespace ladder::scenario {

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.')) {
    ++unit_at;
  }
  std::string_view number = text.substr(0, unit_at);
  std::string_view unit = text.substr(unit_at);
  if (number.empty() || number.front() == '.' || number.back() == '.') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size()) return std::nullopt;
  double scale = 0;
  if (unit == "us")
    scale = 1;
  else if (unit == "ms")
    scale = 1e3;
  else if (unit == "s")
    scale = 1e6;
  else if (unit == "m")
    scale = 60e6;
  else
    return std::nullopt;
  double us = value * scale;
  // Sub-microsecond fractions ("1.5us") are not representable: refuse rather than round.
  if (us > 1e15 || std::floor(us) != us) return std::nullopt;
  return Duration(static_cast<Duration::rep>(us));
}

std::string format_duration(Duration d) {
  auto us = d.count();
  auto fraction = [](long long v, long long unit, const char* suffix) {
    std::string s = std::to_string(v / unit);
    long long rest = v % unit;
    if (rest != 0) {
      std::string digits = std::to_string(rest + unit).substr(1);  // zero-padded
      while (!digits.empty() && digits.back() == '0') digits.pop_back();
      s += "." + digits;
    }
    return s + suffix;
  };
  if (us != 0 && us % 1000 != 0) return std::to_string(us) + "us";
  if (us < 1000000) return std::to_string(us / 1000) + "ms";
  return fraction(us, 1000000, "s");
}

}  // namespace ladder::scenario
