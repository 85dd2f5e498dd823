#include "kubelet/pod_worker.h"

#include <algorithm>
#include <chrono>

#include "api/pod_helpers.h"
#include "base/go_duration.h"
#include "kubelet/kubelet_pods.h"

namespace probelet::kubelet {
namespace {

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

}  // namespace

PodWorker::PodWorker(const api::Pod& pod, PodWorkerEnv env)
    : pod_(pod),
      env_(std::move(env)),
      killer_(pod_, *env_.clock, *env_.runtime, *env_.recorder, env_.http, std::string(kNodeIP)),
      backoff_timer_(env_.clock->NewTimer()) {
  for (const auto& c : pod_.spec.init_containers) records_[c.name] = Record{&c, true, {}, {}};
  for (const auto& c : pod_.spec.containers) records_[c.name] = Record{&c, false, {}, {}};
  AdoptInstances();
  env_.status->AddPod(pod_);
}

void PodWorker::AdoptInstances() {
  // After a probelet restart the runtime may still hold this pod's containers (the process
  // runtime's shim mode, issue 12): the kubelet reads them back from its runtime the same way
  // (kubecontainer.PodStatus from the CRI labels) and goes on from there: a running one is
  // kept, an exited one restarts as the policy says, with the next restart count.
  std::map<std::string, std::vector<runtime::ContainerStatus>> by_name;
  for (auto& st : env_.runtime->ListContainers()) {
    if (!st.pod_uid.empty() && st.pod_uid == uid()) by_name[st.name].push_back(std::move(st));
  }
  const api::Time wall_now = env_.clock->WallNow();
  const base::MonoTime now = env_.clock->Now();
  for (auto& [name, list] : by_name) {
    Record* r = FindRecord(name);
    if (r == nullptr) continue;  // not in this spec: the orphan cleanup removes it
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.restart_count < b.restart_count; });
    for (const auto& st : list) {
      Instance inst;
      inst.id = st.id;
      inst.restart_count = st.restart_count;
      inst.log_path = st.log_path;
      if (st.state == runtime::ContainerState::kExited) {
        // The exit on the monotonic clock, as if seen when it happened: back-off counts from it.
        inst.finished =
            now - std::max(base::Duration::zero(),
                           std::chrono::duration_cast<base::Duration>(wall_now - st.finished_at));
      }
      r->instances.push_back(std::move(inst));
    }
    RemoveOldInstances(*r);
  }
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

api::ObjectReference PodWorker::PodRef() const {
  api::ObjectReference ref;
  ref.namespace_ = pod_.metadata.namespace_;
  ref.name = pod_.metadata.name;
  ref.uid = pod_.metadata.uid;
  return ref;
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
    // SyncPod (kubelet.go) calls AddPod on every sync, "Ensure the pod is being probed": it
    // creates the workers that are missing (§2.3.1).
    env_.probers->AddPod(pod_);
    actions = ComputePodActions(pod_, instances, CacheLookup());
  }

  std::vector<ContainerToKill> kills;
  if (actions.kill_pod) {
    kills = PodKills(instances);
  } else {
    kills = actions.containers_to_kill;
  }

  // The kill step completes on a later loop turn even when there is nothing to kill, so a
  // sync that asks for another (resync_) never runs it inside this one.
  std::weak_ptr<int> alive = alive_;
  killer_.KillContainers(kills, [this, alive, actions, last_exits](base::Status killed) {
    if (alive.expired()) return;
    if (!killed.ok()) {
      // SyncPod returns on a killContainer error, before any start; the pod worker retries
      // the sync later. The kubelet logs it; probelet's log is its events.
      env_.recorder->Record(PodRef(), api::kEventWarning, "FailedKillPod",
                            "error killing pod: " + killed.error().message);
      FinishSync(/*failed=*/true);
      return;
    }
    if (actions.kill_pod) {
      if (!terminating_ && !pod_done_) {
        // Nothing is kept and nothing restarts: the pod is finished (SyncTerminatingPod), and
        // its sandbox is stopped as killPodWithSyncResult stops it after the containers.
        pod_done_ = true;
        env_.probers->StopLivenessAndStartup(pod_);
        env_.probers->RemovePod(pod_);
        StopSandbox(/*remove=*/false, [this] { FinishSync(); });
        return;
      }
    } else if (!terminating_) {
      StartPod(actions, last_exits);
      return;
    }
    FinishSync();
  });
}

