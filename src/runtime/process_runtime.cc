#include "runtime/process_runtime.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>
#include <map>
#include <random>

#include "base/process.h"
#include "base/unique_fd.h"
#include "runtime/cgroup.h"
#include "runtime/container_log.h"
#include "runtime/exit_watch.h"
#include "runtime/guard.h"
#include "runtime/pipe_reader.h"

namespace probelet::runtime {
namespace {

constexpr std::string_view kIdPrefix = "probelet://";
// Leftovers (killed orphans to reap, cgroup directories to remove) are retried this often, this
// many times, after a container or an exec ends.
constexpr auto kCleanupRetry = std::chrono::milliseconds(20);
constexpr int kCleanupAttempts = 250;

// The exit code as a container runtime reports it: the code, or 128 + the signal.
int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 128;
}

// State of a pid we killed and may have adopted (we are a subreaper): 'gone', 'reaped' (was
// our zombie, now reaped), 'foreign' (a zombie of another parent), 'alive'.
enum class OrphanState { kGone, kReaped, kForeign, kAlive };
OrphanState TryReapOrphan(pid_t pid) {
  auto st = ReadProcStat(pid);
  if (!st) return OrphanState::kGone;
  if (st->state != 'Z' && st->state != 'X') return OrphanState::kAlive;
  if (st->ppid != ::getpid()) return st->ppid == 1 ? OrphanState::kForeign : OrphanState::kAlive;
  pid_t r = ::waitpid(pid, nullptr, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD) ? OrphanState::kReaped : OrphanState::kAlive;
}

}  // namespace

class ProcessRuntime::Impl {
 public:
  Impl(boost::asio::io_context& io, base::Clock& clock, ProcessRuntimeOptions options);
  ~Impl();

  base::Expected<std::string> CreateContainer(const ContainerConfig& config);
  base::Status StartContainer(const std::string& id);
  void StopContainer(const std::string& id, base::Duration grace,
                     std::function<void(base::Status)> done);
  void ExecSync(const std::string& id, const std::vector<std::string>& argv, base::Duration timeout,
                std::function<void(ExecSyncResult)> done);
  std::optional<ContainerStatus> GetContainerStatus(const std::string& id) const;
  std::vector<ContainerStatus> ListContainers() const;
  base::Status RemoveContainer(const std::string& id);
  void SetExitHandler(ExitHandler handler) { exit_handler_ = std::move(handler); }

  bool cgroup_mode() const { return !instance_.empty(); }
  size_t pending_work() const { return execs_.size() + cleanups_.size(); }
  const std::string& instance() const { return instance_; }

 private:
  struct Container;
  struct ExecCall;
  // What is left after a container or an exec ended: its killed processes to reap once they
  // are ours (we are their subreaper), and its cgroup directory to remove once empty.
  struct Cleanup {
    std::string cgroup_dir;
    std::vector<pid_t> orphans;  // members seen before the kill
    pid_t pgid = 0;              // our zombie children still in this group are its orphans too
    int attempts = 0;
  };

  // A process started as the container's (or in its context, for exec): its env, working
  // dir, user and cgroup, its own process group, killed if probelet dies; stdout and stderr on
  // pipes whose read ends come back with it.
  struct Spawned {
    base::ChildProcess child;
    base::UniqueFd out, err;
  };
  static base::Expected<Spawned> SpawnInContainer(const Container& c,
                                                  const std::vector<std::string>& argv);

  std::string NewId();
  void Post(std::function<void()> fn);
  void OnLeaderExit(const std::string& id);
  void OnPipeEof(const std::string& id);
  void Finish(const std::string& id);
  void KillAll(Container& c);
  void SnapshotMembers(Container& c);
  void OnExecExit(uint64_t call_id);
  void OnExecPipeEof(uint64_t call_id);
  void CompleteExec(uint64_t call_id, bool timed_out);
  void MaybeDestroyExec(uint64_t call_id);
  void AddCleanup(Cleanup cleanup);
  void RunCleanups();

