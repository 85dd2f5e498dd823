// Worker: probes one container with one probe type, periodically, and keeps the matching
// results cache up to date (the kubelet's prober/worker.go, §3). One per
// (pod UID, container name, probe type); created and stopped by the ProberManager.
//
// Decide in a step, wait in a loop. The kubelet's synchronous doProbe (§3.3) is split in two
// halves around the asynchronous probe, both callable without an event loop:
//   PrepareProbe(status)  §3.3.2-§3.3.10: status lookup, phase, container lookup, adoption of
//                         a new container ID (initial value, hold lifted), hold, not running,
//                         pod deletion, initial delay, startup gating. Says stop, wait or probe.
//   ApplyResult(result)   §3.3.11-§3.3.17: discard errors, metrics, run counter, threshold
//                         write, hold rules.
//   DoProbe(status, result) runs both, as the kubelet's table tests do.
// The loop (Start) only waits, on base::Clock timers:
//   - start-up jitter, uniform in [0, period), only when the manager started less than one
//     period ago (§3.2.2); ticks are then aligned to the first run (§3.7.1);
//   - the first run happens at once after the jitter (on a later loop turn, never inside Start);
//   - a probe in flight delays the next run and never overlaps it: when ticks passed during
//     it, one run follows at once and the rest are dropped (Go's ticker, §3.7.2);
//   - TriggerManualRun (readiness, §3.8) runs at once and moves the next tick to one period
//     later (§3.2.4); while a probe is in flight it runs once that probe is done; before the
//     first run it runs right after it (the kubelet's buffered channel).
//   - Tick grid (WorkerEnv::tick_grid, `probelet run`: 2 ms; 0 in tests unless set): a tick's
//     deadline is rounded up to a multiple of the grid on the monotonic clock, so the workers
//     whose ticks fall within the same grid slot fire in one wake-up of the loop instead of one
//     each (at 1,000 probes/s the wake-ups, not the probes, were the largest cost). Only the
//     first tick and the one a manual trigger sets are rounded; later ticks are whole periods
//     after them, and a period is whole seconds, a multiple of the grid. So every run is at
//     most one grid later than without it (never earlier), the period between runs is exact,
//     and the jitter stays uniform over [0, period) to within the grid (§3.2.2).
// Stop() is idempotent. An idle worker exits at once; one with a probe in flight exits when
// that probe completes, discarding its result (the kubelet's stop channel is read after
// doProbe returns). Deviation: the kubelet's jitter sleep ignores stop and probes once more;
// here stop during the jitter exits at once. Exiting (§3.2.6) cancels the timer, removes the
// cached result of the known container ID (silently), deletes the metric series and then
// calls WorkerEnv::on_exit, which normally destroys the worker.
//
// Memory: a worker is its ProbeTarget (the probe spec and the few container fields probing
// reads, made once: the kubelet does not update probe parameters of a running pod either,
// §9.9), a PodRef shared with the other workers of its pod, a few words of state and one
// timer; about 1 KB when idle (bench/prober_scale measures it), plus its ProbeHistory when the
// manager keeps one (WorkerEnv::history_length; probe_history.h gives its cost).
//
// Thread safety: event loop thread only. Ownership: the WorkerEnv and what it points to
// outlive the worker.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "api/pod.h"
#include "base/clock.h"
#include "prober/probe_history.h"
#include "prober/probe_type.h"
#include "prober/prober.h"
#include "prober/prober_metrics.h"
#include "prober/results_manager.h"
#include "prober/status_provider.h"

namespace probelet::prober {

class Worker;

// What all workers of one manager share (owned by the ProberManager; tests build their own).
struct WorkerEnv {
  base::Clock* clock = nullptr;
  const StatusProvider* status = nullptr;
  Prober* prober = nullptr;
  ProberMetrics* metrics = nullptr;
  ResultsManager* results[3] = {nullptr, nullptr, nullptr};  // indexed by ProbeType
  // When the manager started: a worker of a manager younger than one period first sleeps a
  // random jitter in [0, period) (worker.go run, §3.2.2).
  base::MonoTime manager_start{};
  // The same on the wall clock, which containers' startedAt is on (§3.5, kubelet_restart.h).
  api::Time manager_start_wall{};
  std::mt19937_64 rng{1};  // seeded: jitter is reproducible
  // Attempts each worker keeps in its ProbeHistory (--probe-history); 0: none.
  size_t history_length = 0;
  // Ticks are rounded up to a multiple of this (see the header comment); 0: not rounded.
  // REQUIRES: divides one second (periods are whole seconds).
  base::Duration tick_grid{0};
  // Called last when a worker exits; may destroy it. Null: the owner destroys it later.
  std::function<void(Worker&)> on_exit;
};

class Worker {
 public:
  enum class Decision : uint8_t { kStop, kWait, kProbe };

