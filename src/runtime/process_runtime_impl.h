// ProcessRuntime::Impl: the state and the private steps of the process runtime, shared by the
// files that implement it (internal to src/runtime; the contract is process_runtime.h):
//  - process_runtime.cc: construction (cgroup or process-group mode, guard), destruction (kill
//    and reap everything), container records (create, status, remove) and the cleanup of what
//    ended (orphans to reap, cgroups to remove);
//  - container_lifecycle.cc: a container's start, stop, leader exit and end (Finish);
//  - exec_sync.cc: ExecSync over base::CapturedCommand.
//
// Threading and ownership: as ProcessRuntime (the event loop's thread; io and clock outlive it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/async_writer.h"
#include "base/captured_command.h"
#include "base/child_reaper.h"
#include "base/exit_watch.h"
#include "base/pipe_reader.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "runtime/container_log.h"
#include "runtime/guard.h"
#include "runtime/process_runtime.h"

namespace boost::asio {
class io_context;
}

namespace probelet::runtime {

inline constexpr std::string_view kIdPrefix = "probelet://";

// The exit code as a container runtime reports it: the code, or 128 + the signal.
int ExitCode(int wait_status);

// A probelet-shim's report of its spawn (shim mode): the leader's pid and start time.
struct ShimReport {
  pid_t pid = 0;
  api::Time started{};
};

class ProcessRuntime::Impl {
 public:
  Impl(boost::asio::io_context& io, base::Clock& clock, ProcessRuntimeOptions options);
  ~Impl();

  base::Expected<std::string> CreateContainer(const ContainerConfig& config);
  // Synchronous (StartContainerNow): in shim mode it waits for the shim's report.
  base::Status StartContainer(const std::string& id);
  // The loop's start: `done` on a later turn. In shim mode the shim's report is read on the
  // loop (fd readiness), so starts of different containers overlap.
  void StartContainer(const std::string& id, std::function<void(base::Status)> done);
  void StopContainer(const std::string& id, base::Duration grace,
                     std::function<void(base::Status)> done);
  void ExecSync(const std::string& id, const std::vector<std::string>& argv, base::Duration timeout,
                std::function<void(ExecSyncResult)> done);
  std::optional<ContainerStatus> GetContainerStatus(const std::string& id) const;
  std::vector<ContainerStatus> ListContainers() const;
  base::Status RemoveContainer(const std::string& id);
  void SetExitHandler(ExitHandler handler) { exit_handler_ = std::move(handler); }

  bool cgroup_mode() const { return !instance_.empty(); }
  uint64_t log_dropped_lines() const { return log_writer_.dropped_lines(); }
  bool FlushLogs(base::Duration limit) {
    return log_writer_.Flush(std::chrono::duration_cast<std::chrono::milliseconds>(limit));
  }
  size_t pending_work() const { return execs_.size() + cleanups_.size(); }
  bool shim_mode() const { return !options_.state_dir.empty(); }
  base::Status Adopt();
  void Detach() { detached_ = true; }
  // Removes the checkpoints of exited containers (shim mode).
  void RemoveExitedCheckpoints();
  const std::string& instance() const { return instance_; }
  // Runs `fn` on a later turn of the loop, unless the runtime is gone by then.
  void Post(std::function<void()> fn);

 private:
  struct Container;
  struct ExecCall;
  struct PendingStart;
  // What is left after a container or an exec ended: its killed processes to reap once they
  // are ours (we are their subreaper), and its cgroup directory to remove once empty.
  struct Cleanup {
    std::string cgroup_dir;
    std::vector<pid_t> orphans;  // members seen before the kill
    pid_t pgid = 0;              // our zombie children still in this group are its orphans too
    int attempts = 0;
  };

  // How a process is started as the container's (or in its context, for exec): its env,
  // working dir, user and cgroup, killed if probelet dies.
  static base::SpawnOptions SpawnOptionsFor(const Container& c,
                                            const std::vector<std::string>& argv);

