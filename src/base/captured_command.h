// CapturedCommand: runs one command to completion with its output captured, the contract the
// kubelet's exec probe needs from a runtime (CRI ExecSync, §5.2.2). The one engine behind both
// `probelet probe exec` (probe::NewLocalCommandRunner) and ProcessRuntime::ExecSync; the callers
// only choose the SpawnOptions (this machine, or a container's env, user and cgroup) and map the
// result to their own type.
//
// How a command runs, and why it ends when it does:
//  - argv is exec'd (ChildProcess::Spawn, no shell) as the leader of its own process group,
//    stdin /dev/null, stdout and stderr on two pipes read separately on the loop (PipeReader):
//    the output is all of stdout then all of stderr, as the kubelet's RunInContainer returns it,
//    cut at `max_output` bytes (the kubelet's maxReadLength, 10 KiB, §5.2.3). The pipes are
//    drained past the cap, so a chatty command never blocks on a full pipe.
//  - It completes when the leader has exited AND both pipes are at end of file (containerd's
//    ExecSync drains the output the same way), or at the timeout, whichever comes first. A
//    background grandchild holding a pipe therefore holds the call only until the timeout; the
//    result is then kTimedOut (the kubelet reports the same for `sh -c "daemon &"`, §9.2).
//  - At completion, whatever the reason, the whole process group is SIGKILLed: the call leaves
//    nothing running behind it (a probe starts no daemons). The leader is not reaped before that
//    kill (it stays a zombie after exiting), so its pid, which is the group id, cannot be reused
//    in between and the group kill never hits a stranger.
//  - `done` runs at completion, on a later turn than Start; then the leader is reaped (at once if
//    it had exited, else when the SIGKILL has taken it, watched on its pidfd: the loop never
//    waits for a dying process) and `reaped` runs. The group's other members (killed, not ours
//    to reap unless the caller is their subreaper) are left to the caller, who knows the group
//    id from pid().
//  - A command that could not start (pipes, ENOENT, EACCES...) completes with kError, the
//    message naming argv[0]; `done` then `reaped` run on a later turn.
//  - Exit by a signal is reported as exit code 128 + signal, like runc and containerd.
//
// Thread safety: the io_context's thread; Start must run on the thread that lives as long as the
// children (PR_SET_PDEATHSIG, process.h). Ownership: `io` and `clock` must outlive the command.
// Callbacks may destroy the CapturedCommand. Destroying it before `reaped` cancels both
// callbacks and SIGKILLs the group, reaping the leader (a short blocking wait, as in
// ~ChildProcess).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/process.h"

namespace boost::asio {
class io_context;
}

namespace probelet::base {

// What running a command produced: the shape of the CRI ExecSync reply plus the kubelet's error
// case (probe::ExecResult and runtime::ExecSyncResult mirror it).
struct CommandResult {
  enum class Status {
    kExited,    // ran to the end; exit_code is set
    kTimedOut,  // killed at the timeout (or its output was still held open then)
    kError,     // could not run; error says why and names the command
  };
  Status status = Status::kError;
  int exit_code = 0;
  std::string output;  // stdout, then stderr, at most max_output bytes
  std::string error;
};

// The output an exec keeps: 10 KiB, the rest dropped silently (the kubelet's maxReadLength,
// pkg/probe/exec, §5.2.3). One constant for the exec prober and the runtime's ExecSync.
inline constexpr size_t kMaxExecOutput = 10 * 1024;

struct CapturedCommandOptions {
  // What to run and where. stdout_fd, stderr_fd and new_process_group are set by Start.
  SpawnOptions spawn;
  Duration timeout{};  // <= 0: no timeout
  size_t max_output = kMaxExecOutput;
};

class CapturedCommand {
 public:
  using DoneFn = std::function<void(CommandResult)>;
  using ReapedFn = std::function<void()>;

  // Starts the command; never calls back from inside (an error comes as kError later).
  static std::unique_ptr<CapturedCommand> Start(boost::asio::io_context& io, Clock& clock,
                                                CapturedCommandOptions options, DoneFn done,
                                                ReapedFn reaped = nullptr);
  ~CapturedCommand();
  CapturedCommand(const CapturedCommand&) = delete;
  struct State;
  explicit CapturedCommand(std::shared_ptr<State> state);  // Start's; State is internal
  CapturedCommand& operator=(const CapturedCommand&) = delete;

  // The leader's pid, which is also its process group id; 0 if it never started.
  pid_t pid() const;
  // SIGKILLs the group now (e.g. the container it runs in has ended). The command then
  // completes as usual: kExited with 137 once the output is closed.
  void Kill();

 private:
  std::shared_ptr<State> state_;
};

}  // namespace probelet::base
