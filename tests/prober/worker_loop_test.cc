// The worker's loop on virtual time (§3.2, §3.7, §3.8): jitter, tick alignment, initial delay
// against ticks, slow probes, thresholds at exact ticks, the manual trigger, and stop (T14).
#include <gtest/gtest.h>

#include <chrono>

#include "prober/testing/test_env.h"
#include "prober/worker.h"

namespace probelet::prober {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::kContainerId;
using testing::kPodUid;
using testing::RunningStatus;
using testing::TestEnv;
using testing::TestProbe;

// Offsets of the handler's calls from `origin`.
std::vector<base::Duration> Offsets(const testing::ScriptedHandler& h, base::MonoTime origin) {
  std::vector<base::Duration> out;
  for (auto t : h.start_times) out.push_back(t - origin);
  return out;
}

class WorkerLoopTest : public ::testing::Test {
 protected:
  WorkerLoopTest() {
    // The manager started long ago: no jitter unless a test says otherwise.
    t_.env.manager_start = t_.clock.Now() - std::chrono::hours(1);
  }
  std::unique_ptr<Worker> Started(ProbeType type, const api::Probe& probe) {
    auto w = t_.NewWorker(type, probe);
    w->Start();
    return w;
  }
  TestEnv t_;
};

TEST_F(WorkerLoopTest, FirstRunIsOnALaterTurnNotInsideStart) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  auto w = Started(ProbeType::kReadiness, TestProbe());
  EXPECT_EQ(t_.tcp.calls, 0);
  t_.clock.RunNext();
  EXPECT_EQ(t_.tcp.calls, 1);
}

TEST_F(WorkerLoopTest, InitialDelay5Period10ProbesAtTheFirstTickAtOrAfter5s) {
  // The worker starts 3 s before the container; ticks at 0, 10, 20 (worker time); the
  // container starts at 3 with a 5 s delay, so 8 s is too early and the first probe is at 10.
  base::MonoTime origin = t_.clock.Now();
  api::Probe p = TestProbe();
  p.initial_delay_seconds = 5;
  p.period_seconds = 10;
  auto w = Started(ProbeType::kReadiness, p);
  t_.clock.Advance(seconds(3));
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  t_.clock.AdvanceTo(origin + seconds(35));
  EXPECT_EQ(Offsets(t_.tcp, origin),
            (std::vector<base::Duration>{seconds(10), seconds(20), seconds(30)}));

  // Same delay, container started 5 s before a tick: probed at that very tick.
  TestEnv t2;
  t2.env.manager_start = t2.clock.Now() - std::chrono::hours(1);
  base::MonoTime o2 = t2.clock.Now();
  t2.status.Set(kPodUid, RunningStatus(t2.Now() + seconds(5), true));
  auto w2 = t2.NewWorker(ProbeType::kReadiness, p);
  w2->Start();
  t2.clock.AdvanceTo(o2 + seconds(25));
  EXPECT_EQ(Offsets(t2.tcp, o2), (std::vector<base::Duration>{seconds(10), seconds(20)}));
}

TEST_F(WorkerLoopTest, SlowProbeDelaysTheNextWithoutOverlapOrQueue) {
  // Period 1 s, each probe takes 2.5 s: the next starts at once when one ends (the ticker's
  // one kept tick), never two at a time, and missed ticks are not made up.
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  base::MonoTime origin = t_.clock.Now();
  t_.tcp.delay = milliseconds(2500);
  auto w = Started(ProbeType::kReadiness, TestProbe());
  t_.clock.AdvanceTo(origin + seconds(10));
  EXPECT_EQ(t_.tcp.max_in_flight, 1);
  EXPECT_EQ(Offsets(t_.tcp, origin),
            (std::vector<base::Duration>{seconds(0), milliseconds(2500), seconds(5),
                                         milliseconds(7500), seconds(10)}));
  // Fast again: back on the grid of the worker's start (whole seconds), one probe per tick.
  t_.tcp.delay = milliseconds(100);
  t_.clock.AdvanceTo(origin + seconds(15) + milliseconds(500));
  auto offsets = Offsets(t_.tcp, origin);
  std::vector<base::Duration> tail(offsets.end() - 4, offsets.end());
  EXPECT_EQ(tail, (std::vector<base::Duration>{milliseconds(12500), seconds(13), seconds(14),
                                               seconds(15)}));
}

