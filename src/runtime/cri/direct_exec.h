// Direct exec (`--exec-probes=direct`, docs/exec-probes.md): probelet runs an exec probe's
// command inside a running container itself, at the cost of one process start, instead of asking
// the runtime (CRI ExecSync: containerd, the shim and `runc exec`, ~33 ms of CPU per probe).
//
// What the command gets, all taken from the container's init process (init_process.h) through a
// pidfd, so a recycled pid is never joined:
//  - its mnt, uts, ipc, net and cgroup namespaces (setns(pidfd, flags) in the child), its pid
//    namespace (see below), its root (/proc/<pid>/root: fchdir + chroot) and working directory
//    (/proc/<pid>/cwd, entered with fchdir after the user change, as the user);
//  - its cgroups: every v1 hierarchy's cgroup.procs is written by the child before it enters the
//    namespaces; the v2 cgroup (if any) is joined at birth with CLONE_INTO_CGROUP;
//  - its environment (/proc/<pid>/environ), resource limits (prlimit), umask, oom_score_adj (when
//    it differs from ours), uid, gid, supplementary groups, and the capability sets as the init
//    has them (bounding, inheritable, permitted, effective, ambient), then no_new_privs.
// Refused (CannotRunDirect) when that is not the whole confinement: a seccomp filter (strict or
// filter mode; we cannot copy a filter out of another process), an AppArmor or SELinux label,
// a user namespace other than ours, or a process we cannot open.
//
// The pid namespace, and why not a double fork: a pid namespace is entered only by the children
// of the setns caller. Two ways: (a) the child enters the other namespaces, forks again, and
// relays the grandchild's exit (an extra process and exit relay per probe, and a pidfd that names
// the relay, not the command); (b) the spawning thread setns(CLONE_NEWPID)s into the container's
// pid namespace just around the clone3 and back right after (base::SpawnOptions::
// pid_namespace_fd). (b) is used: one process per probe, the pidfd names the command itself, the
// process group kill reaches everything it started, and the spawning thread is the io thread (so
// PR_SET_PDEATHSIG ties the command to probelet as for every other child). The window is a few
// system calls on the io thread, which nothing else runs on meanwhile.
//
// The child allocates nothing: every path, fd, the env array and the numbers it applies are
// prepared before the clone (base::ChildSetup's rule).
//
// Output, timeout and kill semantics are base::CapturedCommand's (the engine underneath): stdout
// then stderr, 10 KiB kept, at the timeout the whole process group is killed, so a background
// child holding the pipe does not stretch the call. Errors before the start (refused, gone) and
// spawn failures (a missing executable: `exec: "x": executable file not found in $PATH`, the text
// runc puts in ExecSync's error) complete with kError.
//
// Thread safety: the io_context's thread (which must live as long as the commands it starts).
// `done` runs on that thread, on a later turn, never inside RunInContainer. Ownership: `io` and
// `clock` outlive the returned handle; destroying the handle cancels `done`, kills the command's
// process group and reaps it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/captured_command.h"
#include "base/clock.h"

namespace boost::asio {
class io_context;
}

namespace probelet::runtime::cri {

// Why direct exec cannot reproduce the confinement of the container whose init is `init_pid`
// ("" = it can): a seccomp mode, an LSM label, another user namespace, a process we cannot open.
std::string CannotRunDirect(pid_t init_pid);

// One command run inside a container. Owns the run (see the file comment).
class DirectExecCommand {
 public:
  struct State;
  explicit DirectExecCommand(std::shared_ptr<State> state);  // RunInContainer's
  ~DirectExecCommand();
  DirectExecCommand(const DirectExecCommand&) = delete;
  DirectExecCommand& operator=(const DirectExecCommand&) = delete;

  // The command's pid (in our pid namespace) and process group id; 0 if it never started.
  pid_t pid() const;
  // SIGKILLs the command's group now; it then completes as CapturedCommand::Kill says.
  void Kill();

 private:
  std::shared_ptr<State> state_;
};

// Runs argv inside the container of `init_pid` (see the file comment); `timeout` <= 0: none.
std::unique_ptr<DirectExecCommand> RunInContainer(boost::asio::io_context& io, base::Clock& clock,
                                                  pid_t init_pid, std::vector<std::string> argv,
                                                  base::Duration timeout,
                                                  std::function<void(base::CommandResult)> done);

}  // namespace probelet::runtime::cri
