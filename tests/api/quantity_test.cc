// ParseQuantity: resource.ParseQuantity's grammar and the kubelet's two readings (Value,
// MilliValue).
#include "api/quantity.h"

#include <gtest/gtest.h>

#include <limits>

namespace probelet::api {
namespace {

TEST(ParseQuantityTest, Table) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  struct Case {
    const char* text;
    int64_t value, milli;
  };
  const Case cases[] = {
      // cpu
      {"500m", 1, 500},
      {"1", 1, 1000},
      {"0.5", 1, 500},
      {".5", 1, 500},
      {"2.", 2, 2000},
      {"1.5", 2, 1500},
      {"0.1", 1, 100},
      {"100m", 1, 100},
      {"1m", 1, 1},
      {"0.0001", 1, 1},  // below a milli: rounded up, as MilliValue does
      {"250u", 1, 1},
      {"1000000n", 1, 1},
      {"0", 0, 0},
      {"0m", 0, 0},
      {"+3", 3, 3000},
      {"-1", -1, -1000},
      {"-1.5", -1, -1500},
      // memory
      {"64Mi", 64 << 20, int64_t{64 << 20} * 1000},
      {"1Ki", 1024, 1024000},
      {"1.5Gi", 1610612736, 1610612736000},
      {"1G", 1000000000, 1000000000000},
      {"1k", 1000, 1000000},
      {"128974848", 128974848, 128974848000},
      {"129e6", 129000000, 129000000000},
      {"1e6", 1000000, 1000000000},
      {"1E3", 1000, 1000000},
      {"1e-3", 1, 1},
      {"123M", 123000000, 123000000000},
      {"2Ti", int64_t{2} << 40, (int64_t{2} << 40) * 1000},
      {"9Pi", int64_t{9} << 50, kMax},  // milli saturates
      {"8Ei", kMax, kMax},
      {"1E", 1000000000000000000, kMax},
  };
  for (const auto& c : cases) {
    auto q = ParseQuantity(c.text);
    ASSERT_TRUE(q.ok()) << c.text << ": " << q.error().message;
    EXPECT_EQ(q->value, c.value) << c.text;
    EXPECT_EQ(q->milli_value, c.milli) << c.text;
    EXPECT_EQ(q->text, c.text);
  }
}

TEST(ParseQuantityTest, RefusesMalformedWithTheApiServersMessages) {
  const std::string format(kQuantityFormatError);
  const std::pair<const char*, std::string> cases[] = {
      {"", format},
      {"m", format},
      {"abc", format},
      {"1.2.3", format},
      {"1 Gi", format},
      {"1Gi ", format},
      {"1GiB", format},  // 'B' is no suffix letter at all
      {"1Kb", format},
      {"1Ki1", "unable to parse quantity's suffix"},
      {"1mi", "unable to parse quantity's suffix"},
      {"1e", "unable to parse quantity's suffix"},
      {"0x10", format},
      {"1234567890123456789", format},  // beyond the 18 digits kept exactly
  };
  for (const auto& [text, message] : cases) {
    auto q = ParseQuantity(text);
    ASSERT_FALSE(q.ok()) << text;
    EXPECT_EQ(q.error().message, message) << text;
  }
}

}  // namespace
}  // namespace probelet::api
