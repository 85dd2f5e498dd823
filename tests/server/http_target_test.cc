#include "server/http_target.h"

#include <gtest/gtest.h>

namespace probelet::server {
namespace {

TEST(HttpTargetTest, SplitsSegmentsAndDecodesTheQuery) {
  auto t = ParseHttpTarget(
      "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb%2C"
      "involvedObject.namespace%3Ddefault&limit=500");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/v1/namespaces/default/events");
  EXPECT_EQ(t->segments,
            (std::vector<std::string>{"api", "v1", "namespaces", "default", "events"}));
  ASSERT_NE(t->Query("fieldSelector"), nullptr);
  EXPECT_EQ(*t->Query("fieldSelector"), "involvedObject.name=web,involvedObject.namespace=default");
  EXPECT_EQ(*t->Query("limit"), "500");
  EXPECT_EQ(t->Query("missing"), nullptr);
}

TEST(HttpTargetTest, RejectsBadTargets) {
  EXPECT_FALSE(ParseHttpTarget(""));
  EXPECT_FALSE(ParseHttpTarget("http://example.com/pods"));
  EXPECT_FALSE(ParseHttpTarget("/pods%2"));
  EXPECT_FALSE(ParseHttpTarget("/pods%zz"));
  EXPECT_FALSE(ParseHttpTarget("/pods%00"));
  EXPECT_FALSE(ParseHttpTarget("/pods?a=%4"));
}

TEST(HttpTargetTest, EncodeDecodeRoundTrip) {
  std::string s = "involvedObject.name=web,x y/z";
  EXPECT_EQ(PercentDecode(PercentEncode(s), true), s);
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
}

}  // namespace
}  // namespace probelet::server
