#include "scenario/step_set.h"

#include <gtest/gtest.h>

namespace ladder::scenario {
namespace {

TEST(StepSet, HeldInFullIsSortedAndUnique) {
  StepSet s{5, 1, 3, 1};
  EXPECT_EQ(s.to_vector(), (std::vector<std::size_t>{1, 3, 5}));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.contains(3));
  EXPECT_FALSE(s.contains(2));
  EXPECT_TRUE(StepSet{}.empty());
  EXPECT_EQ(StepSet{}.begin(), StepSet{}.end());
}

TEST(StepSet, SharedPrefixMergedWithOwnMinusLeftOut) {
  auto shared =
      std::make_shared<const std::vector<std::size_t>>(std::vector<std::size_t>{0, 2, 4, 6, 8});
  StepSet s(shared, 4, {3, 7}, {2, 7, 9});  // 0 2 4 6 + 3 7 - 2 7 (9 is in neither)
  EXPECT_EQ(s.to_vector(), (std::vector<std::size_t>{0, 3, 4, 6}));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_FALSE(s.contains(8));  // beyond the prefix
  EXPECT_FALSE(s.contains(2));
  EXPECT_TRUE(s.contains(3));
  EXPECT_EQ(s, (StepSet{0, 3, 4, 6}));
  EXPECT_NE(s, (StepSet{0, 3, 4}));
}

TEST(StepSet, LeavingOutTheFirstAndLastStillIterates) {
  auto shared = std::make_shared<const std::vector<std::size_t>>(std::vector<std::size_t>{1, 2, 3});
  StepSet s(shared, 3, {}, {1, 3});
  EXPECT_EQ(s.to_vector(), (std::vector<std::size_t>{2}));
  StepSet none(shared, 3, {}, {1, 2, 3});
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.begin(), none.end());
}

}  // namespace
}  // namespace ladder::scenario
