// RFC 3339 times (metav1.Time's JSON form).
#include "api/time.h"

#include <gtest/gtest.h>

namespace probelet::api {
namespace {

using namespace std::chrono_literals;

TEST(TimeTest, FormatsUtcSecondsAndNanos) {
  Time t = Time(std::chrono::seconds(1795853750)) + 5ns;
  EXPECT_EQ(FormatRFC3339(t), "2026-11-28T08:15:50Z");
  EXPECT_EQ(FormatRFC3339Nano(t), "2026-11-28T08:15:50.000000005Z");
}

TEST(TimeTest, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(ParseRFC3339("2026-11-28T08:15:50Z"), Time(std::chrono::seconds(1795853750)));
  EXPECT_EQ(ParseRFC3339("2026-11-28T09:15:50+01:00"), Time(std::chrono::seconds(1795853750)));
  EXPECT_EQ(ParseRFC3339("2026-11-28T08:15:50.25Z"),
            Time(std::chrono::seconds(1795853750)) + 250ms);
}

TEST(TimeTest, RejectsMalformedAndOutOfRange) {
  for (const char* s :
       {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-28T08:15:50",
        "2026-11-28T08:15:50.Z", "2026-11-28 08:15:50Z", "2026-11-28T08:15:50Zjunk",
        // Outside what 64-bit nanoseconds hold (found by the fuzzer).
        "1014-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_FALSE(ParseRFC3339(s).has_value()) << s;
  }
  EXPECT_TRUE(ParseRFC3339("1700-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRFC3339("2200-01-01T00:00:00Z").has_value());
}

}  // namespace
}  // namespace probelet::api
