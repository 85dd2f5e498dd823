// ProcessRuntime: the Runtime (runtime.h) whose containers are supervised child processes on
// this machine, with no image and no namespaces: the process runtime behind `probelet run`.
//
// A container is one child process (base::ChildProcess) started with:
//  - argv = command + args, each after $(VAR) expansion (api::Expand) with the container's env;
//  - env = PATH (probelet's own, or the usual default), HOME (of the user it runs as), HOSTNAME
//    (this machine's: pods use the host network), then the container's env in order. An env
//    value may refer to earlier ones with $(VAR); fieldRef values are metadata.name,
//    metadata.namespace, metadata.uid and status.podIP (other paths give ""). Nothing else of
//    probelet's environment leaks in.
//  - workingDir when set (else probelet's own working directory);
//  - securityContext.runAsUser/runAsGroup when set (runAsUser alone: the user's primary group
//    from /etc/passwd, else 0, as containerd does);
//  - its own process group, and its own cgroup v2 directory
//    `<cgroup_root>/p<pid>-<start>/r<hex>/<64 hex>` (process, runtime, container) where the machine
//    allows it (cgroup mode), so every descendant can be found and killed with cgroup.kill. When
//    the cgroup cannot be made (no cgroup v2, not root, read-only), the runtime falls back to
//    process-group mode and says so in the log; descendants that leave the group (setsid) then
//    escape the kill.
// stdout and stderr go to the log file in the CRI format (container_log.h), read from pipes on
// the event loop and written by the runtime's log writer thread (base::AsyncWriter), so neither
// the container nor the loop ever waits for a slow disk; what the writer cannot keep up with is
// dropped and counted (log_dropped_lines, ContainerStatus::log_dropped_bytes). An empty
// ContainerConfig::log_directory discards the output. The log of an exited container is on
// disk a moment after its exit is recorded (FlushLogs waits for it).
//
// Stopping sends SIGTERM to the leader alone, as a container runtime signals PID 1 (its children
// are its business: a postmaster shuts its backends down in order). Like a container's pid
// namespace, the container ends when its leader exits: whatever it left behind (in its cgroup,
// or its process group) is SIGKILLed then. Likewise an exec-sync's
// process group does not outlive the call: what the command left running is killed when it
// ends (a probe starts no daemons; containerd would instead hang on a child holding the pipes).
//
// Reaping: the leader is watched through its pidfd and reaped only after the rest of its group
// has been killed (a zombie leader pins the group id). The runtime makes probelet a child
// subreaper (PR_SET_CHILD_SUBREAPER), so the killed descendants become probelet's children
// and are reaped by group id (and, for processes that left the group, from a snapshot of the
// cgroup taken before the kill) instead of lingering as zombies under an init that may not
// reap. Every orphan that becomes probelet's (a container's daemon whose parent exited, an
// exec's background child) is reaped within milliseconds of its exit by a base::ChildReaper
// (SIGCHLD-driven, on the loop), while the container or the exec still runs; the leaders, which
// their ChildProcess claims, are never taken by it. Known limit: with pid_max at 32768 (this
// machine), a group id can in theory be reused within the few milliseconds such a cleanup lasts.
//
// If probelet dies (even by SIGKILL), no container outlives it:
//  1. each leader has PR_SET_PDEATHSIG(SIGKILL) (from the thread that spawned it: the loop's);
//  2. a guard process (guard.h), forked when the runtime is built, waits on a socket to the
//     runtime and, when probelet's end closes without a goodbye, writes cgroup.kill on this
//     instance's cgroup and SIGKILLs every container process group it was told about, then
//     removes the cgroups. In process-group mode a kill inside StartContainer, between the
//     spawn and the guard learning the new group, leaves what the leader forked in that instant.
//  3. at start, a sweep kills and removes the cgroups of instances whose probelet is gone (the
//     instance directory `p<pid>-<start time>` names its owner, so concurrent probelets on one
//     machine, such as parallel tests, leave each other alone; hence the extra path level).
//
// Threading: the event loop's thread only (see runtime.h). Ownership: `io` and `clock` must
// outlive the runtime. Destroying it kills every container still running (SIGKILL) and reaps it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "runtime/container_command.h"
#include "runtime/runtime.h"

namespace boost::asio {
class io_context;
}

