// A container's life in the process runtime: start (spawn the leader into its cgroup, read its
// output into the log), stop (the stop signal, then SIGKILL after the grace period), the
// leader's exit (what it left is killed, as at the end of a pid namespace) and the record of
// its end (Finish). See process_runtime.h for the contract.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "runtime/cgroup.h"
#include "runtime/process_runtime_impl.h"

namespace probelet::runtime {

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 128;
}

base::SpawnOptions ProcessRuntime::Impl::SpawnOptionsFor(const Container& c,
                                                         const std::vector<std::string>& argv) {
  base::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.env = c.command.env;
  spawn.working_dir = c.working_dir;
  spawn.uid = c.uid;
  spawn.gid = c.gid;
  spawn.new_process_group = true;
  spawn.cgroup_fd = c.cgroup_fd.get();
  spawn.die_with_parent = true;
  return spawn;
}

base::Status ProcessRuntime::Impl::FailStart(Container& c, base::Error error) {
  c.status.state = ContainerState::kExited;
  c.status.exit_code = 128;
  c.status.reason = "StartError";
  c.status.message = error.message;
  c.status.finished_at = clock_.WallNow();
  c.log.reset();
  c.cgroup_fd.Reset();
  if (!c.cgroup_dir.empty()) (void)RemoveCgroupTree(c.cgroup_dir);
  return error;
}

base::Expected<ProcessRuntime::Impl::Container*> ProcessRuntime::Impl::FindStartable(
    const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return base::Error{"no such container: " + id};
  Container& c = *it->second;
  if (c.status.state != ContainerState::kCreated || c.starting) {
    return base::Error{"container " + id + " is " +
                       std::string(c.starting ? "starting" : ToString(c.status.state)) +
                       ", not created"};
  }
  return &c;
}

base::Status ProcessRuntime::Impl::PrepareStart(Container& c) {
  const std::string& id = c.status.id;
  if (!c.status.log_path.empty() && !shim_mode()) {
    auto log = ContainerLog::Open(log_writer_, c.status.log_path, options_.max_log_line);
    if (!log.ok()) return FailStart(c, log.error());
    c.log.emplace(std::move(log).value());
    c.log_counters = c.log->counters();
  }
  if (cgroup_mode()) {
    std::string dir = instance_ + "/" + id.substr(kIdPrefix.size());
    if (auto st = MakeCgroup(dir); !st.ok()) {
      spdlog::warn("runtime: container {} runs without a cgroup (process-group mode): {}",
                   c.status.name, st.error().message);
    } else {
      c.cgroup_fd.Reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!c.cgroup_fd.valid()) {
        spdlog::warn("runtime: container {} runs without a cgroup: open {}: {}", c.status.name, dir,
                     std::strerror(errno));
        (void)RemoveCgroupTree(dir);
      } else {
        c.cgroup_dir = dir;
      }
    }
  }
  return {};
}

void ProcessRuntime::Impl::StartContainer(const std::string& id,
                                          std::function<void(base::Status)> done) {
  if (!shim_mode()) {
    Post([done = std::move(done), started = StartContainer(id)]() mutable {
      done(std::move(started));
    });
    return;
  }
  auto c = FindStartable(id);
  if (!c.ok()) {
    Post([done = std::move(done), error = c.error()] { done(error); });
    return;
  }
  QueueStartWithShim(**c, id, std::move(done));
}