  boost::asio::io_context& io_;
  base::Clock& clock_;
  ProcessRuntimeOptions options_;
  std::string instance_;  // this runtime's cgroup dir; "" in process-group mode
  std::optional<Guard> guard_;
  std::mt19937_64 rng_;
  std::map<std::string, std::unique_ptr<Container>> containers_;
  std::map<uint64_t, std::unique_ptr<ExecCall>> execs_;
  uint64_t next_exec_ = 1;
  std::list<Cleanup> cleanups_;
  std::unique_ptr<base::Timer> cleanup_timer_;
  ExitHandler exit_handler_;
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
  std::unique_ptr<ExitWatch> exit_watch;
  std::optional<ContainerLog> log;
  std::unique_ptr<PipeReader> out, err;
  bool out_eof = false, err_eof = false;
  std::unique_ptr<base::Timer> kill_timer;
  base::MonoTime kill_deadline = base::MonoTime::max();
  std::unique_ptr<base::Timer> drain_timer;
  bool leader_exited = false;
  int wait_status = 0;
  api::Time exited_at{};
  std::vector<pid_t> orphans;
  std::vector<std::function<void(base::Status)>> stop_waiters;
};

struct ProcessRuntime::Impl::ExecCall {
  std::string container_id;
  std::vector<std::string> argv;
  std::optional<base::ChildProcess> child;
  std::unique_ptr<ExitWatch> exit_watch;
  std::unique_ptr<PipeReader> out, err;
  std::string out_buf, err_buf;
  bool out_eof = false, err_eof = false;
  bool exited = false;
  int wait_status = 0;
  std::unique_ptr<base::Timer> timer;
  std::function<void(ExecSyncResult)> done;  // empty once completed
};

ProcessRuntime::Impl::Impl(boost::asio::io_context& io, base::Clock& clock,
                           ProcessRuntimeOptions options)
    : io_(io), clock_(clock), options_(std::move(options)), cleanup_timer_(clock.NewTimer()) {
  if (options_.id_seed) {
    rng_.seed(*options_.id_seed);
  } else {
    uint64_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != sizeof seed) {
      seed = static_cast<uint64_t>(clock.WallNow().time_since_epoch().count());
    }
    rng_.seed(seed);
  }
  // Orphans of container processes are reparented to us rather than to init, so that the
  // runtime can reap what it killed (init on some machines never reaps).
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  std::string why_not;
  if (!options_.use_cgroups) {
    why_not = "disabled by option";
  } else if (auto st = MakeCgroup(options_.cgroup_root); !st.ok()) {
    why_not = st.error().message;
  } else {
    for (const auto& dir : SweepStaleInstances(options_.cgroup_root)) {
      spdlog::warn("runtime: killed the containers left by a dead probelet in {}", dir);
    }
    std::string name = InstanceName();
    // Unseeded on purpose: two runtimes in one process with the same id_seed stay apart.
    uint32_t suffix = 0;
    if (::getrandom(&suffix, sizeof suffix, 0) != sizeof suffix) {
      suffix = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(this));
    }
    // <root>/p<pid>-<start>/<suffix>: the process's directory (what sweeps look at), then one
    // per runtime.
    std::string dir = options_.cgroup_root + "/" + name + "/" + fmt::format("r{:08x}", suffix);
    if (name.empty()) {
      why_not = "cannot read /proc/self/stat";
    } else if (auto st1 = MakeCgroup(options_.cgroup_root + "/" + name); !st1.ok()) {
      why_not = st1.error().message;
    } else if (auto st2 = MakeCgroup(dir); !st2.ok()) {
      why_not = st2.error().message;
    } else if (::access((dir + "/cgroup.kill").c_str(), W_OK) != 0) {
      why_not = dir + "/cgroup.kill: " + std::strerror(errno) + " (needs cgroup v2, Linux 5.14)";
      (void)RemoveCgroupTree(dir);
    } else {
      instance_ = dir;
    }
  }
  if (cgroup_mode()) {
    spdlog::info("runtime: cgroup mode: each container in its own cgroup under {}", instance_);
  } else {
    spdlog::warn(
        "runtime: process-group mode ({}): a container's descendants that leave its process "
        "group escape the kill",
        why_not);
  }
  if (options_.guard) {
    auto guard = Guard::Start(instance_);
    if (guard.ok()) {
      guard_.emplace(std::move(guard).value());
    } else {
      spdlog::error(
          "runtime: no guard process ({}): containers' descendants may outlive a "
          "probelet killed by SIGKILL",
          guard.error().message);
    }
  }
}