void PodWorker::FinishSync(bool failed) {
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
      if (failed) {
        // The runtime could not stop a container: try again later, not in a busy loop.
        backoff_timer_->Arm(env_.clock->Now() + kSyncErrorBackOff, [this] { Sync(); });
        return;
      }
      RunSync();
      return;
    }
    backoff_timer_->Cancel();
    env_.probers->RemovePod(pod_);
    // The pod goes: its sandbox too (StopPodSandbox, then RemovePodSandbox, which the kubelet's
    // garbage collector does later). The sync stays "running" meanwhile, so an exit reported
    // now only marks a resync, which terminated_ then drops.
    syncing_ = true;
    StopSandbox(/*remove=*/true, [this] {
      syncing_ = false;
      terminated_ = true;
      UpdateStatus();
      auto callbacks = std::move(terminate_done_);
      terminate_done_.clear();
      for (auto& done : callbacks) done();
    });
    return;
  }
  if (failed) ScheduleBackOffSync(kSyncErrorBackOff);
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
        const bool init = list == &pod_.spec.init_containers;
        if ((init && api::IsRestartableInitContainer(c)) != sidecars) continue;
        kills.push_back({c.name, it->second.id, init, "", KillReason::kUnknown});
      }
    }
  };
  collect(false);
  if (kills.empty()) collect(true);
  return kills;
}

struct PodWorker::StartPlan {
  struct Step {
    Record* record;
    bool init;
  };
  std::vector<Step> steps;
  size_t next = 0;
  std::map<std::string, base::MonoTime> last_exits;
};

std::string PodWorker::LogDirectory() const {
  return env_.pods_log_dir + "/" + pod_.metadata.namespace_ + "_" + pod_.metadata.name + "_" +
         pod_.metadata.uid;
}

void PodWorker::StartPod(const PodActions& actions,
                         std::map<std::string, base::MonoTime> last_exits) {
  // The constructor made a record for every container of pod_; the lookups below cannot miss,
  // and a miss (a bug) skips the container instead of ending the process.
  auto plan = std::make_shared<StartPlan>();
  for (size_t idx : actions.init_containers_to_start) {
    if (Record* r = FindRecord(pod_.spec.init_containers[idx].name)) {
      plan->steps.push_back({r, true});
    }
  }
  for (size_t idx : actions.containers_to_start) {
    if (Record* r = FindRecord(pod_.spec.containers[idx].name)) plan->steps.push_back({r, false});
  }
  plan->last_exits = std::move(last_exits);
  if (sandbox_) {
    StartNext(std::move(plan));
    return;
  }
  // SyncPod step 4: the pod's sandbox before any container (createPodSandbox).
  runtime::PodSandboxConfig config{&pod_, LogDirectory(), sandbox_attempt_};
  std::weak_ptr<int> alive = alive_;
  env_.runtime->RunPodSandbox(
      config, [this, alive, plan](base::Expected<runtime::PodSandbox> sandbox) mutable {
        if (alive.expired()) return;
        if (!sandbox.ok()) {
          // SyncPod records FailedCreatePodSandBox and returns the error; the pod worker
          // retries the sync after its back-off, with the next attempt number (a failed
          // sandbox may linger in the runtime under the old one).
          env_.recorder->Record(PodRef(), api::kEventWarning, "FailedCreatePodSandBox",
                                "Failed to create pod sandbox: " + sandbox.error().message);
          ++sandbox_attempt_;
          FinishSync(/*failed=*/true);
          return;
        }
        sandbox_ = std::move(*sandbox);
        killer_.SetPodIP(sandbox_->pod_ip);
        StartNext(std::move(plan));
      });
}

