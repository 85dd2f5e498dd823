#include "runtime/cri/direct_exec.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "base/unique_fd.h"
#include "fmt/format.h"
#include "runtime/cri/init_process.h"

namespace probelet::runtime::cri {
namespace {

// The steps of Setup, named in a spawn Error (base::ChildSetup::step_names).
enum SetupStep {
  kJoinCgroup,
  kOomScoreAdj,
  kEnterNamespaces,
  kEnterRoot,
  kRlimits,
  kBoundingSet,
  kKeepCaps,
  kSetGroups,
  kSetGid,
  kSetUid,
  kCapSet,
  kAmbientCaps,
  kWorkingDir,
  kNoNewPrivs,
};
constexpr const char* kStepNames[] = {
    "join the container's cgroups",
    "set oom_score_adj",
    "enter the container's namespaces",
    "enter the container's root",
    "set rlimits",
    "drop bounding capabilities",
    "keep capabilities",
    "setgroups",
    "setgid",
    "setuid",
    "capset",
    "raise ambient capabilities",
    "enter the working directory",
    "set no_new_privs",
};

// Everything the child applies, prepared before the clone: the child only reads this.
struct Plan {
  base::UniqueFd pidfd;      // the init's: setns, and pid_namespace_fd for the clone
  base::UniqueFd root, cwd;  // O_PATH of /proc/<pid>/root and /proc/<pid>/cwd
  base::UniqueFd cgroup_v2;  // the v2 cgroup directory (CLONE_INTO_CGROUP), or -1
  std::vector<base::UniqueFd> cgroup_procs;  // each v1 hierarchy's cgroup.procs, O_WRONLY
  std::vector<gid_t> groups;
  uid_t uid = 0;
  gid_t gid = 0;
  int umask = -1;
  bool no_new_privs = false;
  bool set_oom = false;
  char oom_text[16] = {};
  size_t oom_len = 0;
  std::vector<rlimit> rlimits;  // RLIMIT_* order
  uint64_t bounding = 0, inheritable = 0, permitted = 0, effective = 0, ambient = 0;
  std::vector<std::string> env;
};

constexpr int kNamespaceFlags =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;

// base::ChildSetup::run: in the child, async-signal-safe system calls only.
int Setup(const void* context, int* step) {
  const Plan& p = *static_cast<const Plan*>(context);
  auto fail = [step](SetupStep s) {
    *step = s;
    return errno != 0 ? errno : EINVAL;
  };
  for (const base::UniqueFd& fd : p.cgroup_procs) {
    if (::write(fd.get(), "0", 1) != 1) return fail(kJoinCgroup);
  }
  if (p.set_oom) {
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, p.oom_text, p.oom_len) != static_cast<ssize_t>(p.oom_len)) {
      return fail(kOomScoreAdj);
    }
    ::close(fd);
  }
  if (::setns(p.pidfd.get(), kNamespaceFlags) != 0) return fail(kEnterNamespaces);
  if (::fchdir(p.root.get()) != 0 || ::chroot(".") != 0) return fail(kEnterRoot);
  for (size_t r = 0; r < p.rlimits.size(); ++r) {
    if (::prlimit(0, static_cast<__rlimit_resource>(r), &p.rlimits[r], nullptr) != 0) {
      return fail(kRlimits);
    }
  }
  for (int cap = 0; cap < 64; ++cap) {
    if ((p.bounding >> cap) & 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return fail(kBoundingSet);
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail(kKeepCaps);
  // Raw system calls: glibc's wrappers would signal the parent's other threads (setxid sync).
  if (::syscall(SYS_setgroups, p.groups.size(), p.groups.data()) != 0) return fail(kSetGroups);
  if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) return fail(kSetGid);
  if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) return fail(kSetUid);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(p.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(p.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(p.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) != 0) return fail(kCapSet);
  for (int cap = 0; cap < 64 && p.ambient != 0; ++cap) {
    if (((p.ambient >> cap) & 1) && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      return fail(kAmbientCaps);
    }
  }
  if (::fchdir(p.cwd.get()) != 0) return fail(kWorkingDir);
  if (p.umask >= 0) ::umask(static_cast<mode_t>(p.umask));
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(kNoNewPrivs);
  return 0;
}

base::Error Gone(pid_t pid, const std::string& why) {
  return base::Error{fmt::format("container process {}: {}", pid, why), ESRCH};
}

base::UniqueFd OpenPath(pid_t pid, const char* name, int flags) {
  return base::UniqueFd(::open(fmt::format("/proc/{}/{}", pid, name).c_str(), flags | O_CLOEXEC));
}

int OwnOomScoreAdj() {
  base::UniqueFd fd(::open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC));
  char buf[16] = {};
  if (fd.get() < 0 || ::read(fd.get(), buf, sizeof buf - 1) <= 0) return 0;
  return std::atoi(buf);
}

// The refusal, given what was read ("" = none).
std::string Refusal(const InitProcess& init) {
  if (init.status.seccomp != 0) {
    return fmt::format(
        "seccomp {} mode (Seccomp: {}): direct exec cannot apply the container's filter",
        init.status.seccomp == 1 ? "strict" : "filter", init.status.seccomp);
  }
  if (!init.security_label.empty()) {
    return fmt::format("security label \"{}\" (AppArmor/SELinux): direct exec cannot apply it",
                       init.security_label);
  }
  struct stat own {};
  if (::stat("/proc/self/ns/user", &own) != 0 || own.st_ino != init.namespaces.user) {
    return "another user namespace: direct exec does not map ids";
  }
  return "";
}