ProcessRuntime::Impl::~Impl() {
  alive_.reset();
  // Kill everything still running, reap it, and wait (bounded) for the cgroups to empty so
  // they can be removed: nothing a container started outlives the runtime.
  std::vector<pid_t> orphans;
  for (auto& [id, c] : containers_) {
    if (c->leader && !c->leader->reaped()) {
      auto members = c->cgroup_dir.empty() ? ProcessGroupMembers(c->leader->pid())
                                           : CgroupProcs(c->cgroup_dir);
      std::erase(members, c->leader->pid());  // reaped by KillAndReap below
      for (auto& [call_id, call] : execs_) {
        if (call->child) std::erase(members, call->child->pid());  // likewise
      }
      orphans.insert(orphans.end(), members.begin(), members.end());
      KillAll(*c);
      c->exit_watch.reset();
      c->leader->KillAndReap();
    }
    orphans.insert(orphans.end(), c->orphans.begin(), c->orphans.end());
  }
  for (auto& [call_id, call] : execs_) {
    call->exit_watch.reset();
    if (call->child && !call->child->reaped()) {
      auto members = ProcessGroupMembers(call->child->pid());
      std::erase(members, call->child->pid());  // reaped by KillAndReap below
      orphans.insert(orphans.end(), members.begin(), members.end());
      call->child->KillAndReap();
    }
  }
  execs_.clear();
  for (auto& cl : cleanups_) orphans.insert(orphans.end(), cl.orphans.begin(), cl.orphans.end());
  // SIGKILLed processes exit within milliseconds; give them up to a second in all.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (pid_t pid : orphans) {
    if (pid <= 0) continue;
    ::kill(pid, SIGKILL);
    const base::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd.get(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
  }
  for (pid_t pid : orphans) {
    if (pid > 0) (void)TryReapOrphan(pid);
  }
  containers_.clear();
  if (cgroup_mode()) {
    if (auto st = RemoveCgroupTree(instance_); !st.ok()) {
      spdlog::warn("runtime: could not remove {}: {}", instance_, st.error().message);
    }
    // The process's directory goes with its last runtime (busy while another one lives).
    ::rmdir(std::filesystem::path(instance_).parent_path().c_str());
  }
  guard_.reset();
}

std::string ProcessRuntime::Impl::NewId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(kIdPrefix);
  for (int i = 0; i < 4; ++i) {
    uint64_t v = rng_();
    for (int j = 0; j < 16; ++j) {
      id.push_back(kHex[v & 0xF]);
      v >>= 4;
    }
  }
  return id;
}

