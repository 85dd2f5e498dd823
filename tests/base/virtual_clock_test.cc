#include "base/virtual_clock.h"

#include <gtest/gtest.h>

#include <vector>

namespace probelet::base {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(VirtualClockTest, FiresTimersInDeadlineOrderWithTimeAtEachDeadline) {
  VirtualClock clock;
  const MonoTime start = clock.Now();
  std::vector<std::pair<int, Duration>> fired;
  auto a = clock.NewTimer();
  auto b = clock.NewTimer();
  auto c = clock.NewTimer();
  a->Arm(start + seconds(3), [&] { fired.push_back({1, clock.Now() - start}); });
  b->Arm(start + seconds(1), [&] { fired.push_back({2, clock.Now() - start}); });
  c->Arm(start + seconds(1), [&] { fired.push_back({3, clock.Now() - start}); });
  clock.Advance(seconds(2));
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0], std::make_pair(2, Duration(seconds(1))));
  EXPECT_EQ(fired[1], std::make_pair(3, Duration(seconds(1))));  // ties: order of arming
  EXPECT_EQ(clock.Now() - start, seconds(2));
  EXPECT_TRUE(a->armed());
  clock.Advance(seconds(5));
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[2], std::make_pair(1, Duration(seconds(3))));
}

TEST(VirtualClockTest, CancelAndDestroyStopTheCallback) {
  VirtualClock clock;
  int calls = 0;
  auto a = clock.NewTimer();
  a->Arm(clock.Now() + seconds(1), [&] { ++calls; });
  a->Cancel();
  EXPECT_FALSE(a->armed());
  {
    auto b = clock.NewTimer();
    b->Arm(clock.Now() + seconds(1), [&] { ++calls; });
  }
  EXPECT_EQ(clock.pending(), 0u);
  clock.Advance(seconds(10));
  EXPECT_EQ(calls, 0);
}

TEST(VirtualClockTest, RearmReplacesTheEarlierDeadline) {
  VirtualClock clock;
  const MonoTime start = clock.Now();
  std::vector<Duration> at;
  auto t = clock.NewTimer();
  t->Arm(start + seconds(1), [&] { at.push_back(clock.Now() - start); });
  t->Arm(start + seconds(4), [&] { at.push_back(clock.Now() - start); });
  clock.RunUntilIdle();
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0], seconds(4));
}

TEST(VirtualClockTest, APeriodicCallbackThatRearmsItselfRunsOncePerPeriod) {
  VirtualClock clock;
  const MonoTime start = clock.Now();
  auto t = clock.NewTimer();
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    t->Arm(clock.Now() + milliseconds(250), tick);
  };
  t->Arm(start, tick);
  clock.AdvanceTo(start + seconds(1));
  EXPECT_EQ(ticks, 5);  // at 0, 250, 500, 750, 1000 ms
}

TEST(VirtualClockTest, PastDeadlineFiresAtCurrentTimeAndWallTimeFollowsMonotonic) {
  VirtualClock clock(WallTime(seconds(1000)));
  clock.Advance(seconds(10));
  EXPECT_EQ(clock.WallNow(), WallTime(seconds(1010)));
  MonoTime fired_at{};
  auto t = clock.NewTimer();
  t->Arm(clock.Now() - seconds(5), [&] { fired_at = clock.Now(); });
  EXPECT_EQ(clock.NextDeadline(), clock.Now());
  EXPECT_TRUE(clock.RunNext());
  EXPECT_EQ(fired_at, clock.Now());
  EXPECT_FALSE(clock.RunNext());
}

TEST(VirtualClockTest, ACallbackMayDestroyItsOwnTimer) {
  VirtualClock clock;
  auto t = clock.NewTimer();
  bool ran = false;
  t->Arm(clock.Now() + seconds(1), [&] {
    ran = true;
    t.reset();
  });
  clock.Advance(seconds(2));
  EXPECT_TRUE(ran);
  EXPECT_EQ(t, nullptr);
}

}  // namespace
}  // namespace probelet::base
