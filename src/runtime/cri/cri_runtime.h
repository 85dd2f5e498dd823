// CriRuntime: the Runtime (runtime.h) and ImageService (image_service.h) of a CRI v1 container
// runtime (containerd) reached through a CriClient, driven as the kubelet's kuberuntime manager
// drives it (cri.md §5):
//  - RunPodSandbox: creates the pod's log directory, then RunPodSandbox with MakePodSandboxConfig
//    (cgroup parent `<cgroup_root>/pod<uid>`), then PodSandboxStatus: the pod IP is the
//    sandbox's network.ip with CNI, else the node's IP (host network).
//  - CreateContainer: ImageStatus when runAsNonRoot must be verified against the image's user,
//    MakeContainerConfig, the pod's emptyDir directories, then CreateContainer.
//    Start/Stop/Remove map one to one; StopContainer's timeout is the grace period in seconds,
//    rounded up. StopPodSandbox and RemovePodSandbox are idempotent.
//  - Container IDs: CreateContainer returns "containerd://<id>", the same string as
//    ContainerStatus::id (as ProcessRuntime's "probelet://<id>": the pod workers match exits to
//    instances by it). Every method taking an id accepts it in that form or bare.
//  - Statuses are cached per container. GetContainerStatus/ListContainers answer from the cache
//    at once. The cache follows the runtime through the PLEG's relist: every `relist_period`,
//    ListContainers filtered by kInstanceLabel=instance, then ContainerStatus for each
//    container whose state changed. The exit handler runs once for each container that was
//    started and has exited (by itself, by StopContainer, by StopPodSandbox); a container whose
//    StartContainer failed is recorded as exited StartError and reported only through `done`.
//  - ExecSync: the CRI timeout is the probe timeout in seconds (rounded up; 0 = none), the
//    client deadline that plus `exec_margin` (`exec_without_timeout` with no timeout): containerd
//    does not end a call whose background child holds the output (cri.md §7.1), so the deadline
//    ends it. With `direct_exec`, exec probes run through it when it can.
//  - Only what carries kInstanceLabel=instance is listed, relisted, stopped or removed: another
//    client's sandboxes and containers on the same runtime are never touched. Shutdown stops and
//    removes every sandbox with the label; no exit handler runs after it starts.
//  - Faults: a call that fails with UNAVAILABLE, or a relist that fails, reports unhealthy once
//    through the health handler (the message names the endpoint and the error); the cache
//    keeps the last known states; the relist backs off from `relist_period` doubling to
//    `relist_max_backoff`. The first relist that succeeds again reports healthy and records
//    what happened meanwhile (exits reported; nothing is started again by the runtime).
//
// Threading: the io_context's thread only (runtime.h). Ownership: `io` and `clock` must outlive
// the runtime; it owns the client. Destroying it cancels every pending callback (the client's
// RPCs, the relist timer, posted calls); what runs in containerd keeps running (Shutdown
// removes it).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/expected.h"
#include "runtime/cri/cri_client.h"
#include "runtime/cri/kuberuntime_config.h"
#include "runtime/image_service.h"
#include "runtime/runtime.h"

namespace probelet::runtime::cri {

struct CriRuntimeOptions {
  std::string instance;                   // kInstanceLabel value on everything created
  std::string cgroup_root = "/probelet";  // pod cgroup parent = <cgroup_root>/pod<uid>
  bool cni_network = false;               // --pod-network=cni: pod IP from PodSandboxStatus
  std::string node_ip = "127.0.0.1";      // the pod IP in node-network mode
  int64_t memory_capacity = 0;            // node memory for Burstable oom_score_adj
  base::Duration relist_period = std::chrono::seconds(1);  // PLEG relist
  base::Duration relist_max_backoff = std::chrono::seconds(10);
  base::Duration status_timeout = std::chrono::seconds(10);
  base::Duration call_timeout = std::chrono::seconds(30);
  base::Duration pull_timeout = std::chrono::minutes(5);
  base::Duration exec_margin = std::chrono::seconds(1);  // ExecSync deadline = timeout + margin
  base::Duration exec_without_timeout = std::chrono::minutes(2);  // deadline for timeout <= 0
  // Optional: runs an exec probe itself inside the container (--exec-probes=direct), given the
  // container's init pid (from verbose ContainerStatus info JSON "pid", cached per container).
  // Returns false when it cannot (then CriRuntime falls back to ExecSync). Null: always ExecSync.
  std::function<bool(int init_pid, const std::vector<std::string>& argv, base::Duration timeout,
                     std::function<void(ExecSyncResult)> done)>
      direct_exec;
};

struct RuntimeInfo {
  std::string runtime_name, runtime_version, runtime_api_version;
  bool network_ready = false;
  std::string network_message;  // "NetworkReady=false reason:R message:M" when not ready
};

class CriRuntime : public Runtime, public ImageService {
 public:
  CriRuntime(boost::asio::io_context& io, base::Clock& clock, std::unique_ptr<CriClient> client,
             CriRuntimeOptions options);
  ~CriRuntime() override;
  CriRuntime(const CriRuntime&) = delete;
  CriRuntime& operator=(const CriRuntime&) = delete;