TEST_F(WorkerLoopTest, FailureThreshold3AtPeriod10FailsAtTheThirdFailingTick) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  base::MonoTime origin = t_.clock.Now();
  api::Probe p = TestProbe();
  p.period_seconds = 10;
  p.failure_threshold = 3;
  auto w = Started(ProbeType::kReadiness, p);
  t_.clock.AdvanceTo(origin + seconds(5));
  EXPECT_EQ(t_.Cached(ProbeType::kReadiness), CachedResult::kSuccess);
  t_.tcp.SetResult(probe::Result::kFailure, "down");
  // Failing ticks at 10, 20, 30: Failure exactly at 30.
  t_.clock.AdvanceTo(origin + seconds(29) + milliseconds(999));
  EXPECT_EQ(t_.Cached(ProbeType::kReadiness), CachedResult::kSuccess);
  t_.clock.AdvanceTo(origin + seconds(30));
  EXPECT_EQ(t_.Cached(ProbeType::kReadiness), CachedResult::kFailure);
}

TEST_F(WorkerLoopTest, ManualTriggerProbesAtOnceAndMovesTheTick) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  base::MonoTime origin = t_.clock.Now();
  api::Probe p = TestProbe();
  p.period_seconds = 10;
  auto w = Started(ProbeType::kReadiness, p);
  t_.clock.AdvanceTo(origin + seconds(4));
  ASSERT_EQ(t_.tcp.calls, 1);
  w->TriggerManualRun();
  w->TriggerManualRun();       // coalesced (one-slot channel)
  EXPECT_EQ(t_.tcp.calls, 1);  // not inside the call
  t_.clock.AdvanceTo(origin + seconds(25));
  // At 4 s at once, then 14 and 24 instead of 10 and 20.
  EXPECT_EQ(Offsets(t_.tcp, origin),
            (std::vector<base::Duration>{seconds(0), seconds(4), seconds(14), seconds(24)}));
}

TEST_F(WorkerLoopTest, ManualTriggerDuringAProbeRunsWhenItEnds) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  base::MonoTime origin = t_.clock.Now();
  api::Probe p = TestProbe();
  p.period_seconds = 10;
  t_.tcp.delay = seconds(2);
  auto w = Started(ProbeType::kReadiness, p);
  t_.clock.AdvanceTo(origin + seconds(1));
  ASSERT_TRUE(w->probe_in_flight());
  w->TriggerManualRun();
  t_.clock.AdvanceTo(origin + seconds(15));
  EXPECT_EQ(t_.tcp.max_in_flight, 1);
  EXPECT_EQ(Offsets(t_.tcp, origin),
            (std::vector<base::Duration>{seconds(0), seconds(2), seconds(12)}));
}

TEST_F(WorkerLoopTest, JitterOnlyWhenTheManagerStartedLessThanAPeriodAgo) {
  api::Probe p = TestProbe();
  p.period_seconds = 10;
  // Recently started manager: the first run is somewhere in [0, 10 s), seeded.
  TestEnv fresh;
  fresh.status.Set(kPodUid, RunningStatus(fresh.Now(), true));
  base::MonoTime origin = fresh.clock.Now();
  auto w = fresh.NewWorker(ProbeType::kReadiness, p);
  w->Start();
  fresh.clock.AdvanceTo(origin + seconds(35));
  ASSERT_EQ(fresh.tcp.start_times.size(), 4u);
  base::Duration jitter = fresh.tcp.start_times[0] - origin;
  EXPECT_GT(jitter, base::Duration(0));  // seed 1 gives a non-zero draw
  EXPECT_LT(jitter, seconds(10));
  // Ticks aligned to the first run.
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(fresh.tcp.start_times[i] - fresh.tcp.start_times[0], seconds(10) * i);
  }
  // Same seed, same jitter.
  TestEnv again;
  again.status.Set(kPodUid, RunningStatus(again.Now(), true));
  base::MonoTime origin2 = again.clock.Now();
  auto w2 = again.NewWorker(ProbeType::kReadiness, p);
  w2->Start();
  again.clock.RunNext();
  EXPECT_EQ(again.tcp.start_times.at(0) - origin2, jitter);
  // Old manager: no jitter.
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  auto w3 = Started(ProbeType::kReadiness, p);
  base::MonoTime now = t_.clock.Now();
  t_.clock.RunNext();
  EXPECT_EQ(t_.tcp.start_times.at(0), now);
}

