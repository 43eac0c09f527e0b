// ladder::sip for hot paths: what bulk checks (`check --each`, about a million packets a
// second) use to avoid allocating per message. Not part of the everyday contract in sip.h:
// include this only where a profile says it matters.
//
// Threading: as sip.h (values; a Message is used from one thread).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/sip.h"

namespace ladder::sip {

/// A short list of views into a message, such as a Via or Route stack: the first few are held
/// inline, so asking for one allocates nothing in the common case (bulk checks ask a few
/// times per message). Contiguous: converts to a span.
class Views {
 public:
  using value_type = std::string_view;
  using const_iterator = const std::string_view*;

  void push_back(std::string_view v) {
    if (!spilled_ && size_ < kInline) {
      inline_[size_++] = v;
      return;
    }
    if (!spilled_) {
      heap_.assign(inline_.begin(), inline_.begin() + static_cast<std::ptrdiff_t>(size_));
      spilled_ = true;
    }
    heap_.push_back(v);
    ++size_;
  }
  const std::string_view* begin() const { return spilled_ ? heap_.data() : inline_.data(); }
  const std::string_view* end() const { return begin() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::string_view& operator[](std::size_t i) const { return begin()[i]; }
  const std::string_view& front() const { return begin()[0]; }
  operator std::span<const std::string_view>() const { return {begin(), size_}; }
  friend bool operator==(const Views& a, const Views& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  static constexpr std::size_t kInline = 6;
  std::array<std::string_view, kInline> inline_{};
  std::vector<std::string_view> heap_;
  std::size_t size_ = 0;
  bool spilled_ = false;
};

/// The memory a message holds (its bytes and header index), to build another in: a bulk check
/// reuses it rather than allocate and free twice per message.
struct Message::Buffers {
  Buffers();
  ~Buffers();
  Buffers(Buffers&&) noexcept;
  Buffers& operator=(Buffers&&) noexcept;
  std::string bytes;
  std::vector<WireHeader> headers;
};

}  // namespace ladder::sip