void PodWorker::StartNext(std::shared_ptr<StartPlan> plan) {
  // A Terminate during the starts: what is not started yet stays so.
  if (terminating_ || plan->next == plan->steps.size()) {
    FinishSync();
    return;
  }
  const StartPlan::Step step = plan->steps[plan->next++];
  std::weak_ptr<int> alive = alive_;
  StartContainer(*step.record, plan->last_exits, [this, alive, plan, step](bool started) {
    if (alive.expired()) return;
    if (step.init) {
      // A started init container changes what the next sync decides (a sidecar without a
      // startup probe lets the next container start at once): sync again, as the kubelet's
      // PLEG event for the start would.
      if (started) resync_ = true;
      // A regular init container that did not start stops the sync: the next cannot run yet.
      if (!started && !api::IsRestartableInitContainer(*step.record->spec)) {
        FinishSync();
        return;
      }
    } else if (started) {
      initialized_ = true;
    }
    StartNext(plan);
  });
}

void PodWorker::StartContainer(Record& r, const std::map<std::string, base::MonoTime>& last_exits,
                               std::function<void(bool started)> done) {
  const api::Container& spec = *r.spec;
  // doBackOff (kuberuntime_manager.go): when less than the current back-off has passed since
  // the newest exit, record BackOff, wait as CrashLoopBackOff and start nothing; else Next()
  // and start (§6.5.4).
  const std::string key = CrashLoopBackOff::StableKey(pod_, spec);
  bool backoff_counted = false;  // this start is a restart the back-off has counted
  if (auto it = last_exits.find(spec.name); it != last_exits.end()) {
    if (env_.backoff->IsInBackOffSince(key, it->second)) {
      env_.recorder->Record(
          Ref(r), api::kEventWarning, "BackOff",
          "Back-off restarting failed container " + spec.name + " in pod " + api::FormatPod(pod_));
      r.start_failure = api::ContainerStateWaiting{
          "CrashLoopBackOff", "back-off " + base::FormatGoDuration(env_.backoff->Get(key)) +
                                  " restarting failed container=" + spec.name +
                                  " pod=" + api::FormatPod(pod_)};
      ScheduleBackOffSync(env_.backoff->Remaining(key, it->second));
      done(false);
      return;
    }
    env_.backoff->Next(key, it->second);
    backoff_counted = true;
  }

  runtime::ContainerConfig config;
  config.container = spec;
  config.pod = {pod_.metadata.name, pod_.metadata.namespace_, pod_.metadata.uid, sandbox_->pod_ip,
                std::string(kNodeIP)};
  config.sandbox_id = sandbox_->id;
  const Instance* latest = Latest(r);
  config.restart_count = latest ? latest->restart_count + 1 : 0;
  config.log_directory = LogDirectory() + "/" + spec.name;
  config.termination_grace_period_seconds = pod_.spec.termination_grace_period_seconds;
  if (env_.images == nullptr) {
    CreateAndStart(r, std::move(config), backoff_counted, std::move(done));
    return;
  }
  // startContainer's first step: EnsureImageExists. Its failure is the container's waiting
  // reason (ErrImagePull, ImagePullBackOff, ErrImageNeverPull); SyncPod returns the error and
  // the pod worker retries after its back-off, when the image manager pulls again or answers
  // ImagePullBackOff.
  std::weak_ptr<int> alive = alive_;
  Record* record = &r;
  env_.images->EnsureImageExists(
      pod_, spec, Ref(r),
      [this, alive, record, config = std::move(config), backoff_counted,
       done = std::move(done)](ImageResult image) mutable {
        if (alive.expired()) return;
        if (!image.ok()) {
          record->start_failure = api::ContainerStateWaiting{image.reason, image.message};
          ScheduleBackOffSync(kSyncErrorBackOff);
          done(false);
          return;
        }
        if (terminating_) {
          done(false);
          return;
        }
        config.image_ref = image.image_ref;
        CreateAndStart(*record, std::move(config), backoff_counted, std::move(done));
      });
}