base::Status ProcessRuntime::Impl::StartContainer(const std::string& id) {
  auto startable = FindStartable(id);
  if (!startable.ok()) return startable.error();
  Container& c = **startable;
  if (auto st = PrepareStart(c); !st.ok()) return st;
  auto fail = [&](base::Error error) { return FailStart(c, std::move(error)); };
  if (shim_mode()) {
    if (auto st = StartWithShim(c, id); !st.ok()) return fail(st.error());
    return {};
  }
  auto out = base::Pipe::Make();
  if (!out.ok()) return fail(out.error());
  auto err = base::Pipe::Make();
  if (!err.ok()) return fail(err.error());
  base::SpawnOptions spawn = SpawnOptionsFor(c, c.command.argv);
  spawn.stdout_fd = out->write.get();
  spawn.stderr_fd = err->write.get();
  auto child = base::ChildProcess::Spawn(spawn);
  // The write ends close here (only the child holds them now), so EOF means the child and
  // everything it started are done with their output.
  out->write.Reset();
  err->write.Reset();
  if (!child.ok()) return fail(child.error());
  c.leader.emplace(std::move(child).value());
  c.status.state = ContainerState::kRunning;
  c.status.started_at = clock_.WallNow();
  c.status.pid = c.leader->pid();
  if (guard_) guard_->AddProcessGroup(c.leader->pid());

  auto reader = [this, id](LogStream stream) {
    return [this, id, stream](std::string_view chunk) {
      auto it = containers_.find(id);
      if (it != containers_.end() && it->second->log) {
        it->second->log->Append(stream, chunk, clock_.WallNow());
      }
    };
  };
  c.out = std::make_unique<base::PipeReader>(
      io_, out->read.Release(), reader(LogStream::kStdout), [this, id] {
        auto it = containers_.find(id);
        if (it == containers_.end()) return;
        it->second->out_eof = true;
        if (it->second->log) it->second->log->EndStream(LogStream::kStdout, clock_.WallNow());
        OnPipeEof(id);
      });
  c.err = std::make_unique<base::PipeReader>(
      io_, err->read.Release(), reader(LogStream::kStderr), [this, id] {
        auto it = containers_.find(id);
        if (it == containers_.end()) return;
        it->second->err_eof = true;
        if (it->second->log) it->second->log->EndStream(LogStream::kStderr, clock_.WallNow());
        OnPipeEof(id);
      });
  c.exit_watch =
      std::make_unique<base::ExitWatch>(io_, c.leader->pidfd(), [this, id] { OnLeaderExit(id); });
  return {};
}

// Remembers the container's processes (other than the leader) before they are killed, to reap
// those that become ours.
// (The members of the leader's group are found by their group id; this catches those in the
// cgroup that left the group.)
void ProcessRuntime::Impl::SnapshotMembers(Container& c) {
  if (!c.leader || c.leader->reaped() || c.cgroup_dir.empty()) return;
  pid_t leader = c.leader->pid();
  for (pid_t p : CgroupProcs(c.cgroup_dir)) {
    // Exec-sync leaders live in the cgroup too, but their ChildProcess reaps them.
    bool exec_leader = std::any_of(execs_.begin(), execs_.end(), [p](const auto& e) {
      return e.second->command && e.second->command->pid() == p;
    });
    if (p != leader && !exec_leader) c.orphans.push_back(p);
  }
}

void ProcessRuntime::Impl::KillAll(Container& c) {
  if (shim_mode()) {
    // The shim reaps what is killed (it is the container's subreaper) and records the exit.
    if (!c.cgroup_dir.empty() && KillCgroup(c.cgroup_dir).ok()) return;
    // Process-group mode: the group, while its leader (whose pid is the group id) lives.
    pollfd p{c.leader_pidfd.get(), POLLIN, 0};
    if (c.leader_pidfd.valid() && ::poll(&p, 1, 0) == 0) ::kill(-c.status.pid, SIGKILL);
    return;
  }
  SnapshotMembers(c);
  if (!c.cgroup_dir.empty()) {
    if (auto st = KillCgroup(c.cgroup_dir); !st.ok()) {
      spdlog::warn("runtime: cgroup.kill for {}: {}", c.status.name, st.error().message);
    }
  }
  // Also the group: covers process-group mode, and a leader whose cgroup could not be joined.
  if (c.leader && !c.leader->reaped()) (void)c.leader->SignalGroup(SIGKILL);
}

void ProcessRuntime::Impl::OnLeaderExit(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Container& c = *it->second;
  c.exited_at = clock_.WallNow();
  // Like the end of a pid namespace: what the leader leaves behind is killed. The leader is
  // still a zombie here, so its group id cannot have been reused.
  pid_t leader = c.leader->pid();
  KillAll(c);
  // The container's exec-syncs end with it (in cgroup mode they were in its cgroup anyway).
  for (auto& [call_id, call] : execs_) {
    if (call->container_id == id && call->command) call->command->Kill();
  }
  c.wait_status = c.leader->TryReap().value_or(0);
  c.leader_exited = true;
  c.exit_watch.reset();
  if (guard_) guard_->RemoveProcessGroup(leader);
  if (c.kill_timer) c.kill_timer->Cancel();
  if (c.out_eof && c.err_eof) {
    Finish(id);
    return;
  }
  // Everything holding the pipes is being killed: end of file follows at once, unless a
  // process escaped (process-group mode); then stop waiting after the drain timeout.
  c.drain_timer = clock_.NewTimer();
  c.drain_timer->Arm(clock_.Now() + options_.log_drain_timeout, [this, id] { Finish(id); });
}

