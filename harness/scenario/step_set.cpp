#include "scenario/step_set.h"

#include <algorithm>

namespace ladder::scenario {

StepSet::StepSet(std::vector<std::size_t> indices) : own_(std::move(indices)) {
  std::sort(own_.begin(), own_.end());
  own_.erase(std::unique(own_.begin(), own_.end()), own_.end());
  size_ = own_.size();
}

StepSet::StepSet(std::shared_ptr<const std::vector<std::size_t>> shared, std::size_t prefix,
                 std::vector<std::size_t> own, std::vector<std::size_t> left_out)
    : shared_(std::move(shared)),
      prefix_(shared_ ? std::min(prefix, shared_->size()) : 0),
      own_(std::move(own)),
      left_out_(std::move(left_out)) {
  std::sort(own_.begin(), own_.end());
  own_.erase(std::unique(own_.begin(), own_.end()), own_.end());
  std::sort(left_out_.begin(), left_out_.end());
  left_out_.erase(std::unique(left_out_.begin(), left_out_.end()), left_out_.end());
  // Keep only what is actually in the set, so that size() is exact.
  std::erase_if(left_out_, [&](std::size_t i) {
    bool in_shared =
        prefix_ > 0 && std::binary_search(shared_->begin(), shared_->begin() + prefix_, i);
    return !in_shared && !std::binary_search(own_.begin(), own_.end(), i);
  });
  size_ = prefix_ + own_.size() - left_out_.size();
}

bool StepSet::left_out(std::size_t i) const {
  return !left_out_.empty() && std::binary_search(left_out_.begin(), left_out_.end(), i);
}

bool StepSet::contains(std::size_t i) const {
  if (left_out(i)) return false;
  if (std::binary_search(own_.begin(), own_.end(), i)) return true;
  return prefix_ > 0 && std::binary_search(shared_->begin(), shared_->begin() + prefix_, i);
}

bool operator==(const StepSet& a, const StepSet& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

StepSet::iterator::iterator(const StepSet* set, std::size_t shared, std::size_t own)
    : set_(set), shared_(shared), own_(own) {
  skip_left_out();
}

std::size_t StepSet::iterator::operator*() const {
  const bool have_shared = shared_ < set_->prefix_;
  const bool have_own = own_ < set_->own_.size();
  if (have_shared && have_own) return std::min((*set_->shared_)[shared_], set_->own_[own_]);
  return have_shared ? (*set_->shared_)[shared_] : set_->own_[own_];
}

StepSet::iterator& StepSet::iterator::operator++() {
  const bool have_shared = shared_ < set_->prefix_;
  const bool have_own = own_ < set_->own_.size();
  if (have_shared && (!have_own || (*set_->shared_)[shared_] < set_->own_[own_])) {
    ++shared_;
  } else {
    ++own_;
  }
  skip_left_out();
  return *this;
}

void StepSet::iterator::skip_left_out() {
  if (set_ == nullptr) return;
  while ((shared_ < set_->prefix_ || own_ < set_->own_.size()) && set_->left_out(**this)) {
    const bool have_shared = shared_ < set_->prefix_;
    const bool have_own = own_ < set_->own_.size();
    if (have_shared && (!have_own || (*set_->shared_)[shared_] < set_->own_[own_])) {
      ++shared_;
    } else {
      ++own_;
    }
  }
}

}  // namespace ladder::scenario