TEST_F(WorkerLoopTest, TriggerDuringTheJitterRunsRightAfterTheFirstRun) {
  // The kubelet's trigger channel is read only after the first doProbe (§3.2.2, §3.2.4).
  TestEnv fresh;  // manager just started: jitter
  fresh.status.Set(kPodUid, RunningStatus(fresh.Now(), true));
  api::Probe p = TestProbe();
  p.period_seconds = 10;
  auto w = fresh.NewWorker(ProbeType::kReadiness, p);
  w->Start();
  w->TriggerManualRun();
  fresh.clock.RunNext();  // the first run, after the jitter
  ASSERT_EQ(fresh.tcp.calls, 1);
  base::MonoTime first = fresh.tcp.start_times[0];
  fresh.clock.Advance(seconds(25));
  ASSERT_GE(fresh.tcp.start_times.size(), 3u);
  EXPECT_EQ(fresh.tcp.start_times[1], first);                // at once after it
  EXPECT_EQ(fresh.tcp.start_times[2] - first, seconds(10));  // the tick reset there
}

TEST_F(WorkerLoopTest, StopDuringTheJitterExitsAtOnce) {
  TestEnv fresh;
  fresh.status.Set(kPodUid, RunningStatus(fresh.Now(), true));
  api::Probe p = TestProbe();
  p.period_seconds = 10;
  auto w = fresh.NewWorker(ProbeType::kReadiness, p);
  w->Start();
  w->Stop();
  EXPECT_EQ(fresh.exits, 1);
  fresh.clock.Advance(seconds(30));
  EXPECT_EQ(fresh.tcp.calls, 0);  // the kubelet would probe once more here (documented)
}

TEST_F(WorkerLoopTest, FollowsARestartedContainer) {
  // Liveness fails and holds; the restarted container (new ID) is probed again with the
  // full threshold and its own initial delay.
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  api::Probe p = TestProbe();
  p.failure_threshold = 2;
  p.initial_delay_seconds = 3;
  t_.tcp.SetResult(probe::Result::kFailure, "down");
  t_.status.Mutable(kPodUid)->container_statuses[0].state.running->started_at =
      t_.Now() - seconds(10);
  auto w = Started(ProbeType::kLiveness, p);
  t_.clock.Advance(seconds(5));
  EXPECT_EQ(t_.Cached(ProbeType::kLiveness), CachedResult::kFailure);
  EXPECT_EQ(t_.tcp.calls, 2);  // then on hold
  auto& c = t_.status.Mutable(kPodUid)->container_statuses[0];
  c.container_id = "test://second";
  c.state.running->started_at = t_.Now();
  t_.tcp.SetResult(probe::Result::kSuccess);
  t_.clock.Advance(seconds(2) + milliseconds(500));
  EXPECT_EQ(t_.tcp.calls, 2);                                // initial delay of the new container
  EXPECT_EQ(t_.Cached(ProbeType::kLiveness), std::nullopt);  // old ID removed
  EXPECT_EQ(t_.Cached(ProbeType::kLiveness, "test://second"), CachedResult::kSuccess);
  t_.clock.Advance(seconds(1));
  EXPECT_EQ(t_.tcp.calls, 3);
  EXPECT_EQ(t_.Cached(ProbeType::kLiveness, "test://second"), CachedResult::kSuccess);
}