void ProcessRuntime::Impl::OnPipeEof(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Container& c = *it->second;
  if (c.leader_exited && c.out_eof && c.err_eof) Finish(id);
}

void ProcessRuntime::Impl::Finish(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Container& c = *it->second;
  if (c.status.state == ContainerState::kExited) return;
  c.drain_timer.reset();
  api::Time now = clock_.WallNow();
  if (c.log) {
    // After a drain timeout: whatever partial line is pending still goes out.
    if (!c.out_eof) c.log->EndStream(LogStream::kStdout, now);
    if (!c.err_eof) c.log->EndStream(LogStream::kStderr, now);
    c.status.log_dropped_bytes = c.log->dropped_bytes();
  }
  c.out.reset();
  c.err.reset();
  c.log.reset();
  c.status.state = ContainerState::kExited;
  c.status.finished_at = c.exited_at;
  c.status.exit_code = ExitCode(c.wait_status);
  c.status.signal = WIFSIGNALED(c.wait_status) ? WTERMSIG(c.wait_status) : 0;
  c.status.reason = c.status.exit_code == 0 ? "Completed" : "Error";
  c.status.pid = 0;
  pid_t pgid = c.leader ? c.leader->pid() : 0;  // in shim mode the shim reaped the group
  c.leader.reset();
  c.shim.reset();
  c.shim_pidfd.Reset();
  c.leader_pidfd.Reset();
  c.cgroup_fd.Reset();
  std::sort(c.orphans.begin(), c.orphans.end());
  c.orphans.erase(std::unique(c.orphans.begin(), c.orphans.end()), c.orphans.end());
  AddCleanup(Cleanup{std::exchange(c.cgroup_dir, ""), std::exchange(c.orphans, {}), pgid});
  spdlog::debug("runtime: container {} ({}) exited with {}", c.status.name, id, c.status.exit_code);

  ContainerStatus status = c.status;
  auto waiters = std::exchange(c.stop_waiters, {});
  std::weak_ptr<int> alive = alive_;
  if (exit_handler_) exit_handler_(status);
  for (auto& w : waiters) {
    if (alive.expired()) return;
    w(base::Status::Ok());
  }
}

void ProcessRuntime::Impl::StopContainer(const std::string& id, base::Duration grace,
                                         std::function<void(base::Status)> done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) {
    Post([done = std::move(done), id] { done(base::Error{"no such container: " + id}); });
    return;
  }
  Container& c = *it->second;
  if (c.starting) {
    // Its shim has not reported yet: the stop follows the start (at once if the start fails).
    PendingStart& p = *c.starting;
    p.stop_grace = p.stop_grace ? std::min(*p.stop_grace, grace) : grace;
    p.stop_waiters.push_back(std::move(done));
    return;
  }
  if (c.status.state != ContainerState::kRunning) {
    Post([done = std::move(done)] { done(base::Status::Ok()); });
    return;
  }
  c.stop_waiters.push_back(std::move(done));
  if (c.leader_exited) return;  // already on its way out
  base::MonoTime deadline = clock_.Now() + grace;
  if (grace <= base::Duration::zero()) {
    KillAll(c);
    return;
  }
  if (deadline >= c.kill_deadline) return;  // an earlier stop's deadline comes first
  if (c.kill_deadline == base::MonoTime::max()) {
    // The first stop: SIGTERM to the main process only, as a container runtime delivers the
    // stop signal to the container's PID 1 (runc's kill without --all). Its children hear of it
    // through it (a postmaster shuts its backends down in order); whatever is left when it
    // exits is killed then (OnLeaderExit), as a pid namespace's teardown does.
    if (auto st = SignalLeader(c, SIGTERM); !st.ok() && st.error().sys_errno != ESRCH) {
      spdlog::warn("runtime: stop signal to container {}: {}: killing it", c.status.name,
                   st.error().message);
      KillAll(c);
      return;
    }
  }
  c.kill_deadline = deadline;
  if (!c.kill_timer) c.kill_timer = clock_.NewTimer();
  c.kill_timer->Arm(deadline, [this, id] {
    auto it2 = containers_.find(id);
    if (it2 == containers_.end() || it2->second->leader_exited) return;
    spdlog::info("runtime: container {} still running after its grace period: SIGKILL",
                 it2->second->status.name);
    KillAll(*it2->second);
  });
}

}  // namespace probelet::runtime
