// Agent: one probelet node agent, wired and runnable in-process: the runtime (the process
// runtime unless the caller hands it another, e.g. the CRI runtime), the
// probers (http, tcp, grpc, and exec through the runtime), the prober manager and its metrics,
// the status manager, the event store and the Kubelet over them (what `probelet run` used to
// build inline). The API server is not part of it (it is a later stage): the caller serves
// the agent's pods, events and metrics through the accessors (server/agent_pod_source.h).
//
// Lifecycle: construct, AddPod each pod, then Run() until Stop()'s graceful stop ends (every pod
// stopped as the kubelet stops a deleted pod: preStop, SIGTERM, grace, SIGKILL) or Abort().
// An exception that escapes any handler on the loop does not end the process: Run logs it and
// stops the agent gracefully, and then returns 1 (a crash-free exit that still says "failed").
//
// Thread safety: construct, use and destroy on the thread that runs `io`. Ownership: `io` and
// `clock` must outlive the Agent. Destruction (reverse of construction) kills what still runs:
// the Kubelet, then the probers, then the runtime, which SIGKILLs and reaps its containers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/pod.h"
#include "base/clock.h"
#include "kubelet/event_store.h"
#include "kubelet/image_manager.h"
#include "kubelet/kubelet.h"
#include "kubelet/runtime_command_runner.h"
#include "kubelet/status_manager.h"
#include "probe/probers.h"
#include "prober/prober_manager.h"
#include "prober/prober_metrics.h"
#include "runtime/image_service.h"
#include "runtime/process_runtime.h"
#include "runtime/runtime.h"

namespace boost::asio {
class io_context;
}

namespace probelet::kubelet {

struct AgentOptions {
  std::string pods_log_dir;  // <state-dir>/pods: where container logs go
  std::string node_name;     // the events' source host (the kubelet's node name)
  uint64_t prober_seed = 1;  // seeds the probe workers' initial jitter
  // Attempts each probe worker keeps for the API's /probes (--probe-history; 0: none).
  size_t probe_history = 100;
  // Probe ticks are rounded up to a multiple of this, so that probes due within the same
  // slot share one wake-up of the loop (prober/worker.h, "Tick grid"); 0: exact ticks.
  std::chrono::nanoseconds probe_tick_grid = std::chrono::milliseconds(2);
  runtime::ProcessRuntimeOptions runtime;
  // The runtime the pods run on; null: a ProcessRuntime with `runtime` above (the default). The
  // CRI runtime is made (and its endpoint checked) by the caller, who hands it over here.
  std::unique_ptr<runtime::Runtime> container_runtime;
  // Its images (CRI ImageService) when it has any; must outlive nothing more than the Agent.
  runtime::ImageService* images = nullptr;
  // Where each pod's last status is kept across probelet restarts (pod_status_checkpoint.h);
  // empty: nowhere.
  std::string status_checkpoint_dir;
};

class Agent {
 public:
  Agent(boost::asio::io_context& io, base::Clock& clock, AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Starts running `pod` (its UID must be unique); its first sync runs at once.
  void AddPod(const api::Pod& pod) { kubelet_.AddPod(pod); }
  // Stops `pod_uid` gracefully and forgets it (Kubelet::DeletePod); `done` after.
  void DeletePod(std::string_view pod_uid, std::function<void()> done) {
    kubelet_.DeletePod(pod_uid, std::move(done));
  }

  // Runs the loop until the agent has stopped; the largest exit code asked for (0 normally).
  // An exception escaping a handler is logged and starts a graceful Stop(1), and the loop goes
  // on until that stop ends.
  int Run();

  // Stops every pod gracefully, then calls the stopped callback and ends Run. Later calls only
  // raise the exit code: the first stop goes on. Returns whether this call started the stop.
  bool Stop(int exit_code);
  // Ends Run at once (the second signal); the containers die with the Agent's destruction.
  void Abort(int exit_code);
  // Ends Run at once and leaves every container running (--keep-containers-on-exit): the
  // process runtime in shim mode lets its shims go; a later probelet with the same state dir
  // adopts them. A CRI runtime's containers stay in the runtime anyway.
  void Detach(int exit_code);
  bool stopping() const { return stopping_; }

  // Called once every container has stopped, before Run ends (to close the API, the signals).
  void SetStoppedCallback(std::function<void()> stopped) { stopped_ = std::move(stopped); }

  Kubelet& kubelet() { return kubelet_; }
  const Kubelet& kubelet() const { return kubelet_; }
  EventStore& events() { return events_; }
  const EventStore& events() const { return events_; }
  StatusManager& status() { return status_; }
  const prober::ProberMetrics& metrics() const { return metrics_; }
  // The probe workers, for the API's /probes (ListWorkers).
  const prober::ProberManager& probers() const { return probers_; }
  runtime::Runtime& runtime() { return *runtime_; }
  const runtime::Runtime& runtime() const { return *runtime_; }
  // Container log lines dropped because the disk could not keep up: the process runtime writes
  // the logs itself; a CRI runtime's are written by the runtime (0 here).
  uint64_t container_log_dropped_lines() const {
    return process_runtime_ != nullptr ? process_runtime_->log_dropped_lines() : 0;
  }
  probe::HttpProber& http_prober() { return *http_; }

 private:
  static PodWorkerEnv MakeEnv(Agent& self, std::string pods_log_dir);
  static std::unique_ptr<runtime::Runtime> MakeRuntime(boost::asio::io_context& io,
                                                       base::Clock& clock, AgentOptions& options,
                                                       runtime::ProcessRuntime*& process);

  boost::asio::io_context& io_;
  base::Clock& clock_;
  // Before runtime_: MakeRuntime sets it while runtime_ is initialized.
  runtime::ProcessRuntime* process_runtime_ = nullptr;  // runtime_, when it is one
  std::unique_ptr<runtime::Runtime> runtime_;
  runtime::ImageService* images_ = nullptr;
  std::unique_ptr<PodStatusCheckpoint> status_checkpoint_;  // before status_, which uses it
  StatusManager status_;
  EventStore events_;
  std::unique_ptr<probe::HttpProber> http_;
  std::unique_ptr<probe::TcpProber> tcp_;
  std::unique_ptr<probe::GrpcProber> grpc_;
  RuntimeCommandRunner exec_;
  prober::ProberMetrics metrics_;
  prober::ProberManager probers_;
  std::unique_ptr<ImageManager> image_manager_;  // when the runtime has images
  std::string node_name_;
  Kubelet kubelet_;
  std::function<void()> stopped_;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace probelet::kubelet
