// PodWorker: runs one pod, the way the kubelet's pod worker and kuberuntime SyncPod do (§6.1-
// §6.5): init containers in order to success, sidecars kept running and gating the next init
// container on their startup probe, then the regular containers; kills what failed its liveness
// or startup probe (grace period §6.3, preStop hook first) and starts it again as the restart
// policy says, through CrashLoopBackOff (§6.5); and after each sync generates the pod's status
// (container states, lastState, restartCount, Started/Ready via the prober manager, phase,
// conditions) into the status manager.
//
// A sync is a short chain: compute the actions (pod_actions.h) from the runtime's view and the
// results caches, kill (kuberuntime_container.h: in parallel; waits for the processes to exit),
// start, regenerate the status (kubelet_pods.h). Only one sync runs at a time; Sync() while one
// runs marks another to follow (the kubelet's pod worker coalesces updates the same way). The
// kill step always completes on a later turn of the loop, even with nothing to kill, so a sync
// that asks for another (a started init container) never recurses. Syncs are triggered by the
// kubelet (results updates, container exits) and by the worker's own back-off timer.
//
// Errors: a kill the runtime could not carry out ends the sync before any start (SyncPod
// returns on a killContainer error) with a Warning "FailedKillPod" event, and the sync is
// retried after kSyncErrorBackOff. A container the runtime could not create is retried after
// its CrashLoopBackOff delay, which grows with each failure.
//
// Termination (Terminate), in the order of the kubelet's SyncTerminatingPod (kubelet.go):
// StopLivenessAndStartup, then every container stopped with its grace period while readiness
// keeps probing, then RemovePod (§2.3.2-2.3.3); then `done` runs.
//
// Thread safety: event loop thread only. Ownership: everything in PodWorkerEnv must outlive the
// worker. Destroying a worker abandons its pending operations (their callbacks do nothing).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "base/clock.h"
#include "kubelet/container_record.h"
#include "kubelet/crash_loop_backoff.h"
#include "kubelet/image_manager.h"
#include "kubelet/kuberuntime_container.h"
#include "kubelet/pod_actions.h"
#include "kubelet/status_manager.h"
#include "probe/probers.h"
#include "prober/prober_manager.h"
#include "runtime/runtime.h"

namespace probelet::kubelet {

struct PodWorkerEnv {
  base::Clock* clock = nullptr;
  runtime::Runtime* runtime = nullptr;
  prober::ProberManager* probers = nullptr;
  StatusManager* status = nullptr;
  api::EventRecorder* recorder = nullptr;
  CrashLoopBackOff* backoff = nullptr;  // shared by all pods, as in the kubelet
  probe::HttpProber* http = nullptr;    // for httpGet preStop hooks; null: such hooks fail
  // Resolves and pulls images (EnsureImageExists) before a create; null for a runtime without
  // images (the process runtime).
  ImageManager* images = nullptr;
  std::string pods_log_dir;  // <state-dir>/pods
};

// The node's IP: the pod IP of every pod on the node's network (the process runtime's, and the
// CRI runtime's unless --pod-network=cni), and every pod's hostIP.
inline constexpr std::string_view kNodeIP = "127.0.0.1";

// How long a failed sync (a kill the runtime could not carry out) waits before it is retried:
// the kubelet's pod worker requeues a pod whose sync returned an error after backOffPeriod
// (kubelet.go; probelet leaves out its jitter).
inline constexpr base::Duration kSyncErrorBackOff = std::chrono::seconds(10);

class PodWorker {
 public:
  PodWorker(const api::Pod& pod, PodWorkerEnv env);
  ~PodWorker();
  PodWorker(const PodWorker&) = delete;
  PodWorker& operator=(const PodWorker&) = delete;

  const api::Pod& pod() const { return pod_; }
  const std::string& uid() const { return pod_.metadata.uid; }

  // Runs a sync now, or after the one in progress.
  void Sync();

  // The runtime reports that one of this pod's containers exited.
  void OnContainerExited(const runtime::ContainerStatus& status);

  // The container name of an instance of this pod, or nullptr.
  const std::string* ContainerName(std::string_view container_id) const;

  // Stops the pod (see the header comment); `done` runs once every container is gone (at once
  // when that is already so). Every caller's `done` runs, a later Terminate's too.
  void Terminate(std::function<void()> done);
  bool terminating() const { return terminating_; }
  bool terminated() const { return terminated_; }
  // Every container of the pod has stopped for good and nothing will restart (phase terminal).
  bool done() const { return pod_done_; }

  // The log file of the current (or, with `previous`, the one before) instance of `container`.
  std::optional<std::string> LogPath(std::string_view container, bool previous) const;

  // The time a sync's first SIGTERM was sent for a liveness/startup kill (for the bench).
  using KillObserver = ContainerKiller::KillObserver;
  void SetKillObserver(KillObserver observer) { killer_.SetKillObserver(std::move(observer)); }

 private:
  using Record = ContainerRecord;
  using Instance = ContainerRecord::Instance;

  // Fills the records with the pod's containers that the runtime already holds (adopted after a
  // probelet restart), oldest first.
  void AdoptInstances();
  Record* FindRecord(std::string_view name);
  const Instance* Latest(const Record& r) const;
  PodInstances BuildInstances() const;
  ProbeCacheLookup CacheLookup() const;

  void RunSync();
  // What killPodWithSyncResult stops now: the running containers, sidecars last.
  std::vector<ContainerToKill> PodKills(const PodInstances& instances) const;
  // The start half of a sync, after its kills: the sandbox when the pod has none, then the
  // containers one at a time in the order of `actions` (SyncPod's steps 4-6); then FinishSync.
  struct StartPlan;
  void StartPod(const PodActions& actions, std::map<std::string, base::MonoTime> last_exits);
  void StartNext(std::shared_ptr<StartPlan> plan);
  // Starts one container unless it is in back-off; `done(started)`, on a later turn when the
  // runtime was asked, at once otherwise.
  void StartContainer(Record& record, const std::map<std::string, base::MonoTime>& last_exits,
                      std::function<void(bool started)> done);
  void CreateAndStart(Record& record, runtime::ContainerConfig config, bool backoff_counted,
                      std::function<void(bool started)> done);
  // Stops (and, when the pod goes, removes) the sandbox, then `done`.
  void StopSandbox(bool remove, std::function<void()> done);
  // Ends a sync; `failed`: a kill failed, so the sync is retried after kSyncErrorBackOff.
  void FinishSync(bool failed = false);
  void UpdateStatus();
  void ScheduleBackOffSync(base::Duration after);
  void RemoveOldInstances(Record& r);
  api::ObjectReference Ref(const Record& r) const;
  api::ObjectReference PodRef() const;
  // <state-dir>/pods/<namespace>_<name>_<uid>: the pod's log directory (the kubelet's layout).
  std::string LogDirectory() const;

  api::Pod pod_;
  PodWorkerEnv env_;
  ContainerRecords records_;
  ContainerKiller killer_;
  std::unique_ptr<base::Timer> backoff_timer_;
  bool syncing_ = false;
  bool resync_ = false;
  bool terminating_ = false;
  bool terminated_ = false;
  bool pod_done_ = false;
  bool initialized_ = false;  // a regular container has started at some point
  // The pod's sandbox (CRI PodSandbox): made by the first sync, stopped when the pod is done.
  std::optional<runtime::PodSandbox> sandbox_;
  int32_t sandbox_attempt_ = 0;
  std::optional<api::Time> start_time_;
  // Every Terminate caller's `done`, called in order once the pod is gone.
  std::vector<std::function<void()>> terminate_done_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace probelet::kubelet
