// §6.5 on virtual time: 10 s doubling to 300 s, reset after 600 s, keyed per container spec.
#include "kubelet/crash_loop_backoff.h"

#include <gtest/gtest.h>

#include "base/go_duration.h"
#include "base/virtual_clock.h"

namespace probelet::kubelet {
namespace {

using std::chrono::seconds;

TEST(CrashLoopBackOffTest, FirstExitHasNoEntryAndNoDelay) {
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock);
  EXPECT_EQ(backoff.Get("k"), base::Duration::zero());
  EXPECT_FALSE(backoff.IsInBackOffSince("k", clock.Now()));
}

TEST(CrashLoopBackOffTest, DelaysPrintAsGoDurationsInTheWaitingMessage) {
  // The CrashLoopBackOff message says "back-off <delay> ...": each delay of the ladder as Go's
  // time.Duration.String() prints it.
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock);
  std::vector<std::string> got;
  for (int i = 0; i < 7; ++i) {
    backoff.Next("k", clock.Now());
    got.push_back(base::FormatGoDuration(backoff.Get("k")));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"}));
}

TEST(CrashLoopBackOffTest, DoublesFromTenSecondsAndCapsAtFiveMinutes) {
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock);
  std::vector<int64_t> got;
  for (int i = 0; i < 8; ++i) {
    // The container exits, the kubelet checks, waits out the delay, then restarts (Next).
    base::MonoTime exited = clock.Now();
    ASSERT_FALSE(backoff.IsInBackOffSince("k", exited) && backoff.Get("k") == base::Duration{});
    clock.Advance(backoff.Get("k"));
    EXPECT_FALSE(backoff.IsInBackOffSince("k", exited)) << "restart " << i;
    backoff.Next("k", exited);
    got.push_back(std::chrono::duration_cast<seconds>(backoff.Get("k")).count());
  }
  EXPECT_EQ(got, (std::vector<int64_t>{10, 20, 40, 80, 160, 300, 300, 300}));
}

TEST(CrashLoopBackOffTest, InBackOffUntilTheDelayHasPassedSinceTheExit) {
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock);
  backoff.Next("k", clock.Now());  // first restart, no delay; the entry now holds 10 s
  base::MonoTime exited = clock.Now() + seconds(1);
  clock.AdvanceTo(exited);
  EXPECT_TRUE(backoff.IsInBackOffSince("k", exited));
  EXPECT_EQ(backoff.Remaining("k", exited), seconds(10));
  clock.Advance(seconds(9));
  EXPECT_TRUE(backoff.IsInBackOffSince("k", exited));
  EXPECT_EQ(backoff.Remaining("k", exited), seconds(1));
  clock.Advance(seconds(1));
  EXPECT_FALSE(backoff.IsInBackOffSince("k", exited));
  EXPECT_EQ(backoff.Remaining("k", exited), base::Duration::zero());
}

TEST(CrashLoopBackOffTest, ResetsAfterTenMinutesOfRunning) {
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock);
  for (int i = 0; i < 4; ++i) backoff.Next("k", clock.Now());
  EXPECT_EQ(backoff.Get("k"), seconds(80));
  // Ran exactly 600 s after the last restart: not yet expired (the rule is "more than").
  clock.Advance(seconds(600));
  EXPECT_TRUE(backoff.IsInBackOffSince("k", clock.Now()));
  backoff.Next("k", clock.Now());
  EXPECT_EQ(backoff.Get("k"), seconds(160));
  // Ran 601 s: the entry has expired, the exit is not in back-off, and Next starts over.
  clock.Advance(seconds(601));
  EXPECT_FALSE(backoff.IsInBackOffSince("k", clock.Now()));
  backoff.Next("k", clock.Now());
  EXPECT_EQ(backoff.Get("k"), seconds(10));
}

TEST(CrashLoopBackOffTest, GCDropsExpiredEntriesOnly) {
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock);
  backoff.Next("old", clock.Now());
  clock.Advance(seconds(500));
  backoff.Next("new", clock.Now());
  clock.Advance(seconds(101));
  backoff.GC();
  EXPECT_EQ(backoff.size(), 1u);
  EXPECT_EQ(backoff.Get("old"), base::Duration::zero());
  EXPECT_EQ(backoff.Get("new"), seconds(10));
}

TEST(CrashLoopBackOffTest, SmallerMaximumLowersTheInitialDelay) {
  base::VirtualClock clock;
  CrashLoopBackOff backoff(clock, {.initial = seconds(10), .max = seconds(5)});
  backoff.Next("k", clock.Now());
  EXPECT_EQ(backoff.Get("k"), seconds(5));
}

TEST(CrashLoopBackOffTest, StableKeyChangesWithTheContainerSpec) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "u1";
  api::Container c;
  c.name = "app";
  c.command = {"/bin/app"};
  std::string key = CrashLoopBackOff::StableKey(pod, c);
  EXPECT_EQ(key.rfind("web_default_u1_app_", 0), 0u) << key;
  EXPECT_EQ(key, CrashLoopBackOff::StableKey(pod, c));
  c.args = {"--port=1"};
  EXPECT_NE(key, CrashLoopBackOff::StableKey(pod, c));
}

}  // namespace
}  // namespace probelet::kubelet
