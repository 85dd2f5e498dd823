#include "prober/worker.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <utility>

#include "api/pod_helpers.h"
#include "prober/kubelet_restart.h"

namespace probelet::prober {
namespace {

// doProbe's lookup: the status of the named container, accepted only with a container ID:
// regular containers first, then init containers (sidecars) (§3.3.4).
const api::ContainerStatus* FindContainerStatus(const api::PodStatus& status,
                                                const std::string& name) {
  for (const auto& c : status.container_statuses) {
    if (c.name == name && !c.container_id.empty()) return &c;
  }
  for (const auto& c : status.init_container_statuses) {
    if (c.name == name && !c.container_id.empty()) return &c;
  }
  return nullptr;
}

// `t` rounded up to a multiple of `grid` on its clock (`t` itself when grid is 0).
base::MonoTime AlignUp(base::MonoTime t, base::Duration grid) {
  if (grid <= base::Duration::zero()) return t;
  base::Duration r = t.time_since_epoch() % grid;
  if (r < base::Duration::zero()) r += grid;
  return r == base::Duration::zero() ? t : t + (grid - r);
}

}  // namespace

CachedResult Worker::InitialValue(ProbeType type) {
  switch (type) {
    case ProbeType::kReadiness:
      return CachedResult::kFailure;  // not ready until proven
    case ProbeType::kLiveness:
      return CachedResult::kSuccess;  // not killed until proven dead
    case ProbeType::kStartup:
      break;
  }
  return CachedResult::kUnknown;
}

Worker::Worker(WorkerEnv& env, ProbeTarget target) : env_(&env), target_(std::move(target)) {
  assert(target_.spec.has_value());
  if (env.history_length > 0) history_ = std::make_unique<ProbeHistory>(env.history_length);
}

Worker::~Worker() = default;

base::Duration Worker::period() const {
  // Validation requires >= 1; an undefaulted 0 would make a busy loop.
  return std::chrono::seconds(std::max<int32_t>(1, target_.spec->period_seconds));
}

void Worker::Start() {
  timer_ = env_->clock->NewTimer();
  base::MonoTime now = env_->clock->Now();
  base::Duration jitter{0};
  // worker.go run: start-up jitter only when the manager started less than one period ago
  // (§3.2.2).
  if (now - env_->manager_start < period()) {
    std::uniform_int_distribution<int64_t> dist(0, period().count() - 1);
    jitter = base::Duration(dist(env_->rng));
  }
  // run creates its ticker after the jitter, so ticks are aligned to the first run (§3.2.3);
  // the first run is rounded up to the tick grid (header comment), and so every later one.
  next_tick_ = AlignUp(now + jitter, env_->tick_grid);
  timer_->Arm(next_tick_, [this] { OnTick(); });
}

void Worker::OnTick() {
  next_tick_ += period();  // this tick is consumed
  Run();
}

void Worker::Run() {
  ran_once_ = true;
  // doProbe times the probe from its own start, before the status lookup (§7.2.2).
  probe_start_ = env_->clock->Now();
  const api::PodStatus* status = env_->status->GetPodStatus(pod_uid());
  switch (PrepareProbe(status)) {
    case Decision::kStop:
      Exit();
      return;
    case Decision::kWait:
      ScheduleNext();
      return;
    case Decision::kProbe:
      break;
  }
  in_flight_ = true;
  env_->prober->Probe(target_, *status, container_id_,
                      [this](ProberResult r) { OnProbeDone(std::move(r)); });
}

void Worker::OnProbeDone(ProberResult result) {
  in_flight_ = false;
  if (stop_requested_) {  // stop arrived during the probe: its result is dropped
    Exit();
    return;
  }
  if (!ApplyResult(result, env_->clock->Now() - probe_start_)) {
    Exit();
    return;
  }
  ScheduleNext();
}

void Worker::ScheduleNext() {
  base::MonoTime now = env_->clock->Now();
  if (manual_pending_) {
    // The trigger was taken after the run. worker.go run: a manual trigger resets the ticker
    // and probes at once (§3.2.4).
    manual_pending_ = false;
    next_tick_ = AlignUp(now + period(), env_->tick_grid);
    timer_->Arm(now, [this] { Run(); });
    return;
  }
  if (next_tick_ <= now) {
    // Ticks passed while busy: Go's ticker kept one (delivered at once) and dropped the rest.
    auto missed = (now - next_tick_) / period() + 1;
    next_tick_ += missed * period();
    timer_->Arm(now, [this] { Run(); });
    return;
  }
  timer_->Arm(next_tick_, [this] { OnTick(); });
}

void Worker::TriggerManualRun() {
  if (stop_requested_ || !timer_) return;
  if (in_flight_ || !ran_once_) {
    manual_pending_ = true;  // taken once the current (or first) run is done
    return;
  }
  if (manual_pending_) return;  // already scheduled "now"
  manual_pending_ = true;
  base::MonoTime now = env_->clock->Now();
  next_tick_ = AlignUp(now + period(), env_->tick_grid);
  timer_->Arm(now, [this] {
    manual_pending_ = false;
    Run();
  });
}

void Worker::Stop() {
  if (stop_requested_) return;
  stop_requested_ = true;
  if (!in_flight_) Exit();
}

void Worker::Exit() {
  if (exited_) return;
  exited_ = true;
  stop_requested_ = true;
  if (timer_) timer_->Cancel();
  // run's deferred cleanup (worker.go, §3.2.6): the cached result is removed (no update), then
  // the metric series are deleted.
  if (!container_id_.empty()) results().Remove(container_id_);
  env_->metrics->Delete(series_);
  series_ = nullptr;
  if (env_->on_exit) env_->on_exit(*this);  // may destroy *this: nothing after it
}

bool Worker::KeepGoingNotRunning(const api::ContainerStatus& c) const {
  // doProbe, ContainerRestartRules on (§3.6.2): keep going for a waiting container; for a
  // terminated one only if ContainerShouldRestart (pkg/api/v1/pod/util.go) says it restarts.
  if (!c.state.terminated) return true;
  return api::ContainerShouldRestart(target_.container_restart_policy, target_.pod->restart_policy,
                                     c.state.terminated->exit_code);
}

Worker::Decision Worker::PrepareProbe(const api::PodStatus* status) {
  // doProbe: no cached pod status yet ("No status for pod"): wait (§3.3.2).
  if (status == nullptr) return Decision::kWait;
  // doProbe: phase Failed or Succeeded ends the worker; the exit cleanup removes the cached
  // result (§3.3.3).
  if (status->phase == api::kPodFailed || status->phase == api::kPodSucceeded) {
    return Decision::kStop;
  }
  // doProbe: no status with this name and an ID: not created yet, or deleted (§3.3.4).
  const api::ContainerStatus* c = FindContainerStatus(*status, target_.container);
  if (c == nullptr) return Decision::kWait;

  // doProbe, new container ID (§3.3.5): remove the old ID's result, write the initial value,
  // lift the hold; resultRun and lastResult carry over (§4.6).
  if (c->container_id != container_id_) {
    if (!container_id_.empty()) results().Remove(container_id_);
    container_id_ = c->container_id;
    // §3.5: a container that outlived a probelet restart gets no initial value: the cache
    // stays empty until real results cross a threshold (readiness does not flap to false).
    if (!RunningSinceBeforeRestart(*c, env_->manager_start_wall)) {
      results().Set(container_id_, InitialValue(target_.type), pod_uid());
    }
    on_hold_ = false;
  }
  // doProbe: on hold (after a liveness failure or any startup result), probe nothing until a
  // new container ID (§3.3.6).
  if (on_hold_) return Decision::kWait;

  // doProbe: a container not running is a Failure for every probe type (§3.3.7).
  if (!c->state.running) {
    results().Set(container_id_, CachedResult::kFailure, pod_uid());
    return KeepGoingNotRunning(*c) ? Decision::kWait : Decision::kStop;
  }

  // doProbe: while the pod is being deleted, liveness and startup write Success and exit
  // ("quiet shutdown"); readiness probes on (§3.3.8).
  const ProbeType type = target_.type;
  if ((pod_deleted_ || target_.pod->deletion_requested) && type != ProbeType::kReadiness) {
    results().Set(container_id_, CachedResult::kSuccess, pod_uid());
    return Decision::kStop;
  }

  // doProbe: wait out initialDelaySeconds, counted in whole seconds (truncated) since the
  // current container's StartedAt (§3.3.9).
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(env_->clock->WallNow() -
                                                                  c->state.running->started_at);
  if (elapsed.count() < target_.spec->initial_delay_seconds) return Decision::kWait;

  // doProbe: with Started true only startup skips; with Started unset or false liveness and
  // readiness skip (§3.3.10).
  if (c->started.value_or(false)) {
    if (type == ProbeType::kStartup) return Decision::kWait;
  } else if (type != ProbeType::kStartup) {
    return Decision::kWait;
  }
  return Decision::kProbe;
}

bool Worker::ApplyResult(const ProberResult& r, base::Duration elapsed) {
  const ProbeTarget& t = target_;
  auto threshold_of = [&](CachedResult run_result) {
    return run_result == CachedResult::kFailure ? t.spec->failure_threshold
                                                : t.spec->success_threshold;
  };
  // doProbe: an errored probe is thrown away: no metric, no counter, no cache write (§3.3.11).
  // The history keeps it, marked discarded, so users see why nothing moved.
  if (r.error) {
    Record(r, elapsed, /*discarded=*/true, /*changed=*/false, result_run_,
           threshold_of(last_result_));
    return true;
  }

  // doProbe records the metrics of every handled probe (§3.3.12, §7.2).
  series_ = env_->metrics->Observe(
      series_, {t.type, t.container, t.pod->name, t.pod->namespace_, t.pod->uid}, r.result,
      elapsed);

  // doProbe: the same result as last time extends the run; another starts a run of 1
  // (§3.3.13).
  if (r.result == last_result_) {
    ++result_run_;
  } else {
    last_result_ = r.result;
    result_run_ = 1;
  }
  const int32_t run = result_run_;
  // doProbe: below failureThreshold (for Failure) or successThreshold (for Success), leave the
  // cache as it is (§3.3.14).
  if ((r.result == CachedResult::kFailure && run < t.spec->failure_threshold) ||
      (r.result == CachedResult::kSuccess && run < t.spec->success_threshold)) {
    Record(r, elapsed, false, false, run, threshold_of(r.result));
    return true;
  }
  // doProbe writes the result at or over the threshold, on every probe; an unchanged value
  // sends no update (§3.3.15).
  bool changed = false;
  if (history_) changed = results().Get(container_id_) != r.result;
  results().Set(container_id_, r.result, pod_uid());
  // doProbe: liveness holds on Failure (the container is being restarted, #21751); startup on
  // any result (#117153). The run restarts from 0 for the next container (§3.3.16).
  if ((t.type == ProbeType::kLiveness && r.result == CachedResult::kFailure) ||
      t.type == ProbeType::kStartup) {
    on_hold_ = true;
    result_run_ = 0;
  }
  Record(r, elapsed, false, changed, run, threshold_of(r.result));
  return true;
}

void Worker::Record(const ProberResult& r, base::Duration elapsed, bool discarded, bool changed,
                    int32_t run, int32_t threshold) {
  if (!history_) return;
  ProbeAttempt a;
  // doProbe's start: the wall clock now, less the time the probe took.
  a.start = env_->clock->WallNow() - elapsed;
  a.duration = elapsed;
  a.result = r.probe_result;
  a.discarded = discarded;
  a.changed = changed;
  a.run_result = discarded ? last_result_ : r.result;
  a.run = run;
  a.threshold = threshold;
  a.cached = results().Get(container_id_).value_or(CachedResult::kUnknown);
  history_->Add(std::move(a), r.output, container_id_);
}

bool Worker::DoProbe(const api::PodStatus* status, const ProberResult& result) {
  switch (PrepareProbe(status)) {
    case Decision::kStop:
      return false;
    case Decision::kWait:
      return true;
    case Decision::kProbe:
      break;
  }
  return ApplyResult(result);
}

}  // namespace probelet::prober
