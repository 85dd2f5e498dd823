// Runtime: the container runtime interface, shaped after the CRI RuntimeService that the
// kubelet's kuberuntime manager drives (CreateContainer, StartContainer, StopContainer,
// ExecSync, ContainerStatus, RemoveContainer), cut down to what probelet needs. The pod workers
// (src/kubelet) start, stop and inspect containers only through it; ProcessRuntime
// (process_runtime.h) implements it with supervised child processes, and tests use fakes.
//
// Threading: one event loop. Every method is called on the loop's thread; every callback (the
// done callbacks and the exit handler) runs on that thread, on a later turn of the loop, never
// from inside the call that started the operation. Destroying a Runtime cancels pending
// callbacks (they are not called) and kills what is still running.
//
// Lifecycle of a container (CRI states): Create -> kCreated; Start -> kRunning; the leader
// process exits (by itself or by StopContainer) -> kExited, with exit code, signal, reason and
// finishedAt; Remove -> gone. A container runs once: a restart is a new container (a new ID,
// restart_count + 1), as with the kubelet.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/pod.h"
#include "api/time.h"
#include "base/captured_command.h"
#include "base/clock.h"
#include "base/expected.h"

namespace probelet::runtime {

// The pod a container belongs to: the values of the downward-API fieldRefs (metadata.name,
// metadata.namespace, metadata.uid, status.podIP) and the log location.
struct PodContext {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string pod_ip = "127.0.0.1";   // probelet pods share the host network, unless CNI
  std::string host_ip = "127.0.0.1";  // the node's: status.hostIP, even when pod_ip is a CNI one
};

// A pod's sandbox: what its containers share (CRI PodSandbox: namespaces, cgroup parent, the
// pause container). The process runtime has no sandbox to make: its id is "" and its pod IP the
// node's; the CRI runtime makes one per pod with RunPodSandbox.
struct PodSandbox {
  std::string id;
  std::string pod_ip;  // the IP probes target (the node's for host-network pods)
};

// A sandbox the runtime holds, as the kubelet's cleanup of orphaned pods sees it
// (CRI PodSandbox: id and metadata.uid).
struct PodSandboxStatus {
  std::string id;
  std::string pod_uid;
};

struct PodSandboxConfig {
  const api::Pod* pod = nullptr;  // metadata, hostNetwork/PID/IPC, securityContext; not null
  // The pod's log directory, `<state-dir>/pods/<namespace>_<name>_<uid>` (the kubelet's
  // /var/log/pods layout); the containers' logs go below it.
  std::string log_directory;
  int32_t attempt = 0;  // 0 for the pod's first sandbox, +1 for each one made after
};

struct ContainerConfig {
  api::Container container;  // command, args, env, workingDir, securityContext are used
  PodContext pod;
  std::string sandbox_id;  // from RunPodSandbox ("" for the process runtime)
  // The image to run, as the image manager resolved it (an image id such as "sha256:..."),
  // or "" for a runtime without images.
  std::string image_ref;
  // The log goes to `<log_directory>/<restart_count>.log` (the kubelet's layout: the caller
  // passes `<state-dir>/pods/<namespace>_<name>_<uid>/<container>/`). Created if missing.
  int32_t restart_count = 0;
  std::string log_directory;
  // The pod's terminationGracePeriodSeconds, kept with the container (the kubelet's
  // io.kubernetes.pod.terminationGracePeriod annotation) for a stop without its pod spec.
  std::optional<int64_t> termination_grace_period_seconds;
};

enum class ContainerState { kCreated, kRunning, kExited };
std::string_view ToString(ContainerState state);  // "created" "running" "exited"

// What the runtime knows about one container (CRI ContainerStatus).
struct ContainerStatus {
  std::string id;    // "<runtime name>://<id>": "probelet://<64 hex>", "containerd://<64 hex>"
  std::string name;  // the api::Container's name
  ContainerState state = ContainerState::kCreated;
  api::Time created_at{};
  api::Time started_at{};   // zero until started
  api::Time finished_at{};  // zero until exited
  // Set once exited: the exit code, or 128 + signal when a signal ended it (137 for SIGKILL,
  // 143 for SIGTERM); `signal` is that signal or 0.
  int32_t exit_code = 0;
  int32_t signal = 0;
  // "Completed" for exit code 0, "Error" otherwise, "StartError" when the process could not be
  // started (exit code 128, message says why). Empty while not exited.
  std::string reason;
  std::string message;
  std::string log_path;
  // The image as the pod spec names it and the image's id ("sha256:<config digest>"): the v1
  // status's image and imageID. Empty for the process runtime.
  std::string image;
  std::string image_ref;
  int pid = 0;  // the leader's pid while running, else 0
  // Whose container this is, as the kubelet reads it from a container's CRI labels and
  // annotations: set by runtimes that keep containers across a probelet restart (the process
  // runtime with a state dir), so that the pod workers find the containers they adopt.
  std::string pod_uid;
  int32_t restart_count = 0;
  std::optional<int64_t> termination_grace_period_seconds;
  // Log bytes dropped because the log file could not be written (never blocks the container).
  uint64_t log_dropped_bytes = 0;
};

// The result of ExecSync: CRI ExecSyncResponse plus the two cases the kubelet's CRI client
// (cri-client remote_runtime.go, ExecSync) reports as errors (§5.2.2): kExited
// with exit_code, kTimedOut (killed at the timeout, or its output still held open then), or
// kError (no such container, not running, ENOENT, EACCES...); output is all of stdout, then all
// of stderr, at most kMaxExecOutput bytes. The same type as probe::ExecResult.
using ExecSyncResult = base::CommandResult;
using base::kMaxExecOutput;  // 10 KiB, the kubelet's maxReadLength (§5.2.3)

class Runtime {
 public:
  // Called once per started container when its leader process has exited and the runtime has
  // recorded it (state kExited, log flushed): the pod workers react to exits without polling.
  // Not called for containers that failed to start (StartContainer returned the error).
  using ExitHandler = std::function<void(const ContainerStatus& status)>;