TEST_F(WorkerLoopTest, StartupHoldsAfterSuccessT15) {
  // The startup worker stops probing after its first success, with no new container.
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), false));
  auto w = Started(ProbeType::kStartup, TestProbe());
  t_.clock.Advance(seconds(10));
  EXPECT_EQ(t_.tcp.calls, 1);
  EXPECT_EQ(t_.Cached(ProbeType::kStartup), CachedResult::kSuccess);
  EXPECT_TRUE(w->on_hold());
}

class CleanUpTest : public ::testing::TestWithParam<ProbeType> {};
INSTANTIATE_TEST_SUITE_P(AllTypes, CleanUpTest,
                         ::testing::Values(ProbeType::kLiveness, ProbeType::kReadiness,
                                           ProbeType::kStartup),
                         [](const auto& info) { return std::string(ToString(info.param)); });

TEST_P(CleanUpTest, T14StopIsIdempotentAndRemovesTheResultAndMetrics) {
  const ProbeType type = GetParam();
  TestEnv t;
  t.status.Set(kPodUid, RunningStatus(t.Now(), type != ProbeType::kStartup));
  auto w = t.NewWorker(type, TestProbe());
  w->Start();
  t.clock.Advance(seconds(3));
  ASSERT_EQ(t.Cached(type), CachedResult::kSuccess);
  ProberMetrics::Labels labels{type, testing::kContainerName, testing::kPodName,
                               testing::kPodNamespace, kPodUid};
  ASSERT_GT(t.metrics.ProbeTotal(labels, "successful"), 0);
  ASSERT_GT(t.metrics.DurationCount(labels), 0);
  for (int i = 0; i < 10; ++i) w->Stop();
  EXPECT_EQ(t.exits, 1);  // left the manager once
  EXPECT_EQ(t.Cached(type), std::nullopt);
  EXPECT_EQ(t.metrics.ProbeTotal(labels, "successful"), -1);
  EXPECT_EQ(t.metrics.DurationCount(labels), -1);
  int calls = t.tcp.calls;
  t.clock.Advance(seconds(10));
  EXPECT_EQ(t.tcp.calls, calls);
}

TEST_F(WorkerLoopTest, StopDuringAProbeExitsWhenItEndsAndDropsTheResult) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  t_.tcp.delay = seconds(2);
  t_.tcp.SetResult(probe::Result::kFailure);
  auto w = Started(ProbeType::kReadiness, TestProbe());
  t_.clock.Advance(seconds(1));
  ASSERT_TRUE(w->probe_in_flight());
  w->Stop();
  EXPECT_EQ(t_.exits, 0);
  t_.clock.Advance(seconds(5));
  EXPECT_EQ(t_.exits, 1);
  EXPECT_EQ(t_.tcp.calls, 1);
  EXPECT_EQ(t_.Cached(ProbeType::kReadiness), std::nullopt);
}

TEST_F(WorkerLoopTest, WorkerExitsWhenThePodFinishes) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  auto w = Started(ProbeType::kLiveness, TestProbe());
  t_.clock.Advance(seconds(2));
  ASSERT_EQ(t_.Cached(ProbeType::kLiveness), CachedResult::kSuccess);
  t_.status.Mutable(kPodUid)->phase = api::kPodSucceeded;
  t_.clock.Advance(seconds(2));
  EXPECT_EQ(t_.exits, 1);
  EXPECT_EQ(t_.Cached(ProbeType::kLiveness), std::nullopt);  // cleanup removed it
  EXPECT_EQ(t_.clock.pending(), 0u);
}

TEST_F(WorkerLoopTest, ErroredProbesAreRetriedThreeTimesBackToBackThenDiscarded) {
  t_.status.Set(kPodUid, RunningStatus(t_.Now(), true));
  t_.tcp.SetError("connect: boom");
  auto w = Started(ProbeType::kReadiness, TestProbe());
  t_.clock.RunNext();  // the first run
  t_.clock.Advance(milliseconds(1));
  EXPECT_EQ(t_.tcp.calls, 3);
  EXPECT_EQ(t_.Cached(ProbeType::kReadiness), CachedResult::kFailure);  // initial value only
  EXPECT_EQ(w->result_run(), 0);
}

}  // namespace
}  // namespace probelet::prober