void ProcessRuntime::Impl::Post(std::function<void()> fn) {
  boost::asio::post(io_, [alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

base::Expected<std::string> ProcessRuntime::Impl::CreateContainer(const ContainerConfig& config) {
  const api::Container& spec = config.container;
  auto c = std::make_unique<Container>();
  c->command = MakeContainerCommand(spec, config.pod);
  if (c->command.argv.empty()) {
    return base::Error{"container " + spec.name +
                       ": no command (a process runtime has no image entrypoint)"};
  }
  c->working_dir = spec.working_dir;
  if (spec.security_context) {
    const auto& sc = *spec.security_context;
    if (sc.run_as_user) c->uid = static_cast<uint32_t>(*sc.run_as_user);
    if (sc.run_as_group) {
      c->gid = static_cast<uint32_t>(*sc.run_as_group);
    } else if (c->uid) {
      passwd pw{};
      passwd* found = nullptr;
      char buf[4096];
      bool ok = ::getpwuid_r(*c->uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr;
      c->gid = ok ? found->pw_gid : 0;
    }
  }
  if (!config.log_directory.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config.log_directory, ec);
    if (ec) {
      return base::Error{"log directory " + config.log_directory + ": " + ec.message(), ec.value()};
    }
    c->status.log_path = (std::filesystem::path(config.log_directory) /
                          (std::to_string(config.restart_count) + ".log"))
                             .string();
  }
  std::string id = NewId();
  c->status.id = id;
  c->status.name = spec.name;
  c->status.state = ContainerState::kCreated;
  c->status.created_at = clock_.WallNow();
  containers_.emplace(id, std::move(c));
  return id;
}

base::Expected<ProcessRuntime::Impl::Spawned> ProcessRuntime::Impl::SpawnInContainer(
    const Container& c, const std::vector<std::string>& argv) {
  auto out = base::Pipe::Make();
  if (!out.ok()) return out.error();
  auto err = base::Pipe::Make();
  if (!err.ok()) return err.error();
  base::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.env = c.command.env;
  spawn.working_dir = c.working_dir;
  spawn.uid = c.uid;
  spawn.gid = c.gid;
  spawn.stdout_fd = out->write.get();
  spawn.stderr_fd = err->write.get();
  spawn.new_process_group = true;
  spawn.cgroup_fd = c.cgroup_fd.get();
  spawn.die_with_parent = true;
  auto child = base::ChildProcess::Spawn(spawn);
  if (!child.ok()) return child.error();
  // The write ends close here (only the child holds them now), so EOF means the child and
  // everything it started are done with their output.
  return Spawned{std::move(child).value(), std::move(out->read), std::move(err->read)};
}

base::Status ProcessRuntime::Impl::StartContainer(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return base::Error{"no such container: " + id};
  Container& c = *it->second;
  if (c.status.state != ContainerState::kCreated) {
    return base::Error{"container " + id + " is " + std::string(ToString(c.status.state)) +
                       ", not created"};
  }
  auto fail = [&](base::Error error) -> base::Status {
    c.status.state = ContainerState::kExited;
    c.status.exit_code = 128;
    c.status.reason = "StartError";
    c.status.message = error.message;
    c.status.finished_at = clock_.WallNow();
    c.log.reset();
    c.cgroup_fd.Reset();
    if (!c.cgroup_dir.empty()) (void)RemoveCgroupTree(c.cgroup_dir);
    return error;
  };
  if (!c.status.log_path.empty()) {
    auto log = ContainerLog::Open(c.status.log_path, options_.max_log_line);
    if (!log.ok()) return fail(log.error());
    c.log.emplace(std::move(log).value());
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
  auto spawned = SpawnInContainer(c, c.command.argv);
  if (!spawned.ok()) return fail(spawned.error());
  c.leader.emplace(std::move(spawned->child));
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
  c.out = std::make_unique<PipeReader>(
      io_, spawned->out.Release(), reader(LogStream::kStdout), [this, id] {
        auto it = containers_.find(id);
        if (it == containers_.end()) return;
        it->second->out_eof = true;
        if (it->second->log) it->second->log->EndStream(LogStream::kStdout, clock_.WallNow());
        OnPipeEof(id);
      });
  c.err = std::make_unique<PipeReader>(
      io_, spawned->err.Release(), reader(LogStream::kStderr), [this, id] {
        auto it = containers_.find(id);
        if (it == containers_.end()) return;
        it->second->err_eof = true;
        if (it->second->log) it->second->log->EndStream(LogStream::kStderr, clock_.WallNow());
        OnPipeEof(id);
      });
  c.exit_watch =
      std::make_unique<ExitWatch>(io_, c.leader->pidfd(), [this, id] { OnLeaderExit(id); });
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
      return e.second->child && e.second->child->pid() == p;
    });
    if (p != leader && !exec_leader) c.orphans.push_back(p);
  }
}

void ProcessRuntime::Impl::KillAll(Container& c) {
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
    if (call->container_id == id && call->child && !call->child->reaped()) {
      (void)call->child->SignalGroup(SIGKILL);
    }
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
  pid_t pgid = c.leader->pid();
  c.leader.reset();
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
    // The first stop: SIGTERM to the whole process group (the kubelet's stop signal; the
    // group, so that a shell's children hear it too).
    (void)c.leader->SignalGroup(SIGTERM);
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
  auto spawned = SpawnInContainer(c, argv);
  if (!spawned.ok()) return fail(spawned.error().message);
  uint64_t call_id = next_exec_++;
  auto call = std::make_unique<ExecCall>();
  call->container_id = id;
  call->argv = argv;
  call->child.emplace(std::move(spawned->child));
  call->done = std::move(done);
  auto capture = [this, call_id](bool is_out) {
    return [this, call_id, is_out](std::string_view chunk) {
      auto it2 = execs_.find(call_id);
      if (it2 == execs_.end()) return;
      std::string& buf = is_out ? it2->second->out_buf : it2->second->err_buf;
      // Keep reading past the cap (and drop it) so the command never blocks on its output.
      if (buf.size() < kMaxExecOutput) {
        buf.append(chunk.substr(0, kMaxExecOutput - buf.size()));
      }
    };
  };
  auto eof = [this, call_id](bool is_out) {
    return [this, call_id, is_out] {
      auto it2 = execs_.find(call_id);
      if (it2 == execs_.end()) return;
      (is_out ? it2->second->out_eof : it2->second->err_eof) = true;
      OnExecPipeEof(call_id);
    };
  };
  call->out = std::make_unique<PipeReader>(io_, spawned->out.Release(), capture(true), eof(true));
  call->err = std::make_unique<PipeReader>(io_, spawned->err.Release(), capture(false), eof(false));
  call->exit_watch = std::make_unique<ExitWatch>(io_, call->child->pidfd(),
                                                 [this, call_id] { OnExecExit(call_id); });
  if (timeout > base::Duration::zero()) {
    call->timer = clock_.NewTimer();
    call->timer->Arm(clock_.Now() + timeout,
                     [this, call_id] { CompleteExec(call_id, /*timed_out=*/true); });
  }
  execs_.emplace(call_id, std::move(call));
}

void ProcessRuntime::Impl::OnExecExit(uint64_t call_id) {
  auto it = execs_.find(call_id);
  if (it == execs_.end()) return;
  ExecCall& call = *it->second;
  call.exited = true;
  call.exit_watch.reset();
  // Not reaped yet: while the leader is a zombie its group id stays ours, so a timeout can
  // still kill a background child holding the pipes.
  if (!call.done) {
    MaybeDestroyExec(call_id);
  } else if (call.out_eof && call.err_eof) {
    CompleteExec(call_id, false);
  }
}

void ProcessRuntime::Impl::OnExecPipeEof(uint64_t call_id) {
  auto it = execs_.find(call_id);
  if (it == execs_.end()) return;
  ExecCall& call = *it->second;
  if (call.done && call.exited && call.out_eof && call.err_eof) CompleteExec(call_id, false);
}

void ProcessRuntime::Impl::CompleteExec(uint64_t call_id, bool timed_out) {
  auto it = execs_.find(call_id);
  if (it == execs_.end() || !it->second->done) return;
  ExecCall& call = *it->second;
  ExecSyncResult r;
  // An exec's process group does not outlive the call: on a timeout the command and its
  // children are killed; after a normal exit, whatever it left in the background too (a probe
  // starts no daemons). The leader is not reaped yet, so the group id is still ours. The
  // killed processes become our children (subreaper) and the cleanup reaps them by group.
  (void)call.child->SignalGroup(SIGKILL);
  if (timed_out) {
    r.status = ExecSyncResult::Status::kTimedOut;
  } else {
    r.status = ExecSyncResult::Status::kExited;
    r.exit_code = ExitCode(call.child->TryReap().value_or(0));
  }
  r.output = call.out_buf;
  r.output.append(call.err_buf);
  if (r.output.size() > kMaxExecOutput) r.output.resize(kMaxExecOutput);
  call.out.reset();
  call.err.reset();
  call.timer.reset();
  auto done = std::exchange(call.done, nullptr);
  MaybeDestroyExec(call_id);
  done(std::move(r));
}

void ProcessRuntime::Impl::MaybeDestroyExec(uint64_t call_id) {
  auto it = execs_.find(call_id);
  if (it == execs_.end()) return;
  ExecCall& call = *it->second;
  if (call.done) return;
  if (call.exited) {
    // Reap the leader first, then let the cleanup reap the rest of its group: the cleanup's
    // waitpid(-pgid) must never take the leader from its ChildProcess.
    (void)call.child->TryReap();
    pid_t pgid = call.child->pid();
    execs_.erase(it);
    AddCleanup(Cleanup{"", {}, pgid});
  }
  // Else: killed, not yet exited; OnExecExit comes back here to reap it.
}

void ProcessRuntime::Impl::AddCleanup(Cleanup cleanup) {
  cleanups_.push_back(std::move(cleanup));
  RunCleanups();
}

void ProcessRuntime::Impl::RunCleanups() {
  for (auto it = cleanups_.begin(); it != cleanups_.end();) {
    Cleanup& cl = *it;
    if (cl.pgid > 0) {
      // Reap our exited children in the group; the group is done once it has no member left
      // (zombies count as members, so everything in it was reaped by someone).
      while (::waitpid(-cl.pgid, nullptr, WNOHANG) > 0) {
      }
      if (::kill(-cl.pgid, 0) != 0 && errno == ESRCH) cl.pgid = 0;
    }
    std::erase_if(cl.orphans, [](pid_t p) { return TryReapOrphan(p) != OrphanState::kAlive; });
    if (!cl.cgroup_dir.empty() && RemoveCgroupTree(cl.cgroup_dir).ok()) cl.cgroup_dir.clear();
    ++cl.attempts;
    if (cl.pgid == 0 && cl.orphans.empty() && cl.cgroup_dir.empty()) {
      it = cleanups_.erase(it);
    } else if (cl.attempts >= kCleanupAttempts) {
      spdlog::warn("runtime: giving up on cleaning {} ({} processes not reaped)",
                   cl.cgroup_dir.empty() ? "an exec" : cl.cgroup_dir, cl.orphans.size());
      it = cleanups_.erase(it);
    } else {
      ++it;
    }
  }
  // Re-armed on every pass (Arm replaces a pending deadline): a timer may still report
  // armed() while its own callback runs.
  if (!cleanups_.empty()) {
    cleanup_timer_->Arm(clock_.Now() + kCleanupRetry, [this] { RunCleanups(); });
  }
}

std::optional<ContainerStatus> ProcessRuntime::Impl::GetContainerStatus(
    const std::string& id) const {
  auto it = containers_.find(id);
  if (it == containers_.end()) return std::nullopt;
  ContainerStatus s = it->second->status;
  if (it->second->log) s.log_dropped_bytes = it->second->log->dropped_bytes();
  return s;
}

std::vector<ContainerStatus> ProcessRuntime::Impl::ListContainers() const {
  std::vector<ContainerStatus> out;
  for (const auto& [id, c] : containers_) out.push_back(*GetContainerStatus(id));
  return out;
}

base::Status ProcessRuntime::Impl::RemoveContainer(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return base::Error{"no such container: " + id};
  if (it->second->status.state == ContainerState::kRunning) {
    return base::Error{"container " + id + " is running: stop it first"};
  }
  containers_.erase(it);
  return {};
}

// --- ProcessRuntime ---

ProcessRuntime::ProcessRuntime(boost::asio::io_context& io, base::Clock& clock,
                               ProcessRuntimeOptions options)
    : impl_(std::make_unique<Impl>(io, clock, std::move(options))) {}
ProcessRuntime::~ProcessRuntime() = default;

base::Expected<std::string> ProcessRuntime::CreateContainer(const ContainerConfig& config) {
  return impl_->CreateContainer(config);
}
base::Status ProcessRuntime::StartContainer(const std::string& id) {
  return impl_->StartContainer(id);
}
void ProcessRuntime::StopContainer(const std::string& id, base::Duration grace_period,
                                   std::function<void(base::Status)> done) {
  impl_->StopContainer(id, grace_period, std::move(done));
}
void ProcessRuntime::ExecSync(const std::string& id, const std::vector<std::string>& argv,
                              base::Duration timeout, std::function<void(ExecSyncResult)> done) {
  impl_->ExecSync(id, argv, timeout, std::move(done));
}
std::optional<ContainerStatus> ProcessRuntime::GetContainerStatus(const std::string& id) const {
  return impl_->GetContainerStatus(id);
}
std::vector<ContainerStatus> ProcessRuntime::ListContainers() const {
  return impl_->ListContainers();
}
base::Status ProcessRuntime::RemoveContainer(const std::string& id) {
  return impl_->RemoveContainer(id);
}
void ProcessRuntime::SetExitHandler(ExitHandler handler) {
  impl_->SetExitHandler(std::move(handler));
}
bool ProcessRuntime::cgroup_mode() const { return impl_->cgroup_mode(); }
std::string ProcessRuntime::instance_cgroup() const { return impl_->instance(); }
size_t ProcessRuntime::pending_work() const { return impl_->pending_work(); }

}  // namespace probelet::runtime
