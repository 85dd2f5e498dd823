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
  std::string pod_ip = "127.0.0.1";  // probelet pods share the host network
};

struct ContainerConfig {
  api::Container container;  // command, args, env, workingDir, securityContext are used
  PodContext pod;
  // The log goes to `<log_directory>/<restart_count>.log` (the kubelet's layout: the caller
  // passes `<state-dir>/pods/<namespace>_<name>_<uid>/<container>/`). Created if missing.
  int32_t restart_count = 0;
  std::string log_directory;
};

enum class ContainerState { kCreated, kRunning, kExited };
std::string_view ToString(ContainerState state);  // "created" "running" "exited"

// What the runtime knows about one container (CRI ContainerStatus).
struct ContainerStatus {
  std::string id;    // "probelet://<64 hex>"
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
  int pid = 0;  // the leader's pid while running, else 0
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

  // Prepares a container: ID, argv after $(VAR) expansion, environment, log path. Nothing runs
  // yet. Errors: an empty command+args, an unusable log directory.
  virtual base::Expected<std::string> CreateContainer(const ContainerConfig& config) = 0;

  // Starts a created container. On failure (executable not found, permission denied, ...) the
  // error is returned and the container is recorded as exited with reason "StartError".
  virtual base::Status StartContainer(const std::string& id) = 0;

  // Sends SIGTERM to the container's main process (not to its children: it is the one to stop
  // them, as PID 1 of a container is), then SIGKILL to everything left after `grace_period` (at
  // once when it is zero or negative), as the runtime does for CRI StopContainer(id, timeout), the
  // last step of the kubelet's killContainer (§6.3.6). When the main process exits, whatever it
  // left running is killed. `done` runs once the container has exited (after the exit handler), or
  // at once (on a later turn) when it was not running. Its Status is an error only for an unknown
  // ID (the container is then not stopped: a caller should treat it as gone, or report it); a stop
  // signal that cannot be delivered escalates to SIGKILL rather than failing.
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

  // Forgets a container that is created or exited (its log file stays, for `logs --previous`).
  // Error if it is running (stop it first) or unknown.
  virtual base::Status RemoveContainer(const std::string& id) = 0;

  // One handler; setting another replaces it.
  virtual void SetExitHandler(ExitHandler handler) = 0;
};

}  // namespace probelet::runtime
