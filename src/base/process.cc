#include "base/process.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "base/child_reaper.h"
#include "base/unique_fd.h"
#include "fmt/format.h"

namespace probelet::base {
namespace {

// The step of the child's set-up that failed, sent back with errno through the CLOEXEC pipe.
enum class Step : int {
  kCgroup,
  kPgid,
  kPdeathsig,
  kStdio,
  kSetup,
  kCloseFds,
  kGid,
  kUid,
  kChdir,
  kExec
};

const char* StepName(Step s) {
  switch (s) {
    case Step::kCgroup:
      return "join cgroup";
    case Step::kPgid:
      return "setpgid";
    case Step::kPdeathsig:
      return "prctl(PR_SET_PDEATHSIG)";
    case Step::kStdio:
      return "set up stdio";
    case Step::kSetup:
      return "set up";
    case Step::kCloseFds:
      return "close_range";
    case Step::kGid:
      return "setgid";
    case Step::kUid:
      return "setuid";
    case Step::kChdir:
      return "chdir";
    case Step::kExec:
      return "exec";
  }
  return "?";
}

// What the child reports before it exits, written straight into the parent's memory (the
// child shares it, CLONE_VM; the parent resumes only once the child has exec'd or exited).
struct ChildError {
  int step = -1;  // a Step, or -1: no failure
  int err = 0;
  int setup_step = 0;  // with Step::kSetup: the index into ChildSetup::step_names
};

// The child's stack: in the spawning thread's own stack frame (already mapped, in the thread's
// stack bounds, which keeps sanitizers' stack bookkeeping sane), unused by the parent while the
// child runs on it (CLONE_VFORK suspends the parent until the exec).
constexpr size_t kChildStackSize = 64 * 1024;

// The child's code runs on the parent's memory: no sanitizer bookkeeping in it (its frames
// never return, so the shadow of their redzones would stay poisoned in the parent).
#define PROBELET_CHILD_CODE __attribute__((no_sanitize("address", "undefined")))

// Everything the child needs, built before the clone: the child must not allocate.
struct ChildPlan {
  std::vector<std::string> candidates;  // paths to try execve on, in PATH order
  std::vector<char*> argv;
  std::vector<char*> envp;
  int stdio[3];
  int extra[kMaxExtraFds];  // SpawnOptions::extra_fds, copied for the child (no vector there)
  int n_extra;
  ChildError* error;  // the parent's: see ChildError
  pid_t parent;       // what getppid() returns while the parent lives (0 across pid namespaces)
  const SpawnOptions* options;
  bool join_cgroup_by_write;
};

std::string PathOf(const SpawnOptions& o) {
  if (o.env) {
    for (const auto& kv : *o.env) {
      if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
    }
  } else if (const char* p = ::getenv("PATH"); p != nullptr) {
    return p;
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

std::vector<std::string> Candidates(const SpawnOptions& o) {
  const std::string& name = o.argv[0];
  if (name.find('/') != std::string::npos) return {name};
  std::vector<std::string> out;
  std::string path = PathOf(o);
  size_t start = 0;
  while (true) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    if (dir.empty()) dir = ".";  // an empty PATH entry means the working directory
    out.push_back(dir + "/" + name);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

[[noreturn]] PROBELET_CHILD_CODE void ChildFail(const ChildPlan& p, Step step, int err,
                                                int setup_step = 0) {
  p.error->step = static_cast<int>(step);
  p.error->err = err;
  p.error->setup_step = setup_step;
  ::_exit(127);
}

// Runs in the child, between the clone and execve, on its own stack but in the parent's memory
// (CLONE_VM): async-signal-safe system calls only, no allocation, no write to anything but its
// own stack and *p.error, and it never returns (it execs or _exits). Raw syscalls for the
// credential changes: glibc's setuid/setgid would broadcast them to the parent's threads.
[[noreturn]] PROBELET_CHILD_CODE void RunChild(const ChildPlan& p) {
  const SpawnOptions& o = *p.options;
  if (p.join_cgroup_by_write) {
    int fd = ::openat(o.cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) ChildFail(p, Step::kCgroup, errno);
    ::close(fd);
  }
  if (o.new_process_group && ::setpgid(0, 0) != 0) ChildFail(p, Step::kPgid, errno);
  if (o.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(p, Step::kPdeathsig, errno);
    if (::getppid() != p.parent) ::_exit(127);  // the parent died before the prctl
  }
  // Default dispositions (SIG_IGN would survive the exec, e.g. gRPC's SIGPIPE) and an empty
  // mask (the parent blocked everything around the clone).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for some: fine
  // stdio: first lift any source below 3 out of the way, so dup2 never clobbers a source
  // (e.g. stdout_fd = 2 and stderr_fd = 1) and never is a no-op that keeps O_CLOEXEC.
  int src[3];
  for (int i = 0; i < 3; ++i) {
    src[i] = p.stdio[i];
    if (src[i] < 3) {
      src[i] = ::fcntl(src[i], F_DUPFD, 3);
      if (src[i] < 0) ChildFail(p, Step::kStdio, errno);
    }
  }
  for (int i = 0; i < 3; ++i) {
    if (::dup2(src[i], i) < 0) ChildFail(p, Step::kStdio, errno);
  }
  if (o.setup.run != nullptr) {
    int setup_step = 0;
    if (int err = o.setup.run(o.setup.context, &setup_step); err != 0) {
      ChildFail(p, Step::kSetup, err, setup_step);
    }
  }
  // The extra fds become 3, 4, ...: lifted above their targets first, as stdio was.
  const int n_extra = p.n_extra;
  int lifted[kMaxExtraFds];
  for (int i = 0; i < n_extra; ++i) {
    lifted[i] = ::fcntl(p.extra[i], F_DUPFD, 3 + n_extra);
    if (lifted[i] < 0) ChildFail(p, Step::kStdio, errno);
  }
  for (int i = 0; i < n_extra; ++i) {
    if (::dup2(lifted[i], 3 + i) < 0) ChildFail(p, Step::kStdio, errno);
  }
  // Every other fd goes (the fd table is the child's own copy: no CLONE_FILES).
  if (::close_range(static_cast<unsigned>(3 + n_extra), ~0U, 0) != 0) {
    ChildFail(p, Step::kCloseFds, errno);
  }
  if (o.gid) {
    gid_t g = *o.gid;
    if (::syscall(SYS_setgroups, 1, &g) != 0) ChildFail(p, Step::kGid, errno);
    if (::syscall(SYS_setgid, g) != 0) ChildFail(p, Step::kGid, errno);
  }
  if (o.uid && ::syscall(SYS_setuid, static_cast<uid_t>(*o.uid)) != 0) {
    ChildFail(p, Step::kUid, errno);
  }
  if (!o.working_dir.empty() && ::chdir(o.working_dir.c_str()) != 0) {
    ChildFail(p, Step::kChdir, errno);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // execvp's rules: skip ENOENT/ENOTDIR entries, remember EACCES, stop on anything else.
  int err = ENOENT;
  bool saw_eacces = false;
  for (const std::string& c : p.candidates) {
    ::execve(c.c_str(), p.argv.data(), p.envp.data());
    err = errno;
    if (err == EACCES) {
      saw_eacces = true;
    } else if (err != ENOENT && err != ENOTDIR) {
      break;
    }
  }
  if (saw_eacces && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  ChildFail(p, Step::kExec, err);
}

// The child's entry: runs on the child stack.
[[noreturn]] PROBELET_CHILD_CODE void ChildEntry(void* plan) {
  RunChild(*static_cast<const ChildPlan*>(plan));
}

// Both ways below return the child's pid to the parent, -1 with errno on failure; the child
// runs ChildEntry(plan) on `stack` and the parent resumes once it has exec'd or exited.
constexpr uint64_t kVforkFlags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD;

#if defined(__x86_64__)
// clone3 returns in the child on the new stack, where no C++ frame can return to: a few
// instructions call the entry from there. Registers other than rax, rcx and r11 come through
// the syscall unchanged in both processes, so entry and plan travel in r12 and r13.
long Clone3Vfork(bool into_cgroup, int cgroup_fd, int* pidfd, char* stack, ChildPlan* plan) {
  struct clone_args args {};
  args.flags = kVforkFlags | (into_cgroup ? CLONE_INTO_CGROUP : 0);
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  args.stack = reinterpret_cast<uint64_t>(stack);
  args.stack_size = kChildStackSize;  // the kernel starts the child at stack + stack_size
  if (into_cgroup) args.cgroup = static_cast<uint64_t>(cgroup_fd);
  long ret = SYS_clone3;
  register void (*entry)(void*) asm("r12") = ChildEntry;
  register void* arg asm("r13") = plan;
  asm volatile(
      "syscall\n\t"
      "testq %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xorl %%ebp, %%ebp\n\t"  // the child: no frame above this one
      "movq %%r13, %%rdi\n\t"
      "callq *%%r12\n\t"  // the stack top is 16-aligned, as a call wants it
      "ud2\n\t"           // ChildEntry does not return
      "1:\n\t"
      : "+a"(ret)
      : "D"(&args), "S"(sizeof args), "r"(entry), "r"(arg)
      : "rcx", "r11", "memory", "cc");
  if (ret < 0 && ret > -4096) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
}
#else
// Elsewhere glibc's clone() does the stack switch; it has no CLONE_INTO_CGROUP, so the child
// joins its cgroup by writing cgroup.procs (Spawn's fallback).
int ChildEntryInt(void* plan) { ChildEntry(plan); }
long Clone3Vfork(bool into_cgroup, int /*cgroup_fd*/, int* pidfd, char* stack, ChildPlan* plan) {
  if (into_cgroup) {
    errno = ENOSYS;
    return -1;
  }
  return ::clone(ChildEntryInt, stack + kChildStackSize, static_cast<int>(kVforkFlags) | SIGCHLD,
                 plan, pidfd);
}
#endif

std::string SpawnErrorMessage(const SpawnOptions& o, Step step, int err, int setup_step) {
  const std::string& name = o.argv[0];
  if (step == Step::kExec) {
    // Go's os/exec wording, which is what users of the kubelet see.
    if (err == ENOENT && name.find('/') == std::string::npos) {
      return fmt::format("exec: \"{}\": executable file not found in $PATH", name);
    }
    // Go's syscall.Errno texts are glibc's, lowercased: "no such file or directory".
    std::string text = std::strerror(err);
    if (!text.empty())
      text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return fmt::format("fork/exec {}: {}", name, text);
  }
  const char* step_name = StepName(step);
  if (step == Step::kSetup && o.setup.step_names != nullptr)
    step_name = o.setup.step_names[setup_step];
  return fmt::format("starting \"{}\": {}: {}", name, step_name, std::strerror(err));
}

}  // namespace

Expected<ChildProcess> ChildProcess::Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return Error{"spawn: empty argv", EINVAL};
  ChildPlan plan;
  plan.options = &options;
  plan.candidates = Candidates(options);
  for (const auto& a : options.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  if (options.env) {
    for (const auto& kv : *options.env) plan.envp.push_back(const_cast<char*>(kv.c_str()));
  } else {
    for (char** e = environ; *e != nullptr; ++e) plan.envp.push_back(*e);
  }
  plan.envp.push_back(nullptr);
  plan.parent = options.pid_namespace_fd >= 0 ? 0 : ::getpid();

  if (options.extra_fds.size() > kMaxExtraFds) {
    return Error{"more than " + std::to_string(kMaxExtraFds) + " extra fds", EINVAL};
  }
  plan.n_extra = static_cast<int>(options.extra_fds.size());
  std::copy(options.extra_fds.begin(), options.extra_fds.end(), plan.extra);
  UniqueFd devnull;
  int given[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
  for (int i = 0; i < 3; ++i) {
    if (given[i] < 0 && devnull.get() < 0) {
      devnull = UniqueFd(::open("/dev/null", O_RDWR | O_CLOEXEC));
      if (devnull.get() < 0) return Error{"open /dev/null: " + std::string(strerror(errno)), errno};
    }
    plan.stdio[i] = given[i] < 0 ? devnull.get() : given[i];
  }
  ChildError child_error;
  plan.error = &child_error;
  alignas(64) char stack[kChildStackSize];

  // Block every signal around the clone so no handler of ours runs in the child (on the
  // parent's memory) before it resets them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  // A pid namespace is entered by the children of the setns caller: switch this thread's
  // pid_for_children for the clone only.
  UniqueFd own_pid_ns;
  if (options.pid_namespace_fd >= 0) {
    own_pid_ns = UniqueFd(::open("/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC));
    if (own_pid_ns.get() < 0 || ::setns(options.pid_namespace_fd, CLONE_NEWPID) != 0) {
      int err = errno;
      return Error{
          fmt::format("starting \"{}\": enter pid namespace: {}", options.argv[0], strerror(err)),
          err};
    }
  }
  bool into_cgroup = options.cgroup_fd >= 0;
  int pidfd = -1;
  plan.join_cgroup_by_write = false;
  long pid;
  int clone_errno;
  {
    // Claimed before any reaper can see it exit (child_reaper.h): its reaping is ours.
    ChildClaims claims;
    pid = Clone3Vfork(into_cgroup, options.cgroup_fd, &pidfd, stack, &plan);
    if (pid < 0 && into_cgroup && errno != EAGAIN && errno != ENOMEM) {
      // CLONE_INTO_CGROUP refused (old kernel, v1 hierarchy, bad fd): the child moves itself.
      plan.join_cgroup_by_write = true;
      pid = Clone3Vfork(false, -1, &pidfd, stack, &plan);
    }
    clone_errno = errno;
    if (pid > 0) claims.Claim(static_cast<pid_t>(pid));
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (own_pid_ns.get() >= 0 && ::setns(own_pid_ns.get(), CLONE_NEWPID) != 0) {
    // Cannot happen for our own namespace; if it did, later children would be born in the
    // container's: better to stop than to run probes (or containers) there.
    std::abort();
  }
  if (pid < 0) {
    return Error{fmt::format("starting \"{}\": clone3: {}", options.argv[0], strerror(clone_errno)),
                 clone_errno};
  }
  ChildProcess child(static_cast<pid_t>(pid), pidfd, options.new_process_group);
  // The child has exec'd or exited by now (CLONE_VFORK); a failure is in child_error.
  if (child_error.step >= 0) {
    child.KillAndReap();
    Step step = static_cast<Step>(child_error.step);
    return Error{SpawnErrorMessage(options, step, child_error.err, child_error.setup_step),
                 child_error.err};
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      leads_group_(other.leads_group_),
      wait_status_(std::exchange(other.wait_status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Release();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    leads_group_ = other.leads_group_;
    wait_status_ = std::exchange(other.wait_status_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() { Release(); }

void ChildProcess::Release() {
  if (pid_ > 0 && !reaped()) KillAndReap();
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

Status ChildProcess::Signal(int sig) {
  if (pid_ <= 0 || reaped()) return Error{"signal: child already reaped", ESRCH};
  if (::syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0) != 0) {
    return Error{fmt::format("pidfd_send_signal({}): {}", pid_, strerror(errno)), errno};
  }
  return {};
}

Status ChildProcess::SignalGroup(int sig) {
  if (pid_ <= 0 || reaped()) return Error{"signal group: child already reaped", ESRCH};
  if (!leads_group_) return Error{"signal group: child does not lead a process group", EINVAL};
  if (::kill(-pid_, sig) != 0 && errno != ESRCH) {
    return Error{fmt::format("kill(-{}): {}", pid_, strerror(errno)), errno};
  }
  return {};
}

std::optional<int> ChildProcess::TryReap() {
  if (wait_status_ || pid_ <= 0) return wait_status_;
  int status = 0;
  pid_t r;
  ChildClaims claims;  // reaped and released at once: the pid is never ours and unclaimed
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    wait_status_ = status;
    claims.Release(pid_);
  }
  return wait_status_;
}

bool ChildProcess::HasExited() const {
  if (wait_status_) return true;
  if (pid_ <= 0) return false;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == pid_;
}

void ChildProcess::Abandon() {
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
  wait_status_ = 0;  // as if reaped: the destructor leaves it alone
}

int ChildProcess::KillAndReap() {
  if (wait_status_ || pid_ <= 0) return wait_status_.value_or(0);
  // The group first, while the (possibly zombie) leader still pins its id; then the child
  // itself, in case it left its group.
  if (leads_group_) ::kill(-pid_, SIGKILL);
  ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
  // Wait without the claims lock (other threads spawn meanwhile), then reap under it.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {
  }
  int status = 0;
  pid_t r;
  ChildClaims claims;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  claims.Release(pid_);
  wait_status_ = status;
  return status;
}

}  // namespace probelet::base
