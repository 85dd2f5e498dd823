// ExecSync of the process runtime: a command run in a running container's context (its env,
// working dir, user and cgroup) by base::CapturedCommand, the engine `probelet probe exec`
// shares. What the command left in its process group is killed when it completes, and reaped
// here (the runtime is the subreaper of its containers' processes) once its leader is.
#include <fcntl.h>

#include <utility>

#include "runtime/process_runtime_impl.h"

namespace probelet::runtime {

void ProcessRuntime::Impl::ExecSync(const std::string& id, const std::vector<std::string>& argv,
                                    base::Duration timeout,
                                    std::function<void(ExecSyncResult)> done) {
  auto fail = [&](std::string message) {
    ExecSyncResult r;
    r.status = ExecSyncResult::Status::kError;
    r.error = std::move(message);
    Post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  };
  auto it = containers_.find(id);
  if (it == containers_.end()) return fail("no such container: " + id);
  Container& c = *it->second;
  if (c.status.state != ContainerState::kRunning || c.leader_exited) {
    return fail("container " + id + " is not running");
  }
  if (argv.empty()) return fail("exec: empty command");
  uint64_t call_id = next_exec_++;
  auto call = std::make_unique<ExecCall>();
  call->container_id = id;
  base::SpawnOptions spawn = SpawnOptionsFor(c, argv);
  // In shim mode probelet keeps no fd of a running container's cgroup (the shim has one): the
  // directory is opened for the spawn only.
  base::UniqueFd cgroup;
  if (!c.cgroup_fd.valid() && !c.cgroup_dir.empty()) {
    cgroup.Reset(::open(c.cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    spawn.cgroup_fd = cgroup.get();
  }
  // Start never calls back from inside, so the call can be recorded after it.
  call->command = base::CapturedCommand::Start(
      io_, clock_, {.spawn = std::move(spawn), .timeout = timeout, .max_output = kMaxExecOutput},
      std::move(done), [this, call_id] { OnExecReaped(call_id); });
  execs_.emplace(call_id, std::move(call));
}

void ProcessRuntime::Impl::OnExecReaped(uint64_t call_id) {
  auto it = execs_.find(call_id);
  if (it == execs_.end()) return;
  // The leader is reaped; the cleanup reaps the rest of its (killed) group as it becomes ours.
  // Its waitpid(-pgid) never takes the leader from its ChildProcess: that one is already gone.
  pid_t pgid = it->second->command->pid();
  execs_.erase(it);  // destroys the command from inside its own callback, which it allows
  if (pgid > 0) AddCleanup(Cleanup{"", {}, pgid});
}

}  // namespace probelet::runtime