  std::string NewId();
  void OnLeaderExit(const std::string& id);
  // Shim mode (shim_lifecycle.cc): the container's start through its shim, the shim's exit
  // (the container's end), the checkpoint, and a signal to the leader.
  base::Status StartWithShim(Container& c, const std::string& id);
  // The loop's start in shim mode: queued (c.starting, without a report yet) and launched in
  // order, at most options_.max_concurrent_starts at a time.
  void QueueStartWithShim(Container& c, const std::string& id,
                          std::function<void(base::Status)> done);
  void LaunchQueuedStarts();
  // Spawns the shim of a queued start and reads its report on the loop (or fails the start).
  void LaunchStart(Container& c, const std::string& id);
  // Writes the spec and spawns the shim (kept in c.shim); the report pipe's read end.
  base::Expected<base::UniqueFd> SpawnShim(Container& c, const std::string& id);
  // The loop's turn after the report, its end of file or its timeout (`result`; nullopt: the
  // line in c.starting): the start's `done`, then a stop asked for meanwhile.
  void FinishStartWithShim(const std::string& id,
                           const std::optional<base::Expected<ShimReport>>& result);
  // The shim's report arrived (or failed): the container runs, checkpointed and watched; on an
  // error the shim is killed and reaped.
  base::Status ShimReported(Container& c, const std::string& id, base::Expected<ShimReport> report);
  // The container `id`, if it may start (created, not starting already).
  base::Expected<Container*> FindStartable(const std::string& id);
  // Opens its log (without a shim) and makes its cgroup.
  base::Status PrepareStart(Container& c);
  // Records a failed start (StartError) and returns `error`.
  base::Status FailStart(Container& c, base::Error error);
  void OnShimExit(const std::string& id);
  std::string ContainerStateDir(const std::string& id) const;
  base::Status SignalLeader(Container& c, int sig);
  std::unique_ptr<Container> AdoptOne(const std::string& dir, base::Status& error);
  void OnPipeEof(const std::string& id);
  void Finish(const std::string& id);
  void KillAll(Container& c);
  void SnapshotMembers(Container& c);
  void OnExecReaped(uint64_t call_id);
  void AddCleanup(Cleanup cleanup);
  void RunCleanups();

  boost::asio::io_context& io_;
  base::Clock& clock_;
  ProcessRuntimeOptions options_;
  // Writes every container's log off the loop; declared before the containers, which use it.
  base::AsyncWriter log_writer_;
  std::string instance_;  // this runtime's cgroup dir; "" in process-group mode
  std::optional<Guard> guard_;
  std::mt19937_64 rng_;
  std::map<std::string, std::unique_ptr<Container>> containers_;
  std::map<uint64_t, std::unique_ptr<ExecCall>> execs_;
  uint64_t next_exec_ = 1;
  std::list<Cleanup> cleanups_;
  std::unique_ptr<base::Timer> cleanup_timer_;
  // Shim mode: starts waiting for their launch (LaunchQueuedStarts), and how many launched
  // starts wait for their shim's report.
  std::deque<std::string> queued_starts_;
  size_t starts_in_flight_ = 0;
  // Reaps the orphans we adopt as subreaper as soon as they exit (child_reaper.h).
  std::optional<base::ChildReaper> reaper_;
  ExitHandler exit_handler_;
  bool detached_ = false;
  // Handlers queued on the loop check this before touching the runtime.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

struct ProcessRuntime::Impl::Container {
  ContainerStatus status;
  ContainerCommand command;
  std::string working_dir;
  std::optional<uint32_t> uid, gid;
  std::string cgroup_dir;    // "" in process-group mode
  base::UniqueFd cgroup_fd;  // the container's cgroup directory (CLONE_INTO_CGROUP)
  std::optional<base::ChildProcess> leader;
  std::unique_ptr<base::ExitWatch> exit_watch;
  std::optional<ContainerLog> log;
  std::shared_ptr<const base::AsyncWriter::Counters> log_counters;  // outlive `log`
  std::unique_ptr<base::PipeReader> out, err;
  bool out_eof = false, err_eof = false;
  std::unique_ptr<base::Timer> kill_timer;
  base::MonoTime kill_deadline = base::MonoTime::max();
  std::unique_ptr<base::Timer> drain_timer;
  bool leader_exited = false;
  int wait_status = 0;
  api::Time exited_at{};
  std::vector<pid_t> orphans;
  std::vector<std::function<void(base::Status)>> stop_waiters;
  // Shim mode: the shim (ours when we started it; only its pidfd when adopted) and a pidfd of
  // the leader for signals; the checkpoint's directory.
  std::optional<base::ChildProcess> shim;
  base::UniqueFd shim_pidfd;
  base::UniqueFd leader_pidfd;
  std::string state_dir;
  std::unique_ptr<PendingStart> starting;  // shim mode: spawned, its report not read yet
  std::optional<int64_t> termination_grace_period_seconds;
  std::string pod_name, pod_namespace;
};

// A start in shim mode from its request until its shim's report (QueueStartWithShim): queued
// while `report` is null, then launched.
struct ProcessRuntime::Impl::PendingStart {
  std::unique_ptr<base::PipeReader> report;
  int report_fd = -1;  // owned by `report`; read directly only when the timeout fires
  std::string line;    // what the shim wrote so far
  std::unique_ptr<base::Timer> timeout;
  std::function<void(base::Status)> done;
  // StopContainer while starting: the smallest grace asked for, and its callers.
  std::optional<base::Duration> stop_grace;
  std::vector<std::function<void(base::Status)>> stop_waiters;
};

// An exec-sync from its start until its leader is reaped (which may come after its result).
struct ProcessRuntime::Impl::ExecCall {
  std::string container_id;
  std::unique_ptr<base::CapturedCommand> command;
};

}  // namespace probelet::runtime