  virtual ~Runtime() = default;

  // The runtime's name in container IDs ("probelet", "containerd"): `<name>://<id>`.
  virtual std::string_view name() const = 0;

  // Makes the pod's sandbox (CRI RunPodSandbox, then PodSandboxStatus for its IP), or hands
  // back the one an earlier probelet made for this pod UID when the runtime adopted it. `done` gets
  // the sandbox, or the error that the pod's sync reports (FailedCreatePodSandBox).
  virtual void RunPodSandbox(const PodSandboxConfig& config,
                             std::function<void(base::Expected<PodSandbox>)> done) = 0;
  // Stops what runs in the sandbox and the sandbox itself; idempotent (an unknown or already
  // stopped sandbox is OK). The pod's containers should have been stopped with their grace
  // periods first: what still runs is killed.
  virtual void StopPodSandbox(const std::string& sandbox_id,
                              std::function<void(base::Status)> done) = 0;
  // Removes a stopped sandbox and every container in it; idempotent.
  virtual void RemovePodSandbox(const std::string& sandbox_id,
                                std::function<void(base::Status)> done) = 0;

  // Prepares a container: ID, argv after $(VAR) expansion, environment, log path. Nothing runs
  // yet. `done` gets the ID. Errors: an empty command+args, an unusable log directory, an
  // unknown sandbox, whatever the runtime refuses.
  virtual void CreateContainer(const ContainerConfig& config,
                               std::function<void(base::Expected<std::string>)> done) = 0;

  // Starts a created container. On failure (executable not found, permission denied, ...) `done`
  // gets the error, and the container is recorded as exited with reason "StartError".
  virtual void StartContainer(const std::string& id, std::function<void(base::Status)> done) = 0;

  // Sends SIGTERM to the container's main process (not to its children: it is the one to stop
  // them, as PID 1 of a container is), then SIGKILL to everything left after `grace_period` (at
  // once when it is zero or negative), as the runtime does for CRI StopContainer(id, timeout), the
  // last step of the kubelet's killContainer (§6.3.6). When the main process exits, whatever it
  // left running is killed. `done` runs once the container has exited (after the exit handler), or
  // at once (on a later turn) when it was not running. Its Status is an error for an unknown
  // ID (the container is then not stopped: a caller should treat it as gone, or report it), and,
  // for a runtime behind a socket (CRI), when the runtime cannot be reached (the container may
  // still run: the caller retries or reports it); a stop signal that cannot be delivered
  // escalates to SIGKILL rather than failing.
  virtual void StopContainer(const std::string& id, base::Duration grace_period,
                             std::function<void(base::Status)> done) = 0;

  // Runs `argv` (no shell, no expansion: the caller expands) in the container's context: its
  // environment, working directory, user, and cgroup when it has one. The timeout (<= 0: none)
  // kills the command and everything in its process group; the call never outlives the timeout
  // by more than cleanup, even if a background child still holds the output pipes.
  virtual void ExecSync(const std::string& id, const std::vector<std::string>& argv,
                        base::Duration timeout, std::function<void(ExecSyncResult)> done) = 0;

  // The container's status, or nullopt for an unknown (or removed) ID.
  virtual std::optional<ContainerStatus> GetContainerStatus(const std::string& id) const = 0;
  virtual std::vector<ContainerStatus> ListContainers() const = 0;
  // The sandboxes the runtime holds for this probelet, adopted ones included; the process
  // runtime has none (its pods share the node).
  virtual std::vector<PodSandboxStatus> ListPodSandboxes() const { return {}; }

  // Forgets a container that is created or exited (its log file stays, for `logs --previous`).
  // Error if it is running (stop it first) or unknown.
  virtual base::Status RemoveContainer(const std::string& id) = 0;

  // One handler; setting another replaces it.
  virtual void SetExitHandler(ExitHandler handler) = 0;

  // The agent's exit, after every pod has been stopped: removes whatever this runtime instance
  // still holds (the CRI runtime: every sandbox with its label); no exit handler is called after
  // it. `done` gets the first error once everything has been tried.
  virtual void Shutdown(std::function<void(base::Status)> done) = 0;

  // Called when the runtime stops answering (healthy = false, with why) and when it answers
  // again after that (true). Meanwhile GetContainerStatus/ListContainers give the last known
  // state, and operations fail (or wait for the runtime, as each says). The process runtime is
  // never unreachable and never calls it.
  using HealthHandler = std::function<void(bool healthy, const std::string& message)>;
  virtual void SetHealthHandler(HealthHandler /*handler*/) {}
};

}  // namespace probelet::runtime
