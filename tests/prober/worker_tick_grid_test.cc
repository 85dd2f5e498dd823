// The tick grid (WorkerEnv::tick_grid, worker.h) on virtual time: every probe of a worker with
// a 2 ms grid runs at most 2 ms after (never before) the same probe of a worker without one,
// started at the same odd instant with the same jitter draw; its runs sit on the grid and stay
// exactly one period apart. Also across a manual trigger and slow probes. A grid that moved a
// probe by more than its slot, or earlier, fails here.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "prober/testing/test_env.h"
#include "prober/worker.h"

namespace probelet::prober {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::kPodUid;
using testing::RunningStatus;
using testing::TestEnv;
using testing::TestProbe;

constexpr base::Duration kGrid = milliseconds(2);

// One worker on its own virtual clock, started `offset` after the clock's origin with jitter
// (its manager just started) drawn from `seed`.
struct GridRun {
  GridRun(base::Duration grid, uint64_t seed, base::Duration offset, base::Duration delay) {
    t.env.tick_grid = grid;
    t.env.rng.seed(seed);
    t.tcp.delay = delay;
    t.clock.Advance(offset);
    t.env.manager_start = t.clock.Now();
    origin = t.clock.Now();
    t.status.Set(kPodUid, RunningStatus(t.Now(), true));
    worker = t.NewWorker(ProbeType::kReadiness, TestProbe());
    worker->Start();
  }
  TestEnv t;
  base::MonoTime origin;
  std::unique_ptr<Worker> worker;
};

// Runs both to `end` (the gridded one a slot longer, so that it has every run the exact one
// had) and expects every run of `grid` within [0, kGrid) after the matching run of `exact`.
void ExpectWithinOneSlot(GridRun& exact, GridRun& grid, base::Duration end) {
  exact.t.clock.AdvanceTo(exact.origin + end);
  grid.t.clock.AdvanceTo(grid.origin + end + kGrid);
  const auto& a = exact.t.tcp.start_times;
  const auto& b = grid.t.tcp.start_times;
  ASSERT_GE(b.size(), a.size());
  ASSERT_LE(b.size(), a.size() + 1);
  ASSERT_GT(a.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) {
    const base::Duration moved = b[i] - a[i];
    EXPECT_GE(moved, nanoseconds(0)) << "probe " << i << " ran earlier than its tick";
    EXPECT_LT(moved, kGrid) << "probe " << i << " moved by more than the grid";
  }
}

TEST(WorkerTickGridTest, EveryProbeMovesByLessThanTheGridAndLandsOnIt) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    // Odd start instants: not on any millisecond, so the grid has to move every first run.
    const base::Duration offset = microseconds(337 * seed) + nanoseconds(13 * seed);
    GridRun exact(base::Duration{0}, seed, offset, microseconds(300));
    GridRun grid(kGrid, seed, offset, microseconds(300));
    ExpectWithinOneSlot(exact, grid, seconds(6));
    const auto& b = grid.t.tcp.start_times;
    for (size_t i = 0; i < b.size(); ++i) {
      base::Duration phase = b[i].time_since_epoch() % kGrid;
      if (phase < base::Duration::zero()) phase += kGrid;
      EXPECT_EQ(phase, nanoseconds(0)) << "probe " << i << " is off the grid";
      if (i > 0) {
        EXPECT_EQ(b[i] - b[i - 1], seconds(1)) << "period changed at probe " << i;
      }
    }
  }
}

TEST(WorkerTickGridTest, ManualTriggerRunsAtOnceAndLaterTicksMoveLessThanTheGrid) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE(seed);
    const base::Duration offset = microseconds(911 * seed) + nanoseconds(7);
    GridRun exact(base::Duration{0}, seed, offset, base::Duration{0});
    GridRun grid(kGrid, seed, offset, base::Duration{0});
    for (GridRun* r : {&exact, &grid}) {
      r->t.clock.AdvanceTo(r->origin + milliseconds(2345) + microseconds(77));
      r->worker->TriggerManualRun();
    }
    ExpectWithinOneSlot(exact, grid, seconds(6));
  }
}

TEST(WorkerTickGridTest, SlowProbesKeepTheBound) {
  // Probes longer than the period: the catch-up run starts when the probe ends, which the grid
  // moved by less than a slot, so the next ones do too.
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE(seed);
    const base::Duration offset = microseconds(503 * seed) + nanoseconds(3);
    GridRun exact(base::Duration{0}, seed, offset, milliseconds(1500));
    GridRun grid(kGrid, seed, offset, milliseconds(1500));
    ExpectWithinOneSlot(exact, grid, seconds(8));
  }
}

}  // namespace
}  // namespace probelet::prober