  // Version + Status; fails when not answering or RuntimeReady is false. Call once before
  // anything else; sets name() ("containerd") and starts the relist.
  void CheckRuntime(std::function<void(base::Expected<RuntimeInfo>)> done);
  // Takes back what an earlier probelet with the same instance left in the runtime (it was
  // killed, or left with --keep-containers-on-exit), as a restarted kubelet reads its pods back
  // from the CRI labels: every ready sandbox with this instance's label is kept, with its
  // started containers (ListContainers then shows them, with pod_uid, restart_count and the
  // grace period from their labels and annotations; a running one's exit is reported as usual,
  // an exited one's is not: it is already in its status). The first RunPodSandbox for the same
  // pod UID hands the sandbox back instead of making one. Stopped sandboxes, and containers
  // that were created but never started, are removed. Call after CheckRuntime and before any
  // pod starts. `done` gets what was found.
  struct Adopted {
    size_t sandboxes = 0;   // kept
    size_t containers = 0;  // kept, running or exited
    size_t removed = 0;     // stopped sandboxes removed
  };
  void Adopt(std::function<void(base::Expected<Adopted>)> done);
  // False from an unanswered call until the next relist that succeeds.
  bool healthy() const { return healthy_; }
  // Relists that succeeded so far.
  uint64_t relist_count() const { return relist_count_; }

  std::string_view name() const override { return name_; }
  void RunPodSandbox(const PodSandboxConfig& config,
                     std::function<void(base::Expected<PodSandbox>)> done) override;
  void StopPodSandbox(const std::string& sandbox_id,
                      std::function<void(base::Status)> done) override;
  void RemovePodSandbox(const std::string& sandbox_id,
                        std::function<void(base::Status)> done) override;
  void CreateContainer(const ContainerConfig& config,
                       std::function<void(base::Expected<std::string>)> done) override;
  void StartContainer(const std::string& id, std::function<void(base::Status)> done) override;
  void StopContainer(const std::string& id, base::Duration grace_period,
                     std::function<void(base::Status)> done) override;
  void ExecSync(const std::string& id, const std::vector<std::string>& argv, base::Duration timeout,
                std::function<void(ExecSyncResult)> done) override;
  std::optional<ContainerStatus> GetContainerStatus(const std::string& id) const override;
  std::vector<ContainerStatus> ListContainers() const override;
  std::vector<PodSandboxStatus> ListPodSandboxes() const override;
  // Forgets the container at once; the CRI RemoveContainer runs in the background (its failure
  // is logged: the sandbox's removal removes it anyway).
  base::Status RemoveContainer(const std::string& id) override;
  void SetExitHandler(ExitHandler handler) override { exit_handler_ = std::move(handler); }
  void Shutdown(std::function<void(base::Status)> done) override;
  void SetHealthHandler(HealthHandler handler) override { health_handler_ = std::move(handler); }

  void ImageStatus(const std::string& image,
                   std::function<void(base::Expected<std::optional<ImageInfo>>)> done) override;
  void PullImage(const std::string& image,
                 std::function<void(base::Expected<ImageInfo>)> done) override;