  // REQUIRES: target.spec is set (the container has a probe of target.type).
  Worker(WorkerEnv& env, ProbeTarget target);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the loop: arms the first run (after jitter when the manager started recently).
  void Start();
  // Idempotent. May call env.on_exit (and so destroy the worker) before returning.
  void Stop();
  // The manual readiness trigger that prober_manager.go UpdatePodStatus sends (§3.8): a
  // non-blocking "run now"; repeated triggers before the run coalesce (worker.go's 1-slot
  // manual-trigger channel).
  void TriggerManualRun();
  // Marks the pod as being deleted (its DeletionTimestamp set after this worker was created):
  // liveness and startup workers then write Success and exit (doProbe's quiet shutdown,
  // §3.3.8).
  void SetPodDeleted() { pod_deleted_ = true; }

  // The two halves of doProbe and the whole step (see the header comment).
  Decision PrepareProbe(const api::PodStatus* status);
  bool ApplyResult(const ProberResult& result, base::Duration elapsed = {});
  bool DoProbe(const api::PodStatus* status, const ProberResult& result);

  ProbeType probe_type() const { return target_.type; }
  const PodRef& pod() const { return *target_.pod; }
  const std::string& pod_uid() const { return target_.pod->uid; }
  const std::string& container_name() const { return target_.container; }
  const std::string& container_id() const { return container_id_; }
  const api::Probe& spec() const { return *target_.spec; }
  const ProbeTarget& target() const { return target_; }
  bool on_hold() const { return on_hold_; }
  int result_run() const { return result_run_; }
  CachedResult last_result() const { return last_result_; }
  // The last attempts (probe_history.h); null when the manager keeps none.
  const ProbeHistory* history() const { return history_.get(); }
  bool stopped() const { return stop_requested_; }
  bool probe_in_flight() const { return in_flight_; }
  // newWorker's initial value (worker.go, §3.1.2), written for each new container ID:
  // readiness Failure (not ready until proven), liveness Success, startup Unknown.
  static CachedResult InitialValue(ProbeType type);

 private:
  ResultsManager& results() const { return *env_->results[static_cast<int>(target_.type)]; }
  base::Duration period() const;
  void OnTick();
  void Run();
  void OnProbeDone(ProberResult result);
  void ScheduleNext();
  void Exit();
  bool KeepGoingNotRunning(const api::ContainerStatus& status) const;
  // Appends the attempt that produced `r` to the history (when kept), with the worker's state
  // after it; `run` and `threshold` as ProbeAttempt says.
  void Record(const ProberResult& r, base::Duration elapsed, bool discarded, bool changed,
              int32_t run, int32_t threshold);

  WorkerEnv* env_;
  ProbeTarget target_;
  std::unique_ptr<base::Timer> timer_;
  std::unique_ptr<ProbeHistory> history_;
  std::string container_id_;
  ProberMetrics::Series* series_ = nullptr;
  base::MonoTime next_tick_{};
  base::MonoTime probe_start_{};
  int32_t result_run_ = 0;
  // newWorker leaves lastResult at Go's zero value, Success (worker.go, §3.1.3).
  CachedResult last_result_ = CachedResult::kSuccess;
  bool on_hold_ : 1 = false;
  bool pod_deleted_ : 1 = false;
  bool stop_requested_ : 1 = false;
  bool in_flight_ : 1 = false;
  bool manual_pending_ : 1 = false;
  bool ran_once_ : 1 = false;
  bool exited_ : 1 = false;
};

}  // namespace probelet::prober
