#include "kubelet/pod_worker.h"

#include <algorithm>
#include <cstdio>

#include "kubelet/pod_phase.h"
#include "kubelet/restart_policy.h"
#include "kubelet/status_generation.h"
#include "probe/http_request.h"

namespace probelet::kubelet {
namespace {

using std::chrono::seconds;

CacheValue ToCacheValue(std::optional<prober::CachedResult> r) {
  if (!r) return CacheValue::kNone;
  switch (*r) {
    case prober::CachedResult::kSuccess:
      return CacheValue::kSuccess;
    case prober::CachedResult::kFailure:
      return CacheValue::kFailure;
    case prober::CachedResult::kUnknown:
      break;
  }
  return CacheValue::kUnknown;
}

// format.Pod: "<name>_<namespace>(<uid>)".
std::string FormatPod(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "(" + pod.metadata.uid + ")";
}

// Calls `done` once `n` completions have been counted (at once for n == 0).
std::function<void()> Barrier(size_t n, std::function<void()> done) {
  if (n == 0) {
    done();
    return [] {};
  }
  auto left = std::make_shared<size_t>(n);
  auto fn = std::make_shared<std::function<void()>>(std::move(done));
  return [left, fn] {
    if (--*left == 0) (*fn)();
  };
}

}  // namespace

std::string GoDurationString(base::Duration d) {
  int64_t s = std::chrono::duration_cast<seconds>(d).count();
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%lldm%llds", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  }
  return buf;
}

PodWorker::PodWorker(const api::Pod& pod, PodWorkerEnv env)
    : pod_(pod), env_(std::move(env)), backoff_timer_(env_.clock->NewTimer()) {
  for (const auto& c : pod_.spec.init_containers) records_[c.name] = Record{&c, true, {}, {}};
  for (const auto& c : pod_.spec.containers) records_[c.name] = Record{&c, false, {}, {}};
  env_.status->AddPod(pod_);
}

PodWorker::~PodWorker() = default;

PodWorker::Record* PodWorker::FindRecord(std::string_view name) {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : &it->second;
}

const PodWorker::Instance* PodWorker::Latest(const Record& r) const {
  return r.instances.empty() ? nullptr : &r.instances.back();
}

const std::string* PodWorker::ContainerName(std::string_view container_id) const {
  for (const auto& [name, r] : records_) {
    for (const auto& i : r.instances) {
      if (i.id == container_id) return &name;
    }
  }
  return nullptr;
}

api::ObjectReference PodWorker::Ref(const Record& r) const {
  return api::ContainerRef(pod_.metadata.namespace_, pod_.metadata.name, pod_.metadata.uid,
                           r.spec->name, r.init);
}

PodInstances PodWorker::BuildInstances() const {
  PodInstances out;
  for (const auto& [name, r] : records_) {
    const Instance* latest = Latest(r);
    if (latest == nullptr) continue;
    ContainerInstance ci;
    ci.id = latest->id;
    auto st = env_.runtime->GetContainerStatus(latest->id);
    if (!st) {
      ci.state = InstanceState::kUnknown;
    } else {
      switch (st->state) {
        case runtime::ContainerState::kCreated:
          ci.state = InstanceState::kCreated;
          break;
        case runtime::ContainerState::kRunning:
          ci.state = InstanceState::kRunning;
          break;
        case runtime::ContainerState::kExited:
          ci.state = InstanceState::kExited;
          ci.exit_code = st->exit_code;
          break;
      }
    }
    out.emplace(name, std::move(ci));
  }
  return out;
}

ProbeCacheLookup PodWorker::CacheLookup() const {
  prober::ProberManager* probers = env_.probers;
  return {[probers](const std::string& id) {
            return ToCacheValue(probers->liveness_results().Get(id));
          },
          [probers](const std::string& id) {
            return ToCacheValue(probers->startup_results().Get(id));
          }};
}

void PodWorker::Sync() {
  if (terminated_) return;
  if (syncing_) {
    resync_ = true;
    return;
  }
  RunSync();
}

void PodWorker::RunSync() {
  syncing_ = true;
  resync_ = false;
  if (!start_time_) start_time_ = env_.clock->WallNow();
  env_.backoff->GC();

  // The exit times of the newest exited instance of each container, as seen when the sync
  // starts: doBackOff looks at this snapshot, not at what the sync's own kills produce (§6.5.6:
  // the first liveness restart of a container that never exited has no back-off).
  std::map<std::string, base::MonoTime> last_exits;
  for (const auto& [name, r] : records_) {
    for (auto it = r.instances.rbegin(); it != r.instances.rend(); ++it) {
      if (it->finished) {
        last_exits[name] = *it->finished;
        break;
      }
    }
  }

  PodInstances instances = BuildInstances();
  PodActions actions;
  if (terminating_ || pod_done_) {
    actions.kill_pod = true;
  } else {
    // "Ensure the pod is being probed" on every sync (§2.3.1).
    env_.probers->AddPod(pod_);
    actions = ComputePodActions(pod_, instances, CacheLookup());
  }

  std::vector<ContainerToKill> kills;
  if (actions.kill_pod) {
    kills = PodKills(instances);
  } else {
    kills = actions.containers_to_kill;
  }

  std::weak_ptr<int> alive = alive_;
  KillAll(std::move(kills), [this, alive, actions, last_exits] {
    if (alive.expired()) return;
    if (actions.kill_pod) {
      if (!terminating_ && !pod_done_) {
        // Nothing is kept and nothing restarts: the pod is finished (SyncTerminatingPod).
        pod_done_ = true;
        env_.probers->StopLivenessAndStartup(pod_);
        env_.probers->RemovePod(pod_);
      }
    } else if (!terminating_) {
      StartContainers(actions, last_exits);
    }
    FinishSync();
  });
}

void PodWorker::FinishSync() {
  UpdateStatus();
  syncing_ = false;
  if (terminating_ && !terminated_) {
    // Anything still running (a kill of the sync that was in flight may have been followed by
    // starts): go round again until nothing runs.
    bool running = false;
    for (const auto& [name, inst] : BuildInstances()) {
      running = running || inst.state == InstanceState::kRunning;
    }
    if (running) {
      RunSync();
      return;
    }
    terminated_ = true;
    backoff_timer_->Cancel();
    env_.probers->RemovePod(pod_);
    UpdateStatus();
    if (terminate_done_) {
      auto done = std::move(terminate_done_);
      done();
    }
    return;
  }
  if (resync_) RunSync();
}

std::vector<ContainerToKill> PodWorker::PodKills(const PodInstances& instances) const {
  // killPodWithSyncResult: every running container, with no message ("Stopping container")
  // and no probe reason, whatever computePodActions found (the kubelet ignores its
  // ContainersToKill in this branch). Sidecars stop only once the other containers are gone
  // (the kubelet's sidecar termination order, KEP-753); the next sync, which their exits
  // trigger, stops them.
  std::vector<ContainerToKill> kills;
  auto collect = [&](bool sidecars) {
    for (const auto* list : {&pod_.spec.init_containers, &pod_.spec.containers}) {
      for (const auto& c : *list) {
        auto it = instances.find(c.name);
        if (it == instances.end() || it->second.state != InstanceState::kRunning) continue;
        const Record& r = records_.at(c.name);
        if ((r.init && api::IsRestartableInitContainer(c)) != sidecars) continue;
        kills.push_back({c.name, it->second.id, r.init, "", KillReason::kUnknown});
      }
    }
  };
  collect(false);
  if (kills.empty()) collect(true);
  return kills;
}

void PodWorker::KillAll(std::vector<ContainerToKill> kills, std::function<void()> done) {
  auto step = Barrier(kills.size(), std::move(done));
  for (const auto& k : kills) KillContainer(k, step);
}

void PodWorker::KillContainer(const ContainerToKill& kill, std::function<void()> done) {
  // A container already being stopped is not stopped twice (no second Killing event, no second
  // preStop hook): this kill completes with the first.
  if (auto it = stopping_.find(kill.container_id); it != stopping_.end()) {
    it->second.push_back(std::move(done));
    return;
  }
  stopping_[kill.container_id].push_back(std::move(done));
  Record* r = FindRecord(kill.name);
  const api::Container& spec = *r->spec;
  int64_t grace = TerminationGracePeriodSeconds(pod_, spec, kill.reason);
  env_.recorder->Record(Ref(*r), api::kEventNormal, "Killing",
                        kill.message.empty() ? "Stopping container " + kill.name : kill.message);
  base::MonoTime start = env_.clock->Now();
  std::weak_ptr<int> alive = alive_;
  std::string id = kill.container_id;
  auto stop = [this, alive, id, grace, start] {
    if (alive.expired()) return;
    base::Duration grace_left = GraceAfterPreStop(grace, env_.clock->Now() - start);
    env_.runtime->StopContainer(id, grace_left, [this, alive, id](base::Status) {
      if (alive.expired()) return;
      auto waiters = std::move(stopping_[id]);
      stopping_.erase(id);
      for (auto& w : waiters) w();
    });
    if (kill_observer_) kill_observer_(id);
  };
  // §6.3.4: the preStop hook runs first when there is time for it.
  if (spec.lifecycle && spec.lifecycle->pre_stop && grace > 0) {
    RunPreStop(spec, id, grace, std::move(stop));
  } else {
    stop();
  }
}

void PodWorker::RunPreStop(const api::Container& spec, const std::string& id, int64_t grace_seconds,
                           std::function<void()> done) {
  const api::LifecycleHandler& hook = *spec.lifecycle->pre_stop;
  Record* r = FindRecord(spec.name);
  api::ObjectReference ref = Ref(*r);
  std::weak_ptr<int> alive = alive_;
  base::Duration limit = seconds(grace_seconds);
  // The hook never holds the kill up for longer than the grace period (executePreStopHook).
  auto fail = [this, alive, ref] {
    if (alive.expired()) return;
    // The kubelet leaves the hook's output out of the event (it may hold secrets).
    env_.recorder->Record(ref, api::kEventWarning, "FailedPreStopHook", "PreStopHook failed");
  };
  if (hook.exec) {
    env_.runtime->ExecSync(
        id, hook.exec->command, limit, [alive, fail, done](runtime::ExecSyncResult res) {
          if (alive.expired()) return;
          if (res.status != runtime::ExecSyncResult::Status::kExited || res.exit_code != 0) {
            fail();
          }
          done();
        });
    return;
  }
  if (hook.http_get) {
    auto req =
        probe::NewRequestForHTTPGetAction(*hook.http_get, spec, kPodIP, "kube-lifecycle/1.35");
    if (!req.ok() || env_.http == nullptr) {
      fail();
      done();
      return;
    }
    env_.http->Probe(*req, limit, [alive, fail, done](probe::Outcome outcome) {
      if (alive.expired()) return;
      if (outcome.result == probe::Result::kFailure || outcome.result == probe::Result::kUnknown) {
        fail();
      }
      done();
    });
    return;
  }
  if (hook.sleep) {
    base::Duration d = std::min<base::Duration>(seconds(hook.sleep->seconds), limit);
    std::erase_if(hook_timers_, [](const auto& kv) { return !kv.second->armed(); });
    auto& timer = hook_timers_[id];
    timer = env_.clock->NewTimer();
    timer->Arm(env_.clock->Now() + d, std::move(done));
    return;
  }
  // tcpSocket hooks are deprecated and not run by the kubelet.
  done();
}

void PodWorker::StartContainers(const PodActions& actions,
                                const std::map<std::string, base::MonoTime>& last_exits) {
  for (size_t idx : actions.init_containers_to_start) {
    Record& r = records_.at(pod_.spec.init_containers[idx].name);
    bool started = StartContainer(r, last_exits);
    // A started init container changes what the next sync decides (a sidecar without a startup
    // probe lets the next container start at once): sync again, as the kubelet's PLEG event
    // for the start would.
    if (started) resync_ = true;
    // A regular init container that did not start stops the sync: the next cannot run yet.
    if (!started && !api::IsRestartableInitContainer(*r.spec)) return;
  }
  for (size_t idx : actions.containers_to_start) {
    Record& r = records_.at(pod_.spec.containers[idx].name);
    if (StartContainer(r, last_exits)) initialized_ = true;
  }
}

bool PodWorker::StartContainer(Record& r, const std::map<std::string, base::MonoTime>& last_exits) {
  const api::Container& spec = *r.spec;
  // doBackOff (§6.5.4).
  if (auto it = last_exits.find(spec.name); it != last_exits.end()) {
    std::string key = CrashLoopBackOff::StableKey(pod_, spec);
    if (env_.backoff->IsInBackOffSince(key, it->second)) {
      env_.recorder->Record(
          Ref(r), api::kEventWarning, "BackOff",
          "Back-off restarting failed container " + spec.name + " in pod " + FormatPod(pod_));
      r.start_failure = api::ContainerStateWaiting{
          "CrashLoopBackOff", "back-off " + GoDurationString(env_.backoff->Get(key)) +
                                  " restarting failed container=" + spec.name +
                                  " pod=" + FormatPod(pod_)};
      ScheduleBackOffSync(env_.backoff->Remaining(key, it->second));
      return false;
    }
    env_.backoff->Next(key, it->second);
  }

  runtime::ContainerConfig config;
  config.container = spec;
  config.pod = {pod_.metadata.name, pod_.metadata.namespace_, pod_.metadata.uid,
                std::string(kPodIP)};
  const Instance* latest = Latest(r);
  config.restart_count = latest ? latest->restart_count + 1 : 0;
  config.log_directory = env_.pods_log_dir + "/" + pod_.metadata.namespace_ + "_" +
                         pod_.metadata.name + "_" + pod_.metadata.uid + "/" + spec.name;
  auto id = env_.runtime->CreateContainer(config);
  if (!id.ok()) {
    env_.recorder->Record(Ref(r), api::kEventWarning, "Failed", "Error: " + id.error().message);
    r.start_failure = api::ContainerStateWaiting{"CreateContainerError", id.error().message};
    // No exited instance to back off from: retry after the initial back-off.
    ScheduleBackOffSync(seconds(10));
    return false;
  }
  Instance inst;
  inst.id = *id;
  inst.restart_count = config.restart_count;
  if (auto st = env_.runtime->GetContainerStatus(*id)) inst.log_path = st->log_path;
  r.instances.push_back(inst);
  RemoveOldInstances(r);
  env_.recorder->Record(Ref(r), api::kEventNormal, "Created", "Created container: " + spec.name);
  base::Status started = env_.runtime->StartContainer(*id);
  if (!started.ok()) {
    // The runtime recorded it as exited (StartError): it backs off like a crash.
    r.instances.back().finished = env_.clock->Now();
    env_.recorder->Record(Ref(r), api::kEventWarning, "Failed",
                          "Error: " + started.error().message);
    r.start_failure = api::ContainerStateWaiting{"RunContainerError", started.error().message};
    resync_ = true;
    return false;
  }
  r.start_failure.reset();
  env_.recorder->Record(Ref(r), api::kEventNormal, "Started", "Started container " + spec.name);
  return true;
}

void PodWorker::RemoveOldInstances(Record& r) {
  // Only the current and the previous instance matter (state, lastState, back-off, logs
  // --previous); older ones are forgotten by the runtime too. Their log files stay.
  while (r.instances.size() > 2) {
    (void)env_.runtime->RemoveContainer(r.instances.front().id);
    r.instances.erase(r.instances.begin());
  }
}

void PodWorker::ScheduleBackOffSync(base::Duration after) {
  base::MonoTime at = env_.clock->Now() + after;
  if (backoff_timer_->armed()) return;  // an earlier one will sync and re-arm as needed
  backoff_timer_->Arm(at, [this] { Sync(); });
}

void PodWorker::OnContainerExited(const runtime::ContainerStatus& status) {
  for (auto& [name, r] : records_) {
    for (auto& i : r.instances) {
      if (i.id == status.id && !i.finished) i.finished = env_.clock->Now();
    }
  }
  Sync();
}

void PodWorker::Terminate(std::function<void()> done) {
  if (terminated_) {
    if (done) done();
    return;
  }
  terminate_done_ = std::move(done);
  if (terminating_) return;
  terminating_ = true;
  backoff_timer_->Cancel();
  // §2.3.2: liveness and startup stop before the kill; readiness goes on until RemovePod.
  env_.probers->StopLivenessAndStartup(pod_);
  if (syncing_) {
    // A sync in flight may be waiting out a long grace period (a liveness kill): stop the
    // others now rather than after it. That sync's end goes on with the termination.
    KillAll(PodKills(BuildInstances()), [] {});
  }
  Sync();
}

std::optional<std::string> PodWorker::LogPath(std::string_view container, bool previous) const {
  auto it = records_.find(container);
  if (it == records_.end()) return std::nullopt;
  const auto& inst = it->second.instances;
  size_t back = previous ? 2 : 1;
  if (inst.size() < back) return std::nullopt;
  const std::string& path = inst[inst.size() - back].log_path;
  if (path.empty()) return std::nullopt;
  return path;
}

namespace {

api::ContainerState ToApiState(const runtime::ContainerStatus& st) {
  api::ContainerState s;
  switch (st.state) {
    case runtime::ContainerState::kRunning:
      s.running = api::ContainerStateRunning{st.started_at};
      break;
    case runtime::ContainerState::kExited: {
      api::ContainerStateTerminated t;
      t.exit_code = st.exit_code;
      t.reason = st.reason;
      t.message = st.message;
      t.started_at = st.started_at;
      t.finished_at = st.finished_at;
      t.container_id = st.id;
      s.terminated = std::move(t);
      break;
    }
    case runtime::ContainerState::kCreated:
      s.waiting = api::ContainerStateWaiting{};
      break;
  }
  return s;
}

}  // namespace

api::ContainerStatus PodWorker::ConvertStatus(const Record& r, bool has_init_containers,
                                              const api::ContainerStatus* old) const {
  // convertToAPIContainerStatuses: the newest instance gives the state, the one before it the
  // lastState; with no instance, the default waiting state (or what the old status said).
  api::ContainerStatus s;
  s.name = r.spec->name;
  s.image = r.spec->image;
  s.state.waiting =
      api::ContainerStateWaiting{has_init_containers ? "PodInitializing" : "ContainerCreating", ""};
  if (old != nullptr) {
    s.restart_count = old->restart_count;
    s.last_state = old->last_state;
  }
  size_t n = r.instances.size();
  if (n >= 1) {
    const Instance& latest = r.instances[n - 1];
    if (auto st = env_.runtime->GetContainerStatus(latest.id)) {
      s.state = ToApiState(*st);
      s.container_id = st->id;
    }
    s.restart_count = latest.restart_count;
    s.image_id = "";
  }
  if (n >= 2) {
    if (auto st = env_.runtime->GetContainerStatus(r.instances[n - 2].id)) {
      s.last_state = ToApiState(*st);
    }
  }
  // A container that will be started again but could not be yet is Waiting with the reason
  // (CrashLoopBackOff, ...) and its last run in lastState.
  if (r.start_failure && !s.state.running) {
    bool skip = false;
    if (r.init && s.state.terminated && s.state.terminated->exit_code == 0) skip = true;
    if (!skip) {
      if (s.state.terminated) s.last_state = s.state;
      s.state = api::ContainerState{};
      s.state.waiting = *r.start_failure;
    }
  }
  return s;
}

void PodWorker::UpdateStatus() {
  const api::PodStatus* old = env_.status->GetPodStatus(uid());
  auto find_old = [old](const std::vector<api::ContainerStatus>* list,
                        const std::string& name) -> const api::ContainerStatus* {
    if (old == nullptr || list == nullptr) return nullptr;
    for (const auto& s : *list) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  api::PodStatus status;
  status.host_ip = kPodIP;
  status.pod_ip = kPodIP;
  status.pod_ips = {api::PodIP{std::string(kPodIP)}};
  status.start_time = start_time_;
  bool has_inits = !pod_.spec.init_containers.empty();
  for (const auto& c : pod_.spec.init_containers) {
    status.init_container_statuses.push_back(
        ConvertStatus(records_.at(c.name), has_inits,
                      find_old(old ? &old->init_container_statuses : nullptr, c.name)));
  }
  for (const auto& c : pod_.spec.containers) {
    status.container_statuses.push_back(
        ConvertStatus(records_.at(c.name), has_inits,
                      find_old(old ? &old->container_statuses : nullptr, c.name)));
  }
  std::vector<api::ContainerStatus> all = AllContainerStatuses(status);
  status.phase = GetPhase(pod_.spec, all, pod_done_, initialized_);
  // A terminal phase sticks (the status manager refuses to leave it).
  if (old != nullptr && (old->phase == api::kPodSucceeded || old->phase == api::kPodFailed)) {
    status.phase = old->phase;
  }
  // Started and Ready (§6.6-6.8), read against the previous status through the status manager.
  env_.probers->UpdatePodStatus(pod_, status);
  // Readiness gates' conditions come from outside: keep them.
  if (old != nullptr) status.conditions = old->conditions;
  GeneratePodConditions(pod_.spec, old ? *old : api::PodStatus{}, status, env_.clock->WallNow());
  env_.status->SetPodStatus(uid(), std::move(status));
}

}  // namespace probelet::kubelet
