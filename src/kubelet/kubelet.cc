#include "kubelet/kubelet.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

namespace probelet::kubelet {

Kubelet::Kubelet(PodWorkerEnv env) : env_(std::move(env)) {
  if (env_.backoff == nullptr) {
    own_backoff_ = std::make_unique<CrashLoopBackOff>(*env_.clock);
    env_.backoff = own_backoff_.get();
  }
  env_.runtime->SetExitHandler([this](const runtime::ContainerStatus& s) { OnExit(s); });
  for (prober::ProbeType type : prober::kAllProbeTypes) {
    env_.probers->results(type).SetUpdateHandler(
        [this, type](const prober::ResultUpdate& u) { OnResult(type, u); });
  }
}

Kubelet::~Kubelet() {
  env_.runtime->SetExitHandler(nullptr);
  for (prober::ProbeType type : prober::kAllProbeTypes) {
    env_.probers->results(type).SetUpdateHandler(nullptr);
  }
}

void Kubelet::AddPod(const api::Pod& pod) {
  api::Pod admitted = pod;
  // The API server stamps a pod when it is created; probelet's pods are created here.
  if (!admitted.metadata.creation_timestamp) {
    admitted.metadata.creation_timestamp = env_.clock->WallNow();
  }
  workers_.push_back(std::make_unique<PodWorker>(admitted, env_));
  workers_.back()->Sync();
}

PodWorker* Kubelet::GetWorker(std::string_view pod_uid) const {
  for (const auto& w : workers_) {
    if (w->uid() == pod_uid) return w.get();
  }
  return nullptr;
}

PodWorker* Kubelet::FindWorker(std::string_view pod_namespace, std::string_view pod_name) const {
  for (const auto& w : workers_) {
    if (w->pod().metadata.namespace_ == pod_namespace && w->pod().metadata.name == pod_name) {
      return w.get();
    }
  }
  return nullptr;
}

std::optional<std::string> Kubelet::LogPath(std::string_view pod_namespace,
                                            std::string_view pod_name, std::string_view container,
                                            bool previous) const {
  PodWorker* w = FindWorker(pod_namespace, pod_name);
  if (w == nullptr) return std::nullopt;
  return w->LogPath(container, previous);
}

void Kubelet::OnExit(const runtime::ContainerStatus& status) {
  for (const auto& w : workers_) {
    if (w->ContainerName(status.id) != nullptr) {
      w->OnContainerExited(status);
      return;
    }
  }
}

void Kubelet::OnResult(prober::ProbeType type, const prober::ResultUpdate& update) {
  PodWorker* w = GetWorker(update.pod_uid);
  // handleProbeSync (kubelet.go) drops an update whose pod is no longer known (§6.1.4).
  if (w == nullptr) return;
  const std::string* container = w->ContainerName(update.container_id);
  if (probe_observer_ && container != nullptr) {
    probe_observer_(w->pod(), *container, type, update.result);
  }
  switch (type) {
    case prober::ProbeType::kLiveness:
      if (update.result == prober::CachedResult::kFailure) w->Sync();
      break;
    case prober::ProbeType::kReadiness:
      env_.status->SetContainerReadiness(update.pod_uid, update.container_id,
                                         update.result == prober::CachedResult::kSuccess);
      w->Sync();
      break;
    case prober::ProbeType::kStartup:
      env_.status->SetContainerStartup(update.pod_uid, update.container_id,
                                       update.result == prober::CachedResult::kSuccess);
      w->Sync();
      break;
  }
}

void Kubelet::DeletePod(std::string_view pod_uid, std::function<void()> done) {
  PodWorker* w = GetWorker(pod_uid);
  if (w == nullptr) {
    if (done) done();
    return;
  }
  const api::Pod& pod = w->pod();
  env_.status->MarkDeleted(pod_uid, env_.clock->WallNow(),
                           pod.spec.termination_grace_period_seconds.value_or(30));
  w->Terminate([this, uid = std::string(pod_uid), done = std::move(done)] {
    forget_.push_back(uid);
    if (!forget_timer_) forget_timer_ = env_.clock->NewTimer();
    forget_timer_->Arm(env_.clock->Now(), [this] {
      for (const auto& gone : forget_) {
        std::erase_if(workers_, [&](const auto& w) { return w->uid() == gone; });
        env_.status->RemovePod(gone);
      }
      forget_.clear();
    });
    if (done) done();
  });
}

size_t Kubelet::RemoveOrphanedContainers() {
  env_.status->PruneCheckpoint();
  runtime::Runtime* rt = env_.runtime;
  // Per orphaned pod: its sandboxes, removed once its last running container has stopped.
  struct OrphanPod {
    size_t stopping = 0;
    std::vector<std::string> sandboxes;
  };
  auto orphans = std::make_shared<std::map<std::string, OrphanPod>>();
  auto remove_sandboxes = [rt, orphans](const std::string& uid) {
    for (const auto& id : (*orphans)[uid].sandboxes) {
      rt->StopPodSandbox(id, [rt, id](base::Status stopped) {
        if (!stopped.ok()) spdlog::warn("stop pod sandbox {}: {}", id, stopped.error().message);
        rt->RemovePodSandbox(id, [id](base::Status removed) {
          if (!removed.ok()) {
            spdlog::warn("remove pod sandbox {}: {}", id, removed.error().message);
          }
        });
      });
    }
  };
  for (const auto& sandbox : rt->ListPodSandboxes()) {
    if (GetWorker(sandbox.pod_uid) == nullptr) {
      (*orphans)[sandbox.pod_uid].sandboxes.push_back(sandbox.id);
    }
  }
  size_t n = 0;
  for (const auto& st : rt->ListContainers()) {
    if (st.pod_uid.empty() || GetWorker(st.pod_uid) != nullptr) continue;
    ++n;
    const std::string id = st.id;
    if (st.state != runtime::ContainerState::kRunning) {
      (void)rt->RemoveContainer(id);
      continue;
    }
    ++(*orphans)[st.pod_uid].stopping;
    const auto grace = std::chrono::seconds(st.termination_grace_period_seconds.value_or(30));
    spdlog::info("stopping container {} ({}) of pod uid {}: its pod is no longer in any manifest",
                 st.name, id, st.pod_uid);
    rt->StopContainer(id, grace,
                      [rt, id, uid = st.pod_uid, orphans, remove_sandboxes](base::Status) {
                        (void)rt->RemoveContainer(id);
                        if (--(*orphans)[uid].stopping == 0) remove_sandboxes(uid);
                      });
  }
  for (const auto& [uid, pod] : *orphans) {
    if (pod.stopping == 0) remove_sandboxes(uid);
  }
  return n;
}

void Kubelet::Shutdown(std::function<void()> done) {
  auto left = std::make_shared<size_t>(workers_.size());
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  if (*left == 0) {
    if (*finish) (*finish)();
    return;
  }
  for (const auto& w : workers_) {
    w->Terminate([left, finish] {
      if (--*left == 0 && *finish) (*finish)();
    });
  }
}

}  // namespace probelet::kubelet
