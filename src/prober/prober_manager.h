// ProberManager: the kubelet's prober.Manager (prober_manager.go, §2): one Worker per
// (pod UID, container name, probe type), the three results caches, and the pod-status
// hooks (Started §6.6, Ready §6.7, init containers §6.8, the manual readiness trigger §3.8).
//
// Hooks the kubelet calls (§2.3):
//   AddPod        on every pod sync; creates the missing workers of regular containers and
//                 sidecars, in the order startup, readiness, liveness per container, going on
//                 past existing workers (T32, the newer `continue`), and stops the workers of
//                 containers (or probes) no longer in the spec (T33). Existing workers keep
//                 the spec they were created with (probe parameters are not updated, §9.9);
//                 a deletion timestamp on the new pod is passed on to them (§3.3.8).
//   StopLivenessAndStartup  before killing a terminating pod: regular containers only (§2.3.2).
//   RemovePod     after the kill: every worker of the pod (§2.3.3).
//   CleanupPods   housekeeping: workers of pods not in the desired set (§2.3.4).
//   UpdatePodStatus  while generating a pod's status (§2.3.5): fills Started and Ready.
// Stopping is as the kubelet's: a worker with a probe in flight leaves the map when that
// probe completes (worker.h).
//
// Started (§6.6) uses, for step 3, the *previous* status from the StatusProvider: Started is
// kept only when that status has the same container name, the same container ID and
// Started = true (probelet follows PR #141342, §6.6.1). The caller need not carry Started
// over itself. The kubelet-restart exceptions (kubelet_restart.h) apply to containers that
// outlived a probelet restart (issue 12): no initial value (§3.5, in the worker) and Ready kept
// from the pod's last status until a readiness result arrives (§6.11, here).
//
// `probe_history` is how many attempts each worker keeps (probe_history.h; 0: none), which
// ListWorkers copies out for the API.
//
// Thread safety: event loop thread only. Ownership: clock, status provider, handlers,
// recorder and metrics must outlive the manager. Destroying the manager stops every worker
// at once, without callbacks.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "base/clock.h"
#include "prober/container_command_runner.h"
#include "prober/probe_type.h"
#include "prober/probe_worker_status.h"
#include "prober/prober.h"
#include "prober/prober_metrics.h"
#include "prober/results_manager.h"
#include "prober/status_provider.h"
#include "prober/worker.h"

namespace probelet::prober {

class ProberManager {
 public:
  ProberManager(base::Clock& clock, StatusProvider& status, ProbeHandlers handlers,
                api::EventRecorder& recorder, ProberMetrics& metrics, uint64_t seed = 1,
                size_t probe_history = 0);
  ~ProberManager();
  ProberManager(const ProberManager&) = delete;
  ProberManager& operator=(const ProberManager&) = delete;

  // Rounds every worker's ticks up to a multiple of `grid` (WorkerEnv::tick_grid, worker.h);
  // for workers added after the call. REQUIRES: grid divides one second.
  void SetTickGrid(base::Duration grid) { env_.tick_grid = grid; }

  void AddPod(const api::Pod& pod);
  void StopLivenessAndStartup(const api::Pod& pod);
  void RemovePod(const api::Pod& pod);
  void CleanupPods(const std::set<std::string>& desired_pod_uids);
  void UpdatePodStatus(const api::Pod& pod, api::PodStatus& status);
  // §6.11 for one started container (see the file comment).
  void KeepReadyAcrossRestart(const api::Pod& pod, api::ContainerStatus& c,
                              const api::PodStatus* previous) const;

  ResultsManager& liveness_results() { return liveness_; }
  ResultsManager& readiness_results() { return readiness_; }
  ResultsManager& startup_results() { return startup_; }
  ResultsManager& results(ProbeType type);

  size_t worker_count() const { return workers_.size(); }
  // Copies of the workers `query` selects, in ProbeWorkerKey order (namespace, pod, container,
  // type as liveness, readiness, startup, pod UID), each with its last query.attempts attempts;
  // the page after query.after, of at most query.limit, when those are set.
  std::vector<ProbeWorkerStatus> ListWorkers(const ProbeWorkerQuery& query) const;
  // The worker for a key, or nullptr (for tests and the bench).
  Worker* GetWorker(std::string_view pod_uid, std::string_view container, ProbeType type) const;

 private:
  using Key = std::tuple<std::string_view, std::string_view, ProbeType>;
  struct WorkerLess {
    using is_transparent = void;
    static Key KeyOf(const std::unique_ptr<Worker>& w) {
      return {w->pod_uid(), w->container_name(), w->probe_type()};
    }
    static Key KeyOf(const Key& k) { return k; }
    bool operator()(const auto& a, const auto& b) const { return KeyOf(a) < KeyOf(b); }
  };

  void StopWorker(std::string_view pod_uid, std::string_view container, ProbeType type);
  void OnWorkerExit(Worker& worker);
  bool IsContainerStarted(const api::Pod& pod, const api::ContainerStatus& status,
                          const api::ContainerStatus* previous) const;
  void UpdateReady(const api::Pod& pod, api::ContainerStatus& status);

  ResultsManager liveness_;
  ResultsManager readiness_;
  ResultsManager startup_;
  Prober prober_;
  WorkerEnv env_;
  // Keys are views into each worker's own pod: no key copies (memory per worker).
  std::set<std::unique_ptr<Worker>, WorkerLess> workers_;
};

}  // namespace probelet::prober