namespace probelet::runtime {

struct ProcessRuntimeOptions {
  // Cgroup mode when possible; false forces process-group mode (tests the fallback).
  bool use_cgroups = true;
  std::string cgroup_root = "/sys/fs/cgroup/unified/probelet";
  // Container IDs come from a PRNG seeded with this (reproducible tests), else /dev/urandom.
  std::optional<uint64_t> id_seed;
  // Log lines longer than this are split into "P" (partial) entries, as containerd does with
  // max_container_log_line_size (16 KiB by default).
  size_t max_log_line = 16 * 1024;
  // After a leader exits and the rest is killed, how long to wait for the pipes' end of file
  // before recording the exit anyway (only reached when a process escaped the kill).
  base::Duration log_drain_timeout = std::chrono::seconds(2);
  // The guard process of point 2 above; off only in tests that count child processes.
  bool guard = true;
  // Log bytes queued to the log writer, over all containers, before new lines are dropped.
  size_t log_queue_bytes = 8 << 20;
  // Shim mode (issue 12): with a state dir, each container runs under its own probelet-shim
  // (shim/shim_main.cc) at `shim_path`, which writes its log and records its exit, and its
  // checkpoint (container_checkpoint.h) is kept in <state_dir>/containers; containers outlive
  // probelet (no guard, no PDEATHSIG from probelet) and Adopt() takes them back. The cgroup
  // instance is then <cgroup_root>/s<hash of state_dir>, which the sweep of dead probelets'
  // instances leaves alone. Empty: the containers are probelet's own children (above).
  std::string state_dir;
  std::string shim_path;
  // Shim mode: how many shims may be between their spawn and their report at once. Later
  // starts wait in order and each report launches the next, so a burst of starts (2,000 pods
  // at boot) takes turns with probing instead of spawning every shim in one turn of the loop
  // while the first reports wait, unread, for their timeout. 32 on two cores: 2,000 pods Ready
  // in 14-15.4 s against 16-16.7 s with 16, and no liveness kill on the way (64 starved nginx
  // and the loop, bench/run_vs_haproxy/README.md).
  size_t max_concurrent_starts = 32;
  // Shim mode: how long a shim may take from its spawn to its report (exec of a small static
  // binary and a clone: about a millisecond when a CPU is free).
  base::Duration shim_report_timeout = std::chrono::seconds(10);
};

class ProcessRuntime : public Runtime {
 public:
  ProcessRuntime(boost::asio::io_context& io, base::Clock& clock,
                 ProcessRuntimeOptions options = {});
  ~ProcessRuntime() override;
  ProcessRuntime(const ProcessRuntime&) = delete;
  ProcessRuntime& operator=(const ProcessRuntime&) = delete;

  std::string_view name() const override { return "probelet"; }
  // No sandbox to make: id "", the node's IP (pods share the host network). On a later turn.
  void RunPodSandbox(const PodSandboxConfig& config,
                     std::function<void(base::Expected<PodSandbox>)> done) override;
  void StopPodSandbox(const std::string& sandbox_id,
                      std::function<void(base::Status)> done) override;
  void RemovePodSandbox(const std::string& sandbox_id,
                        std::function<void(base::Status)> done) override;
  void CreateContainer(const ContainerConfig& config,
                       std::function<void(base::Expected<std::string>)> done) override;
  void StartContainer(const std::string& id, std::function<void(base::Status)> done) override;
  // The same two steps without the round trip through the loop: this runtime creates and starts
  // a process synchronously (a spawn), and tests and tools that drive it directly use these.
  base::Expected<std::string> CreateContainerNow(const ContainerConfig& config);
  base::Status StartContainerNow(const std::string& id);
  void StopContainer(const std::string& id, base::Duration grace_period,
                     std::function<void(base::Status)> done) override;
  void ExecSync(const std::string& id, const std::vector<std::string>& argv, base::Duration timeout,
                std::function<void(ExecSyncResult)> done) override;
  std::optional<ContainerStatus> GetContainerStatus(const std::string& id) const override;
  std::vector<ContainerStatus> ListContainers() const override;
  base::Status RemoveContainer(const std::string& id) override;
  void SetExitHandler(ExitHandler handler) override;
  // Nothing to remove (containers die with the runtime's destruction): OK on a later turn. In
  // shim mode, the checkpoints of the exited containers are removed: a graceful stop of
  // every pod leaves nothing for a later probelet to adopt.
  void Shutdown(std::function<void(base::Status)> done) override;

  // Shim mode: takes back the containers that a probelet with the same state dir left, as
  // their checkpoints say: those still running (the shim and the leader are the very processes
  // recorded: pid and start time) are watched again; those that ended meanwhile are recorded
  // exited with the status their shim wrote (or, if the shim died too, as killed). Call once,
  // before anything else. An unreadable or foreign checkpoint is an error naming the file, and
  // nothing is adopted (nothing is killed either). A no-op outside shim mode.
  base::Status Adopt();
  // Shim mode: lets every container run on after the runtime is destroyed
  // (--keep-containers-on-exit); a later probelet adopts them.
  void Detach();

  // True when containers get their own cgroup (decided at construction).
  bool cgroup_mode() const;
  // This instance's cgroup directory ("" in process-group mode).
  std::string instance_cgroup() const;
  // Exec-syncs not yet reaped plus cleanups (killed processes to reap, cgroups to remove) still
  // pending; 0 once everything that ended has been reaped. For tests and diagnostics.
  size_t pending_work() const;
  // Container log lines dropped so far because the log writer could not keep up (or the disk
  // failed): the `probelet_log_dropped_lines_total{log="container"}` metric. Any thread.
  uint64_t log_dropped_lines() const;
  // Waits (blocking, at most `limit`) until every log line read so far is written. For tests
  // and diagnostics, not for the event loop. True if it was.
  bool FlushLogs(base::Duration limit = std::chrono::seconds(10));

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace probelet::runtime
