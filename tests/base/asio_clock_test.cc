#include "base/asio_clock.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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

TEST(AsioClockTest, ManyTimersFireInDeadlineOrderAtMostAMillisecondLate) {
  boost::asio::io_context io;
  AsioClock clock(io);
  const MonoTime start = clock.Now() + milliseconds(5);
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<int> order;
  Duration worst{0};
  // Armed in a scrambled order; deadlines 0.25 ms apart, several per millisecond.
  for (int k = 0; k < 200; ++k) {
    int i = (k * 73) % 200;
    MonoTime deadline = start + std::chrono::microseconds(250 * i);
    auto& t = timers.emplace_back(clock.NewTimer());
    t->Arm(deadline, [&, i, deadline] {
      order.push_back(i);
      worst = std::max(worst, Duration(clock.Now() - deadline));
      EXPECT_GE(clock.Now(), deadline);
    });
  }
  io.run_for(std::chrono::seconds(5));
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
  // The batching rounds up to the millisecond; the rest is scheduling noise on a busy machine.
  EXPECT_LT(worst, std::chrono::seconds(1)) << "worst lateness " << worst.count() << " ns";
}

TEST(AsioClockTest, ATimerArmedForNowFromACallbackRunsOnALaterTurnNotInline) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto a = clock.NewTimer();
  auto b = clock.NewTimer();
  std::vector<std::string> log;
  a->Arm(clock.Now(), [&] {
    log.push_back("a");
    b->Arm(clock.Now() - std::chrono::seconds(1), [&] { log.push_back("b"); });
    log.push_back("a-done");
  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(log, (std::vector<std::string>{"a", "a-done", "b"}));
}

TEST(AsioClockTest, CancellingTheEarliestTimerKeepsTheOthers) {
  boost::asio::io_context io;
  AsioClock clock(io);
  int fired = 0;
  auto early = clock.NewTimer();
  auto late = clock.NewTimer();
  early->Arm(clock.Now() + milliseconds(2), [&] { fired += 100; });
  late->Arm(clock.Now() + milliseconds(10), [&] { fired += 1; });
  early->Cancel();
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fired, 1);
}

TEST(AsioClockTest, TimersMayOutliveTheClock) {
  boost::asio::io_context io;
  std::unique_ptr<Timer> t;
  int fired = 0;
  {
    AsioClock clock(io);
    t = clock.NewTimer();
    t->Arm(clock.Now() + milliseconds(1), [&] { ++fired; });
  }
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fired, 1);
  t.reset();
}

TEST(AsioClockTest, RunReturnsOnceTheLastTimerIsCancelled) {
  // `probelet probe` runs its loop to completion: a cancelled hour-long timeout must not keep
  // it alive.
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timeout = clock.NewTimer();
  auto work = clock.NewTimer();
  timeout->Arm(clock.Now() + std::chrono::hours(1), [] {});
  work->Arm(clock.Now(), [&] { timeout->Cancel(); });
  const MonoTime start = clock.Now();
  io.run_for(std::chrono::seconds(30));
  EXPECT_LT(clock.Now() - start, std::chrono::seconds(10));
}

TEST(AsioClockTest, ClocksOnOneLoopShareOneQueue) {
  // Probers and the pod workers each make their own AsioClock on the one io_context; their
  // timers must fire in deadline order across clocks, as one queue.
  boost::asio::io_context io;
  AsioClock a(io);
  AsioClock b(io);
  const MonoTime start = a.Now() + milliseconds(3);
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<int> order;
  for (int i = 5; i >= 0; --i) {
    AsioClock& clock = i % 2 ? a : b;
    timers.push_back(clock.NewTimer());
    timers.back()->Arm(start + milliseconds(2 * i), [&, i] { order.push_back(i); });
  }
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(AsioClockTest, ATimerArmedAfterTheQueueRanDryFiresAfterAnExpiryNobodyHeard) {
  // Cancelling the last timer stops the wait (so run() can return); the timerfd may still
  // expire while nobody listens. The next Arm must start a wait that does fire.
  boost::asio::io_context io;
  AsioClock clock(io);
  auto t = clock.NewTimer();
  t->Arm(clock.Now() + milliseconds(1), [] {});
  t->Cancel();
  io.poll();                                     // the loop sees the cancelled wait
  std::this_thread::sleep_for(milliseconds(5));  // the timerfd expires with no wait pending
  io.restart();
  io.poll();
  io.restart();  // poll() ran out of work and stopped the loop
  int fired = 0;
  t->Arm(clock.Now() + milliseconds(2), [&] { ++fired; });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fired, 1);
}

TEST(AsioClockTest, TimersDueInOneMillisecondFireInOneBatch) {
  // The point of the shared queue: ten timers spread over one millisecond cost one wake-up.
  boost::asio::io_context io;
  AsioClock clock(io);
  const MonoTime base = std::chrono::ceil<milliseconds>(clock.Now()) + milliseconds(5);
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<MonoTime> fired;
  for (int i = 0; i < 10; ++i) {
    timers.push_back(clock.NewTimer());
    timers.back()->Arm(base + std::chrono::microseconds(100 * (i + 1)),
                       [&] { fired.push_back(clock.Now()); });
  }
  const size_t handlers = io.run_for(std::chrono::seconds(5));
  ASSERT_EQ(fired.size(), 10u);
  EXPECT_GE(fired.front(), base + milliseconds(1));
  EXPECT_EQ(handlers, 1u) << "one timerfd expiry for the whole millisecond";
}

}  // namespace
}  // namespace probelet::base
