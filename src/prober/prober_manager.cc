#include "prober/prober_manager.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "prober/kubelet_restart.h"

namespace probelet::prober {
namespace {

const std::optional<api::Probe>& ProbeOf(const api::Container& c, ProbeType type) {
  switch (type) {
    case ProbeType::kLiveness:
      return c.liveness_probe;
    case ProbeType::kReadiness:
      return c.readiness_probe;
    case ProbeType::kStartup:
      break;
  }
  return c.startup_probe;
}

// AddPod's order per container (§2.3.1): startup, readiness, liveness.
constexpr ProbeType kAddOrder[] = {ProbeType::kStartup, ProbeType::kReadiness,
                                   ProbeType::kLiveness};

const api::ContainerStatus* FindByName(const std::vector<api::ContainerStatus>& statuses,
                                       const std::string& name) {
  for (const auto& s : statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

ProberManager::ProberManager(base::Clock& clock, StatusProvider& status, ProbeHandlers handlers,
                             api::EventRecorder& recorder, ProberMetrics& metrics, uint64_t seed,
                             size_t probe_history)
    : liveness_(clock), readiness_(clock), startup_(clock), prober_(clock, handlers, recorder) {
  env_.clock = &clock;
  env_.status = &status;
  env_.prober = &prober_;
  env_.metrics = &metrics;
  env_.results[static_cast<int>(ProbeType::kLiveness)] = &liveness_;
  env_.results[static_cast<int>(ProbeType::kReadiness)] = &readiness_;
  env_.results[static_cast<int>(ProbeType::kStartup)] = &startup_;
  env_.manager_start = clock.Now();
  env_.manager_start_wall = clock.WallNow();
  env_.rng.seed(seed);
  env_.history_length = probe_history;
  env_.on_exit = [this](Worker& w) { OnWorkerExit(w); };
}

// Workers go first (members in reverse order): no exit callbacks, timers cancelled.
ProberManager::~ProberManager() = default;

ResultsManager& ProberManager::results(ProbeType type) {
  switch (type) {
    case ProbeType::kLiveness:
      return liveness_;
    case ProbeType::kReadiness:
      return readiness_;
    case ProbeType::kStartup:
      break;
  }
  return startup_;
}

Worker* ProberManager::GetWorker(std::string_view pod_uid, std::string_view container,
                                 ProbeType type) const {
  auto it = workers_.find(Key{pod_uid, container, type});
  return it == workers_.end() ? nullptr : it->get();
}

std::vector<ProbeWorkerStatus> ProberManager::ListWorkers(const ProbeWorkerQuery& q) const {
  // Keys first and copies last: a page of a long list copies only its own workers.
  std::vector<std::pair<ProbeWorkerKey, const Worker*>> selected;
  for (const auto& w : workers_) {
    const PodRef& pod = w->pod();
    ProbeWorkerKey key{pod.namespace_, pod.name, w->container_name(), w->probe_type(), pod.uid};
    if (q.Selects(key)) selected.emplace_back(key, w.get());
  }
  auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (selected.size() > q.limit) {
    std::nth_element(selected.begin(), selected.begin() + static_cast<ptrdiff_t>(q.limit),
                     selected.end(), by_key);
    selected.resize(q.limit);
  }
  std::sort(selected.begin(), selected.end(), by_key);
  std::vector<ProbeWorkerStatus> out;
  out.reserve(selected.size());
  for (const auto& [key, w] : selected) {
    const PodRef& pod = w->pod();
    ProbeWorkerStatus& s = out.emplace_back();
    s.pod_namespace = pod.namespace_;
    s.pod_name = pod.name;
    s.pod_uid = pod.uid;
    s.container = w->container_name();
    s.type = w->probe_type();
    s.spec = w->spec();
    s.container_id = w->container_id();
    if (!s.container_id.empty()) {
      const ResultsManager& cache = s.type == ProbeType::kLiveness    ? liveness_
                                    : s.type == ProbeType::kReadiness ? readiness_
                                                                      : startup_;
      s.result = cache.Get(s.container_id);
    }
    s.run_result = w->last_result();
    s.run = w->result_run();
    s.on_hold = w->on_hold();
    if (const ProbeHistory* h = w->history()) {
      s.history_capacity = h->capacity();
      s.attempts_total = h->total();
      if (q.attempts > 0) s.attempts = h->Snapshot(q.attempts, q.since);
    }
  }
  return out;
}

void ProberManager::AddPod(const api::Pod& pod) {
  const std::string& uid = pod.metadata.uid;
  // Shared by the workers created now; made only when one is.
  std::shared_ptr<const PodRef> ref;
  std::set<std::pair<std::string_view, ProbeType>> wanted;

  auto add = [&](const api::Container& c, bool init) {
    for (ProbeType type : kAddOrder) {
      if (!ProbeOf(c, type)) continue;
      wanted.emplace(c.name, type);
      if (Worker* existing = GetWorker(uid, c.name, type)) {
        // The kubelet 1.35 returns here; newer kubelets (and probelet) go on (T32).
        if (pod.metadata.deletion_timestamp) existing->SetPodDeleted();
        continue;
      }
      if (!ref) ref = MakePodRef(pod);
      auto worker = std::make_unique<Worker>(env_, MakeProbeTarget(ref, c, init, type));
      Worker* w = worker.get();
      workers_.insert(std::move(worker));
      w->Start();
    }
  };
  for (const auto& c : pod.spec.containers) add(c, false);
  for (const auto& c : pod.spec.init_containers) {
    if (api::IsRestartableInitContainer(c)) add(c, true);
  }

  // Containers (or their probes) gone from the spec lose their workers (T33).
  std::vector<std::pair<std::string, ProbeType>> gone;
  for (auto it = workers_.lower_bound(Key{uid, "", ProbeType::kLiveness});
       it != workers_.end() && (*it)->pod_uid() == uid; ++it) {
    const Worker& w = **it;
    if (!wanted.contains({w.container_name(), w.probe_type()})) {
      gone.emplace_back(w.container_name(), w.probe_type());
    }
  }
  for (const auto& [name, type] : gone) StopWorker(uid, name, type);
}

void ProberManager::StopWorker(std::string_view pod_uid, std::string_view container,
                               ProbeType type) {
  if (Worker* w = GetWorker(pod_uid, container, type)) w->Stop();  // may erase it
}

void ProberManager::OnWorkerExit(Worker& w) {
  auto it = workers_.find(Key{w.pod_uid(), w.container_name(), w.probe_type()});
  if (it != workers_.end() && it->get() == &w) workers_.erase(it);
}

void ProberManager::StopLivenessAndStartup(const api::Pod& pod) {
  // Regular containers only: sidecars keep their probes (§2.3.2, §9.14 e).
  for (const auto& c : pod.spec.containers) {
    StopWorker(pod.metadata.uid, c.name, ProbeType::kLiveness);
    StopWorker(pod.metadata.uid, c.name, ProbeType::kStartup);
  }
}

void ProberManager::RemovePod(const api::Pod& pod) {
  auto stop_all = [&](const api::Container& c) {
    for (ProbeType type : kAllProbeTypes) StopWorker(pod.metadata.uid, c.name, type);
  };
  for (const auto& c : pod.spec.containers) stop_all(c);
  for (const auto& c : pod.spec.init_containers) {
    if (api::IsRestartableInitContainer(c)) stop_all(c);
  }
}

void ProberManager::CleanupPods(const std::set<std::string>& desired_pod_uids) {
  std::vector<std::tuple<std::string, std::string, ProbeType>> doomed;
  for (const auto& w : workers_) {
    if (!desired_pod_uids.contains(w->pod_uid())) {
      doomed.emplace_back(w->pod_uid(), w->container_name(), w->probe_type());
    }
  }
  for (const auto& [uid, name, type] : doomed) StopWorker(uid, name, type);
}

bool ProberManager::IsContainerStarted(const api::Pod& pod, const api::ContainerStatus& c,
                                       const api::ContainerStatus* previous) const {
  // isContainerStarted (prober_manager.go, §6.6), first match wins: not running -> false; a
  // startup result -> it is Success; Started carried over (step 3, below); a startup worker ->
  // false; otherwise true.
  if (!c.state.running) return false;
  if (auto r = startup_.Get(c.container_id)) return *r == CachedResult::kSuccess;
  // Step 3 with PR #141342's fix (§6.6.1): Started carries over for the same instance only.
  if (previous && previous->container_id == c.container_id && previous->started.value_or(false)) {
    return true;
  }
  if (GetWorker(pod.metadata.uid, c.name, ProbeType::kStartup)) return false;
  return true;  // no startup probe
}

void ProberManager::UpdateReady(const api::Pod& pod, api::ContainerStatus& c) {
  // UpdatePodStatus's Ready for a started container (prober_manager.go, §6.7 steps 2-4): not
  // running -> false; readiness Success -> true; otherwise ready only when there is no
  // readiness worker, and that worker is triggered (§3.8).
  bool ready;
  if (!c.state.running) {
    ready = false;
  } else if (readiness_.Get(c.container_id) == CachedResult::kSuccess) {
    ready = true;
  } else {
    Worker* w = GetWorker(pod.metadata.uid, c.name, ProbeType::kReadiness);
    ready = w == nullptr;  // no readiness probe: ready
    // UpdatePodStatus's manual readiness trigger for a started, running, not-ready container
    // (§3.8).
    if (w) w->TriggerManualRun();
  }
  c.ready = ready;
}

void ProberManager::KeepReadyAcrossRestart(const api::Pod& pod, api::ContainerStatus& c,
                                           const api::PodStatus* previous) const {
  // setReadyStateOnKubeletRestart (§6.11), for a container running since before the restart:
  // with no readiness result yet it is ready, unless it has a readiness probe and the pod's
  // last status (the checkpoint's, kubelet/pod_status_checkpoint.h) was not Ready.
  if (!RunningSinceBeforeRestart(c, env_.manager_start_wall)) return;
  if (!c.ready && !readiness_.Get(c.container_id)) c.ready = true;
  if (GetWorker(pod.metadata.uid, c.name, ProbeType::kReadiness) == nullptr) return;
  bool was_ready = false;
  if (previous != nullptr) {
    for (const auto& cond : previous->conditions) {
      if (cond.type == "Ready") was_ready = cond.status == "True";
    }
  }
  if (!was_ready) c.ready = false;
}

void ProberManager::UpdatePodStatus(const api::Pod& pod, api::PodStatus& status) {
  const api::PodStatus* previous = env_.status->GetPodStatus(pod.metadata.uid);
  auto previous_of = [&](bool init, const std::string& name) -> const api::ContainerStatus* {
    if (!previous) return nullptr;
    return FindByName(init ? previous->init_container_statuses : previous->container_statuses,
                      name);
  };
  // Compute every Started before writing any, in case `status` is the cached one itself.
  std::vector<bool> started_regular, started_init;
  for (const auto& c : status.container_statuses) {
    started_regular.push_back(IsContainerStarted(pod, c, previous_of(false, c.name)));
  }
  for (const auto& c : status.init_container_statuses) {
    started_init.push_back(IsContainerStarted(pod, c, previous_of(true, c.name)));
  }

  for (size_t i = 0; i < status.container_statuses.size(); ++i) {
    auto& c = status.container_statuses[i];
    c.started = started_regular[i];
    // UpdatePodStatus: a container not started keeps Ready as it is (§6.7 step 1).
    if (!started_regular[i]) continue;
    UpdateReady(pod, c);
    KeepReadyAcrossRestart(pod, c, previous);
  }
  for (size_t i = 0; i < status.init_container_statuses.size(); ++i) {
    auto& c = status.init_container_statuses[i];
    c.started = started_init[i];
    // Spec and status are paired by index (GetContainerByIndex); a mismatch is skipped.
    if (i >= pod.spec.init_containers.size() || pod.spec.init_containers[i].name != c.name) {
      continue;
    }
    if (!api::IsRestartableInitContainer(pod.spec.init_containers[i])) {
      // UpdatePodStatus (prober_manager.go, §6.8): a regular init container is ready exactly
      // when it exited 0; probes do not apply to it.
      c.ready = c.state.terminated && c.state.terminated->exit_code == 0;
      continue;
    }
    if (!started_init[i]) continue;
    UpdateReady(pod, c);  // sidecars: as regular containers
    KeepReadyAcrossRestart(pod, c, previous);
  }
}

}  // namespace probelet::prober
