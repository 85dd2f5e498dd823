// Kubelet: the pods of one probelet process and the wiring between the runtime, the prober
// manager and the pod workers (the kubelet's syncLoop: kubelet.go syncLoopIteration and
// handleProbeSync, §6.1):
//  - a container exit reported by the runtime syncs its pod;
//  - a liveness update syncs the pod when it is a Failure (Success is dropped, §6.1.1);
//  - a readiness update sets the container's Ready in the status manager, then syncs (§6.1.2);
//  - a startup update sets Started (Success only counts as started), then syncs (§6.1.3);
//  - updates for containers of pods it does not know are dropped (§6.1.4).
//
// Shutdown stops every pod as the kubelet stops a deleted pod (pod_worker.h) and calls `done`
// when the last container is gone.
//
// Thread safety: event loop thread only. Ownership: everything passed to the constructor must
// outlive the Kubelet; the Kubelet installs itself as the runtime's exit handler and the
// results caches' consumer, and clears those in its destructor.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubelet/crash_loop_backoff.h"
#include "kubelet/pod_worker.h"

namespace probelet::kubelet {

class Kubelet {
 public:
  // Sees every probe result transition that reaches a cache (for log lines).
  using ProbeObserver = std::function<void(const api::Pod& pod, std::string_view container,
                                           prober::ProbeType type, prober::CachedResult result)>;

  // `env.backoff` may be null: the Kubelet then uses its own CrashLoopBackOff on env.clock.
  explicit Kubelet(PodWorkerEnv env);
  ~Kubelet();
  Kubelet(const Kubelet&) = delete;
  Kubelet& operator=(const Kubelet&) = delete;

  // Starts running `pod` (its UID must be unique). Its first sync runs at once.
  void AddPod(const api::Pod& pod);

  // Deletes a pod as the API server's graceful deletion and the kubelet's pod worker do: its
  // deletionTimestamp is set (its endpoints turn terminating), every container is stopped with
  // its grace period (preStop, SIGTERM, SIGKILL), then the pod is forgotten (its status, its
  // worker) and `done` runs. An unknown UID runs `done` at once.
  void DeletePod(std::string_view pod_uid, std::function<void()> done);

  // The runtime's containers whose pod this kubelet does not run (adopted after a probelet
  // restart, their manifest gone meanwhile): each is stopped with the grace period it was
  // started with (else 30 s) and removed, as the kubelet's HandlePodCleanups kills the
  // runtime pods it has no spec for; then such a pod's sandbox (a CRI runtime's) is stopped and
  // removed, as killPodWithSyncResult does after the containers. Call once the pods at start
  // have been added. Returns how many containers it stops or removes.
  size_t RemoveOrphanedContainers();

  // Stops every pod; `done` runs once all containers are gone (at once when there are none).
  void Shutdown(std::function<void()> done);

  std::vector<api::Pod> ListPods() const { return env_.status->ListPods(); }
  // Without a copy, with each pod's revision (StatusManager::ViewPods).
  std::vector<StatusManager::PodRevision> ViewPods() const { return env_.status->ViewPods(); }
  PodWorker* GetWorker(std::string_view pod_uid) const;
  PodWorker* FindWorker(std::string_view pod_namespace, std::string_view pod_name) const;
  std::optional<std::string> LogPath(std::string_view pod_namespace, std::string_view pod_name,
                                     std::string_view container, bool previous) const;
  const CrashLoopBackOff& backoff() const { return *env_.backoff; }
  size_t pod_count() const { return workers_.size(); }

  void SetProbeObserver(ProbeObserver observer) { probe_observer_ = std::move(observer); }

 private:
  void OnResult(prober::ProbeType type, const prober::ResultUpdate& update);
  void OnExit(const runtime::ContainerStatus& status);

  std::unique_ptr<CrashLoopBackOff> own_backoff_;
  PodWorkerEnv env_;
  std::vector<std::unique_ptr<PodWorker>> workers_;
  // Deleted pods' workers are dropped on a later turn of the loop, not inside their own
  // termination callback.
  std::vector<std::string> forget_;
  std::unique_ptr<base::Timer> forget_timer_;
  ProbeObserver probe_observer_;
};

}  // namespace probelet::kubelet