// Opens the init, reads it, refuses what cannot be reproduced, and opens what the child needs.
base::Expected<Plan> Prepare(pid_t pid) {
  Plan plan;
  plan.pidfd = base::UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (plan.pidfd.get() < 0) return Gone(pid, fmt::format("pidfd_open: {}", strerror(errno)));
  auto init = ReadInitProcess(pid);
  if (!init.ok()) return Gone(pid, init.error().message);
  if (std::string why = Refusal(*init); !why.empty()) {
    return base::Error{fmt::format("container process {}: {}", pid, why), EPERM};
  }
  plan.root = OpenPath(pid, "root", O_PATH | O_DIRECTORY);
  plan.cwd = OpenPath(pid, "cwd", O_PATH | O_DIRECTORY);
  if (plan.root.get() < 0 || plan.cwd.get() < 0) {
    return Gone(pid, fmt::format("open root/cwd: {}", strerror(errno)));
  }
  std::string mountinfo;
  {
    base::UniqueFd fd(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    char buf[8192];
    for (ssize_t n; fd.get() >= 0 && (n = ::read(fd.get(), buf, sizeof buf)) > 0;) {
      mountinfo.append(buf, static_cast<size_t>(n));
    }
  }
  for (const CgroupEntry& entry : init->cgroups) {
    std::string mount = CgroupMountPoint(mountinfo, entry);
    if (mount.empty()) continue;  // a hierarchy not mounted here: nothing to join
    std::string dir = mount + (entry.path == "/" ? "" : entry.path);
    if (entry.hierarchy == 0 && entry.controllers.empty()) {
      plan.cgroup_v2 = base::UniqueFd(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
      if (plan.cgroup_v2.get() < 0) {
        return Gone(pid, fmt::format("open cgroup {}: {}", dir, strerror(errno)));
      }
      continue;
    }
    base::UniqueFd procs(::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (procs.get() < 0) return Gone(pid, fmt::format("open cgroup {}: {}", dir, strerror(errno)));
    plan.cgroup_procs.push_back(std::move(procs));
  }
  plan.rlimits = std::move(init->limits);
  const ProcStatus& st = init->status;
  plan.uid = st.uid;
  plan.gid = st.gid;
  plan.groups.assign(st.groups.begin(), st.groups.end());
  plan.umask = st.umask;
  plan.no_new_privs = st.no_new_privs;
  plan.bounding = st.cap_bounding;
  plan.inheritable = st.cap_inheritable;
  plan.permitted = st.cap_permitted;
  plan.effective = st.cap_effective;
  plan.ambient = st.cap_ambient;
  plan.env = std::move(init->env);
  if (OwnOomScoreAdj() != init->oom_score_adj) {
    plan.set_oom = true;
    auto r = fmt::format_to_n(plan.oom_text, sizeof plan.oom_text, "{}", init->oom_score_adj);
    plan.oom_len = r.size;
  }
  // Everything read belongs to the process the pidfd names only if it is still alive now.
  if (::syscall(SYS_pidfd_send_signal, plan.pidfd.get(), 0, nullptr, 0) != 0) {
    return Gone(pid, "exited");
  }
  return plan;
}

}  // namespace

struct DirectExecCommand::State {
  std::unique_ptr<base::CapturedCommand> command;
  std::function<void(base::CommandResult)> done;  // only for an error before the start
};

DirectExecCommand::DirectExecCommand(std::shared_ptr<State> state) : state_(std::move(state)) {}

DirectExecCommand::~DirectExecCommand() {
  state_->done = nullptr;
  state_->command.reset();  // kills the group and reaps the leader
}

pid_t DirectExecCommand::pid() const { return state_->command ? state_->command->pid() : 0; }

void DirectExecCommand::Kill() {
  if (state_->command) state_->command->Kill();
}

std::string CannotRunDirect(pid_t init_pid) {
  base::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, init_pid, 0)));
  if (pidfd.get() < 0) {
    return fmt::format("container process {}: pidfd_open: {}", init_pid, strerror(errno));
  }
  auto init = ReadInitProcess(init_pid);
  if (!init.ok()) return fmt::format("container process {}: {}", init_pid, init.error().message);
  return Refusal(*init);
}

std::unique_ptr<DirectExecCommand> RunInContainer(boost::asio::io_context& io, base::Clock& clock,
                                                  pid_t init_pid, std::vector<std::string> argv,
                                                  base::Duration timeout,
                                                  std::function<void(base::CommandResult)> done) {
  auto state = std::make_shared<DirectExecCommand::State>();
  auto handle = std::make_unique<DirectExecCommand>(state);
  auto plan = argv.empty() ? base::Expected<Plan>(base::Error{"exec: empty command", EINVAL})
                           : Prepare(init_pid);
  if (!plan.ok()) {
    state->done = std::move(done);
    base::CommandResult r;
    r.status = base::CommandResult::Status::kError;
    r.error = plan.error().message;
    std::weak_ptr<DirectExecCommand::State> weak = state;
    boost::asio::post(io, [weak, r = std::move(r)]() mutable {
      auto s = weak.lock();
      if (!s) return;
      if (auto fn = std::exchange(s->done, nullptr)) fn(std::move(r));
    });
    return handle;
  }
  base::CapturedCommandOptions options;
  options.spawn.argv = std::move(argv);
  options.spawn.env = plan->env;
  options.spawn.cgroup_fd = plan->cgroup_v2.get();
  options.spawn.pid_namespace_fd = plan->pidfd.get();
  options.spawn.setup = {Setup, &*plan, kStepNames};
  options.timeout = timeout;
  // Start spawns synchronously: the plan (and its fds) is only needed until it returns.
  state->command = base::CapturedCommand::Start(io, clock, std::move(options), std::move(done));
  return handle;
}

}  // namespace probelet::runtime::cri
