#include "base/go_list.h"

#include <gtest/gtest.h>

namespace probelet::base {
namespace {

// Expected values are what Go's fmt.Sprintf("%v", []string{...}) prints.
TEST(GoListTest, FormatsLikeGosPercentV) {
  EXPECT_EQ(GoList({}), "[]");
  EXPECT_EQ(GoList({"app"}), "[app]");
  EXPECT_EQ(GoList({"app", "side"}), "[app side]");
  EXPECT_EQ(GoList({"sh", "-c", "sleep 1"}), "[sh -c sleep 1]") << "no quoting";
  EXPECT_EQ(GoList({"", "x", ""}), "[ x ]") << "empty elements still get their separator";
}

}  // namespace
}  // namespace probelet::base
