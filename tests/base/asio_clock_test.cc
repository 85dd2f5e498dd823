#include "base/asio_clock.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace probelet::base {
namespace {

using std::chrono::milliseconds;

TEST(AsioClockTest, TimerFiresAfterItsDeadlineOnTheLoop) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto t = clock.NewTimer();
  const MonoTime start = clock.Now();
  MonoTime fired{};
  t->Arm(start + milliseconds(20), [&] { fired = clock.Now(); });
  EXPECT_TRUE(t->armed());
  io.run_for(std::chrono::seconds(5));
  EXPECT_GE(fired - start, milliseconds(20));
  EXPECT_LT(fired - start, std::chrono::seconds(2));
  EXPECT_FALSE(t->armed());
}

TEST(AsioClockTest, CancelledRearmedAndDestroyedTimersDoNotCallStaleCallbacks) {
  boost::asio::io_context io;
  AsioClock clock(io);
  int stale = 0, live = 0;
  auto a = clock.NewTimer();
  a->Arm(clock.Now(), [&] { ++stale; });
  a->Arm(clock.Now() + milliseconds(5), [&] { ++live; });  // re-arm replaces
  auto b = clock.NewTimer();
  b->Arm(clock.Now(), [&] { ++stale; });
  b->Cancel();
  auto c = clock.NewTimer();
  c->Arm(clock.Now(), [&] { ++stale; });
  c.reset();  // destroyed before the loop runs
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(stale, 0);
  EXPECT_EQ(live, 1);
}

}  // namespace
}  // namespace probelet::base
