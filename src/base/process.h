// ChildProcess: a move-only RAII child process. Used by CapturedCommand (captured_command.h:
// `probelet probe exec` and the process runtime's exec-sync) and by the process runtime's
// containers; ExitWatch (exit_watch.h) tells the event loop when one exits.
//
// How a child is started (why clone3 and not posix_spawn or fork):
//  - clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD [| CLONE_INTO_CGROUP]) as a raw syscall, on a
//    64 KiB stack in Spawn's own frame: the child runs in probelet's memory until it execs, as
//    posix_spawn's does, so no page table is copied and a spawn costs the same whatever
//    probelet's size; the calling thread is suspended until the child has exec'd or exited.
//    The pidfd comes back atomically with the pid (no window for pid reuse), and a child asked
//    into a cgroup is born there: it never runs, nor forks, outside it.
//  - glibc 2.36's posix_spawn cannot set PR_SET_PDEATHSIG, uid/gid, a cgroup or return a pidfd;
//    fork() would run every pthread_atfork handler (gRPC registers some) in a process that only
//    execs. A raw clone3 skips them; the child then runs only async-signal-safe system calls
//    (everything it needs is prepared before the clone), writes nothing of the parent's but
//    its failure report, never returns, and execs. Sanitizers are off in its code.
//  - If the kernel refuses CLONE_INTO_CGROUP (e.g. a v1-only hierarchy), the child is started
//    without it and moves itself by writing "0" to the cgroup's cgroup.procs before it execs.
//    (Off x86-64, glibc's clone() makes the child, which then always joins that way.)
//  - In the child: own process group (setpgid), PR_SET_PDEATHSIG(SIGKILL) (then exits if the
//    parent is already gone), signal dispositions reset and every signal unblocked (the parent
//    blocks them all around the clone so no handler of its runs in the child), stdio dup2'ed,
//    every other fd closed (close_range), setgid/setuid, chdir, execve.
//  - A failure of any of those steps is written as (step, errno) into the parent's memory
//    before the child _exits; the parent reads it when it resumes, so an ENOENT or EACCES is
//    an Error naming argv[0], and the failed child has already been reaped.
//
// Note on PR_SET_PDEATHSIG: Linux fires it when the *thread* that spawned the child exits, not
// the process. Spawn from a thread that lives as long as the children (the event loop thread).
//
// Two extension points start a child inside another process's container (runtime/cri/
// direct_exec.h) without this file knowing containers:
//  - pid_namespace_fd: the calling thread setns(CLONE_NEWPID)s into it just around the clone
//    (a pid namespace is entered only by children of the setns caller), then back into the
//    pid namespace it had, so the child is born there and nothing else changes. The parent
//    check after PR_SET_PDEATHSIG then expects getppid() == 0 (the parent is not visible).
//  - setup: a plain function run in the child after stdio is in place and before the other fds
//    are closed and uid/gid/chdir are applied; it may enter namespaces (not a user namespace:
//    the memory is shared), chroot, set capabilities. Same rules as the rest of the child:
//    async-signal-safe system calls only, no allocation, no write outside its own stack frame
//    (prepare everything it reads in `context` before Spawn), and under 64 KiB of stack.
//
// Thread safety: a ChildProcess belongs to one thread (the io_context's).
// Spawn blocks the calling thread only for the clone-to-exec window of the child (normally well
// under a millisecond; longer only if a chdir or cgroup write in the child blocks), and uses
// 64 KiB of its stack.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/expected.h"

namespace probelet::base {

// Code run in the child between clone and exec (see the file comment). `run` returns 0 or an
// errno; on failure it sets *step to an index into `step_names`, which names the failed step in
// the Error Spawn returns.
struct ChildSetup {
  int (*run)(const void* context, int* step) = nullptr;
  const void* context = nullptr;
  const char* const* step_names = nullptr;
};

inline constexpr size_t kMaxExtraFds = 8;

struct SpawnOptions {
  std::vector<std::string> argv{};  // no shell; argv[0] searched in PATH if no '/'
  // "K=V" entries; nullopt = inherit. The PATH used to find argv[0] is this env's PATH when it
  // has one, else the parent's, else "/usr/local/bin:/usr/bin:/bin".
  std::optional<std::vector<std::string>> env{};
  std::string working_dir{};                          // empty = inherit
  std::optional<uint32_t> uid{}, gid{};               // setgid/setuid in the child when set
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // -1 = /dev/null; else dup2'ed
  bool new_process_group = true;                      // child is leader of its own group
  int cgroup_fd = -1;           // >=0: start inside this cgroup v2 dir (clone3 CLONE_INTO_CGROUP),
                                // falling back to writing cgroup.procs if clone3 is refused
  bool die_with_parent = true;  // PR_SET_PDEATHSIG(SIGKILL)
  int pid_namespace_fd = -1;    // >=0: start in this pid namespace (ns fd or pidfd)
  // Passed on as fds 3, 4, ... in the child, in this order (Go's ExtraFiles); every other fd
  // is closed. At most kMaxExtraFds.
  std::vector<int> extra_fds{};
  ChildSetup setup{};  // run in the child before fds close and credentials apply
};

// A started child. Owns its pidfd. Destroying (or move-assigning over) an unreaped child
// SIGKILLs it (its whole group when it leads one) and reaps it, so no zombie and no stray
// group member is left behind. The reap after SIGKILL blocks only if the child sits in an
// uninterruptible sleep.
class ChildProcess {
 public:
  // Starts the child (see the file comment). Exec failures (ENOENT, EACCES...) are reported
  // here with an Error naming argv[0] and carrying errno. An empty argv is an Error.
  static Expected<ChildProcess> Spawn(const SpawnOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }  // CLOEXEC; -1 once moved from
  bool leads_group() const { return leads_group_; }

  // Sends `sig` to the child (through its pidfd, so never to a recycled pid). Error once reaped.
  Status Signal(int sig);
  // Sends `sig` to the child's process group. Safe while the child is not reaped (a zombie
  // leader keeps the group id from being reused). Error once reaped or if the child does not
  // lead a group. ESRCH (group already empty) is not an error.
  Status SignalGroup(int sig);
  // The wait status (as from waitpid) if the child has exited, reaping it; nullopt if it is
  // still running. Once reaped, returns the same status again.
  std::optional<int> TryReap();
  // True once the child has exited, without reaping it (a zombie stays, pinning its pid and
  // group id, so SignalGroup remains safe).
  bool HasExited() const;
  bool reaped() const { return wait_status_.has_value(); }

  // SIGKILLs the group (or the child) if not reaped, then reaps, blocking. Returns the status.
  int KillAndReap();
  // Lets the child go without killing or reaping it: it lives on, and once this process is
  // gone its new parent (init or a subreaper) reaps it. For children meant to outlive us
  // (the process runtime's shims, with --keep-containers-on-exit).
  void Abandon();

 private:
  ChildProcess(pid_t pid, int pidfd, bool leads_group)
      : pid_(pid), pidfd_(pidfd), leads_group_(leads_group) {}
  void Release();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool leads_group_ = false;
  std::optional<int> wait_status_;
};

}  // namespace probelet::base