void PodWorker::CreateAndStart(Record& r, runtime::ContainerConfig config, bool backoff_counted,
                               std::function<void(bool started)> done) {
  std::weak_ptr<int> alive = alive_;
  Record* record = &r;  // records_ never loses an entry: the pointer outlives the calls
  auto created = [this, alive, record, backoff_counted, done,
                  restart_count = config.restart_count](base::Expected<std::string> id) {
    if (alive.expired()) return;
    Record& r = *record;
    const api::Container& spec = *r.spec;
    if (!id.ok()) {
      env_.recorder->Record(Ref(r), api::kEventWarning, "Failed", "Error: " + id.error().message);
      r.start_failure = api::ContainerStateWaiting{"CreateContainerError", id.error().message};
      // No instance exited, so doBackOff would not hold the next try back: the failed create
      // counts as a restart in the container's back-off (once per attempt) and the retry waits
      // out its delay, which grows with each failure like a crash loop's.
      const std::string key = CrashLoopBackOff::StableKey(pod_, spec);
      if (!backoff_counted) env_.backoff->Next(key, env_.clock->Now());
      ScheduleBackOffSync(env_.backoff->Get(key));
      done(false);
      return;
    }
    if (terminating_) {
      // The pod is going: a container created meanwhile is not started (the kubelet would
      // start it and then stop it again).
      (void)env_.runtime->RemoveContainer(*id);
      done(false);
      return;
    }
    Instance inst;
    inst.id = *id;
    inst.restart_count = restart_count;
    if (auto st = env_.runtime->GetContainerStatus(*id)) inst.log_path = st->log_path;
    r.instances.push_back(inst);
    RemoveOldInstances(r);
    env_.recorder->Record(Ref(r), api::kEventNormal, "Created", "Created container: " + spec.name);
    env_.runtime->StartContainer(*id, [this, alive, record, done](base::Status started) {
      if (alive.expired()) return;
      Record& r = *record;
      if (!started.ok()) {
        // The runtime recorded it as exited (StartError): it backs off like a crash.
        r.instances.back().finished = env_.clock->Now();
        env_.recorder->Record(Ref(r), api::kEventWarning, "Failed",
                              "Error: " + started.error().message);
        r.start_failure = api::ContainerStateWaiting{"RunContainerError", started.error().message};
        resync_ = true;
        done(false);
        return;
      }
      r.start_failure.reset();
      env_.recorder->Record(Ref(r), api::kEventNormal, "Started",
                            "Started container " + r.spec->name);
      done(true);
    });
  };
  env_.runtime->CreateContainer(config, std::move(created));
}

void PodWorker::StopSandbox(bool remove, std::function<void()> done) {
  if (!sandbox_) {
    done();
    return;
  }
  const std::string id = sandbox_->id;
  std::weak_ptr<int> alive = alive_;
  // Errors are reported and not retried: the runtime stops a sandbox's leftovers when it is
  // removed, and probelet's shutdown removes every sandbox it made.
  auto report = [this](const char* what, const base::Status& status) {
    if (status.ok()) return;
    env_.recorder->Record(PodRef(), api::kEventWarning, "FailedKillPod",
                          std::string("error ") + what + " pod sandbox: " + status.error().message);
  };
  env_.runtime->StopPodSandbox(
      id, [this, alive, id, remove, report, done = std::move(done)](base::Status stopped) {
        if (alive.expired()) return;
        report("stopping", stopped);
        if (!remove) {
          done();
          return;
        }
        env_.runtime->RemovePodSandbox(id, [this, alive, report, done](base::Status removed) {
          if (alive.expired()) return;
          report("removing", removed);
          sandbox_.reset();
          done();
        });
      });
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
  if (done) terminate_done_.push_back(std::move(done));
  if (terminating_) return;
  terminating_ = true;
  backoff_timer_->Cancel();
  // SyncTerminatingPod (kubelet.go): StopLivenessAndStartup before the kill; readiness keeps
  // probing until RemovePod after it (§2.3.2).
  env_.probers->StopLivenessAndStartup(pod_);
  if (syncing_) {
    // A sync in flight may be waiting out a long grace period (a liveness kill): stop the
    // others now rather than after it. That sync's end goes on with the termination.
    // Their errors are the sync's to handle: its end kills again what still runs.
    killer_.KillContainers(PodKills(BuildInstances()), [](base::Status) {});
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

void PodWorker::UpdateStatus() {
  const api::PodStatus* old = env_.status->GetPodStatus(uid());
  PodStatusInputs inputs{sandbox_ ? std::string_view(sandbox_->pod_ip) : std::string_view(),
                         kNodeIP,
                         start_time_,
                         pod_done_,
                         initialized_,
                         env_.clock->WallNow()};
  api::PodStatus status =
      GenerateAPIPodStatus(pod_, records_, *env_.runtime, *env_.probers, old, inputs);
  env_.status->SetPodStatus(uid(), std::move(status));
}

}  // namespace probelet::kubelet
