#include "base/go_duration.h"

#include <chrono>

#include "gtest/gtest.h"

namespace probelet::base {
namespace {

using namespace std::chrono_literals;

// Expected strings are Go's time.Duration.String() output.
TEST(GoDurationTest, FormatMatchesGo) {
  EXPECT_EQ(FormatGoDuration(0ns), "0s");
  EXPECT_EQ(FormatGoDuration(1ns), "1ns");
  EXPECT_EQ(FormatGoDuration(1100ns), "1.1\u00b5s");
  EXPECT_EQ(FormatGoDuration(2200us), "2.2ms");
  EXPECT_EQ(FormatGoDuration(500ms), "500ms");
  EXPECT_EQ(FormatGoDuration(1s), "1s");
  EXPECT_EQ(FormatGoDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatGoDuration(2s), "2s");
  EXPECT_EQ(FormatGoDuration(60s), "1m0s");
  EXPECT_EQ(FormatGoDuration(3h + 2min + 1s), "3h2m1s");
  EXPECT_EQ(FormatGoDuration(1h), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(-1500ms), "-1.5s");
  EXPECT_EQ(FormatGoDuration(Duration(INT64_MIN)), "-2562047h47m16.854775808s");
  EXPECT_EQ(FormatGoDuration(Duration(INT64_MAX)), "2562047h47m16.854775807s");
}

TEST(GoDurationTest, ParseAcceptsGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("500ms"), 500ms);
  EXPECT_EQ(*ParseGoDuration("1s"), 1s);
  EXPECT_EQ(*ParseGoDuration("2m"), 2min);
  EXPECT_EQ(*ParseGoDuration("1h30m"), 90min);
  EXPECT_EQ(*ParseGoDuration("1.5s"), 1500ms);
  EXPECT_EQ(*ParseGoDuration(".5s"), 500ms);
  EXPECT_EQ(*ParseGoDuration("1.s"), 1s);
  EXPECT_EQ(*ParseGoDuration("0"), 0s);
  EXPECT_EQ(*ParseGoDuration("+3us"), 3us);
  EXPECT_EQ(*ParseGoDuration("3\u00b5s"), 3us);
  EXPECT_EQ(*ParseGoDuration("-2s"), -2s);
  EXPECT_EQ(*ParseGoDuration("1m0s"), 1min);
}

TEST(GoDurationTest, ParseRejectsWithGoMessages) {
  EXPECT_EQ(ParseGoDuration("").error().message, "time: invalid duration \"\"");
  EXPECT_EQ(ParseGoDuration("abc").error().message, "time: invalid duration \"abc\"");
  EXPECT_EQ(ParseGoDuration("1").error().message, "time: missing unit in duration \"1\"");
  EXPECT_EQ(ParseGoDuration("1x").error().message, "time: unknown unit \"x\" in duration \"1x\"");
  EXPECT_EQ(ParseGoDuration(".s").error().message, "time: invalid duration \".s\"");
  EXPECT_FALSE(ParseGoDuration("9999999999h").ok());
  EXPECT_FALSE(ParseGoDuration("1s ").ok());
}

TEST(GoDurationTest, FormatThenParseRoundTrips) {
  for (Duration d : {Duration(1), Duration(999), Duration(123456789), Duration(1s), Duration(61s),
                     Duration(3h + 17ms)}) {
    auto parsed = ParseGoDuration(FormatGoDuration(d));
    ASSERT_TRUE(parsed.ok()) << FormatGoDuration(d);
    EXPECT_EQ(*parsed, d) << FormatGoDuration(d);
  }
}

}  // namespace
}  // namespace probelet::base
