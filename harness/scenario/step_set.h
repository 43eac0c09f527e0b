// StepSet: a sorted set of step indices that stays small when it is large.
//
// A step's causal predecessors (Step::preceded_by) include every earlier step its sender
// received. Stored one by one, that is quadratic in the length of the ladder (a 100,000-step
// ladder would hold billions of indices). A StepSet stores it as a prefix of one list shared by
// every step of the same sender (the steps that role receives, in order), plus the few indices
// named by reference (forwards, answers, after) and the few left out (any_order partners).
// Iteration yields the same sorted, unique indices a vector would hold.
//
// Ownership and threading: the shared list is immutable and reference-counted; copies share it.
// A StepSet is a value; reading one from several threads at once is safe.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <vector>

namespace ladder::scenario {

class StepSet {
 public:
  using value_type = std::size_t;

  /// Forward iterator over the indices, ascending.
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using iterator_concept = std::forward_iterator_tag;
    using value_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::size_t*;
    using reference = std::size_t;

    iterator() = default;
    std::size_t operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) {
      return a.shared_ == b.shared_ && a.own_ == b.own_;
    }

   private:
    friend class StepSet;
    iterator(const StepSet* set, std::size_t shared, std::size_t own);
    void skip_left_out();
    const StepSet* set_ = nullptr;
    std::size_t shared_ = 0;  ///< position in the shared prefix
    std::size_t own_ = 0;     ///< position in own_
  };
  using const_iterator = iterator;

  StepSet() = default;
  /// A set held in full (tests, steps built in code). Sorted and deduplicated here.
  StepSet(std::vector<std::size_t> indices);  // NOLINT(google-explicit-constructor): a set
  StepSet(std::initializer_list<std::size_t> indices)
      : StepSet(std::vector<std::size_t>(indices)) {}
  /// The first `prefix` entries of `shared` (sorted), plus `own` (sorted, none of them in that
  /// prefix), minus `left_out` (sorted).
  StepSet(std::shared_ptr<const std::vector<std::size_t>> shared, std::size_t prefix,
          std::vector<std::size_t> own, std::vector<std::size_t> left_out);

  iterator begin() const { return iterator(this, 0, 0); }
  iterator end() const { return iterator(this, prefix_, own_.size()); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool contains(std::size_t i) const;
  /// The indices, ascending.
  std::vector<std::size_t> to_vector() const { return {begin(), end()}; }

  friend bool operator==(const StepSet& a, const StepSet& b);

 private:
  bool left_out(std::size_t i) const;

  std::shared_ptr<const std::vector<std::size_t>> shared_;
  std::size_t prefix_ = 0;
  std::vector<std::size_t> own_;
  std::vector<std::size_t> left_out_;
  std::size_t size_ = 0;
};

}  // namespace ladder::scenario