 private:
  struct Sandbox {
    // The pod as RunPodSandbox got it: CreateContainer's input. An adopted sandbox has only
    // config.metadata until its pod's RunPodSandbox claims it.
    api::Pod pod;
    v1::PodSandboxConfig config;  // sent again with each CreateContainer
  };
  struct Container {
    std::string sandbox_id;
    ContainerStatus status;
    bool started = false;        // StartContainer succeeded: its exit is reported
    bool exit_reported = false;  // the exit handler ran (or must never run: StartError)
    int refreshing = 0;          // ContainerStatus calls in flight
    int init_pid = 0;            // for direct_exec; 0 until asked
  };
  using Alive = std::weak_ptr<int>;

  void Post(std::function<void()> fn);
  // A List request (ListPodSandbox, ListContainers) whose filter selects only what carries this
  // instance's label.
  template <typename Request>
  Request InstanceRequest() const {
    Request request;
    (*request.mutable_filter()->mutable_label_selector())[std::string(kInstanceLabel)] =
        options_.instance;
    return request;
  }
  Container* Find(const std::string& id);
  const Container* Find(const std::string& id) const;
  // The Go status text of a failed call (the kubelet's error texts), after OnCallFailed.
  base::Error CallError(const RpcError& error);
  void OnCallFailed(const RpcError& error);
  void SetHealthy(bool healthy, const std::string& message);

  // PodSandboxStatus of a sandbox just made or claimed: its IP (the node's for node network).
  void AnswerSandbox(const std::string& id, bool node_network,
                     std::function<void(base::Expected<PodSandbox>)> done);
  // Adopt's steps (cri_adopt.cc): the containers of the kept sandboxes, then the removals.
  void AdoptContainers(std::shared_ptr<Adopted> adopted, std::vector<std::string> stale,
                       std::function<void(base::Expected<Adopted>)> done);
  void AdoptStatuses(std::vector<v1::Container> items, std::shared_ptr<Adopted> adopted,
                     std::function<void()> then);

  void CreateWithImage(const ContainerConfig& config, const v1::Image* image,
                       std::function<void(base::Expected<std::string>)> done);
  // ContainerStatus for the bare `id`, applied to the cache (an exit reported); `then` runs
  // afterwards, also on failure. RefreshMany: for several, `then` once after all.
  void RefreshStatus(const std::string& id, std::function<void()> then);
  void RefreshMany(const std::vector<std::string>& ids, std::function<void()> then);
  // Applies a CRI status; true when it recorded the exit of a started container not reported.
  bool ApplyStatus(Container& c, const v1::ContainerStatus& status);
  void ReportExit(const std::string& id);
  void ExecThroughCri(const std::string& id, const std::vector<std::string>& argv,
                      base::Duration timeout, std::function<void(ExecSyncResult)> done);

  void ScheduleRelist(base::Duration after);
  void Relist();
  // Stop + Remove of every sandbox with this instance's label; clears the caches.
  void RemoveLabelledSandboxes(std::function<void(base::Expected<size_t>)> done);
  // Stop + Remove of the sandboxes `ids` straight through the client (NOT_FOUND is fine);
  // `done` gets the first error once all were tried.
  void StopAndRemoveSandboxes(const std::vector<std::string>& ids,
                              std::function<void(base::Status)> done);
  void OnRelist(RpcResult<v1::ListContainersResponse> result);

  boost::asio::io_context& io_;
  base::Clock& clock_;
  CriRuntimeOptions options_;
  std::string name_ = "containerd";
  std::map<std::string, Sandbox> sandboxes_;     // by sandbox id
  std::map<std::string, Container> containers_;  // by bare container id
  // Adopted sandboxes not claimed yet by their pod's RunPodSandbox: pod uid -> sandbox id.
  std::map<std::string, std::string> unclaimed_sandboxes_;
  ExitHandler exit_handler_;
  HealthHandler health_handler_;
  bool healthy_ = true;
  bool shut_down_ = false;
  bool relisting_ = false;
  uint64_t relist_count_ = 0;
  base::Duration relist_backoff_{};
  std::unique_ptr<base::Timer> relist_timer_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  // Last: destroyed first, so no RPC completion reaches the members above.
  std::unique_ptr<CriClient> client_;
};

}  // namespace probelet::runtime::cri
