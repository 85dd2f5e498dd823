#include "runtime/process_runtime.h"

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

#include "runtime/cgroup.h"
#include "runtime/process_runtime_impl.h"

namespace probelet::runtime {
namespace {

// Leftovers (killed orphans to reap, cgroup directories to remove) are retried this often, this
// many times, after a container or an exec ends.
constexpr auto kCleanupRetry = std::chrono::milliseconds(20);
constexpr int kCleanupAttempts = 250;

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

ProcessRuntime::Impl::Impl(boost::asio::io_context& io, base::Clock& clock,
                           ProcessRuntimeOptions options)
    : io_(io),
      clock_(clock),
      options_(std::move(options)),
      log_writer_(options_.log_queue_bytes),
      cleanup_timer_(clock.NewTimer()) {
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
  // ... and reaped as soon as they exit, whether or not a container or an exec has ended.
  reaper_.emplace(io_, clock_);

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
    if (shim_mode()) name = StateDirInstanceName(options_.state_dir);
    // Unseeded on purpose: two runtimes in one process with the same id_seed stay apart.
    uint32_t suffix = 0;
    if (::getrandom(&suffix, sizeof suffix, 0) != sizeof suffix) {
      suffix = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(this));
    }
    // <root>/p<pid>-<start>/<suffix>: the process's directory (what sweeps look at), then one
    // per runtime.
    std::string dir = options_.cgroup_root + "/" + name + "/" + fmt::format("r{:08x}", suffix);
    if (shim_mode()) dir = options_.cgroup_root + "/" + name;  // one per state dir, kept
    if (name.empty()) {
      why_not = "cannot read /proc/self/stat";
    } else if (auto st1 = MakeCgroup(options_.cgroup_root + "/" + name); !st1.ok()) {
      why_not = st1.error().message;
    } else if (auto st2 = shim_mode() ? base::Status{} : MakeCgroup(dir); !st2.ok()) {
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
  // In shim mode containers are meant to outlive probelet: no guard kills them.
  if (options_.guard && !shim_mode()) {
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
  if (shim_mode()) {
    // The shims live on (they are not killed with us); unless detached, the containers are
    // killed and their shims record it. Exec-syncs, probelet's own children, end below.
    for (auto& [id, c] : containers_) {
      // A start whose shim has not reported has no checkpoint: nothing could adopt it, so it
      // goes (its leader has PR_SET_PDEATHSIG from the shim).
      if (c->starting && c->shim) c->shim->KillAndReap();
      if (c->shim) c->shim->Abandon();
      if (!detached_ && c->status.state == ContainerState::kRunning) KillAll(*c);
    }
    containers_.clear();
    execs_.clear();
    return;
  }
  // Kill everything still running, reap it, and wait (bounded) for the cgroups to empty so
  // they can be removed: nothing a container started outlives the runtime.
  std::vector<pid_t> orphans;
  for (auto& [id, c] : containers_) {
    if (c->leader && !c->leader->reaped()) {
      auto members = c->cgroup_dir.empty() ? ProcessGroupMembers(c->leader->pid())
                                           : CgroupProcs(c->cgroup_dir);
      std::erase(members, c->leader->pid());  // reaped by KillAndReap below
      for (auto& [call_id, call] : execs_) {
        if (call->command) std::erase(members, call->command->pid());  // likewise
      }
      orphans.insert(orphans.end(), members.begin(), members.end());
      KillAll(*c);
      c->exit_watch.reset();
      c->leader->KillAndReap();
    }
    orphans.insert(orphans.end(), c->orphans.begin(), c->orphans.end());
  }
  for (auto& [call_id, call] : execs_) {
    pid_t pgid = call->command ? call->command->pid() : 0;
    if (pgid <= 0) continue;
    auto members = ProcessGroupMembers(pgid);
    std::erase(members, pgid);  // reaped when the command is destroyed, below
    orphans.insert(orphans.end(), members.begin(), members.end());
  }
  execs_.clear();  // each command SIGKILLs its group and reaps its leader
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
  c->status.pod_uid = config.pod.uid;
  c->status.restart_count = config.restart_count;
  c->status.termination_grace_period_seconds = config.termination_grace_period_seconds;
  c->pod_name = config.pod.name;
  c->pod_namespace = config.pod.namespace_;
  c->status.state = ContainerState::kCreated;
  c->status.created_at = clock_.WallNow();
  containers_.emplace(id, std::move(c));
  return id;
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
  if (it->second->log_counters) s.log_dropped_bytes = it->second->log_counters->dropped_bytes;
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
  if (it->second->starting) return base::Error{"container " + id + " is starting: stop it first"};
  if (!it->second->state_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(it->second->state_dir, ec);
  }
  containers_.erase(it);
  return {};
}

// --- ProcessRuntime ---

ProcessRuntime::ProcessRuntime(boost::asio::io_context& io, base::Clock& clock,
                               ProcessRuntimeOptions options)
    : impl_(std::make_unique<Impl>(io, clock, std::move(options))) {}
ProcessRuntime::~ProcessRuntime() = default;

void ProcessRuntime::RunPodSandbox(const PodSandboxConfig& /*config*/,
                                   std::function<void(base::Expected<PodSandbox>)> done) {
  impl_->Post([done = std::move(done)] { done(PodSandbox{"", "127.0.0.1"}); });
}
void ProcessRuntime::StopPodSandbox(const std::string& /*sandbox_id*/,
                                    std::function<void(base::Status)> done) {
  impl_->Post([done = std::move(done)] { done(base::Status::Ok()); });
}
void ProcessRuntime::RemovePodSandbox(const std::string& /*sandbox_id*/,
                                      std::function<void(base::Status)> done) {
  impl_->Post([done = std::move(done)] { done(base::Status::Ok()); });
}
void ProcessRuntime::CreateContainer(const ContainerConfig& config,
                                     std::function<void(base::Expected<std::string>)> done) {
  impl_->Post([done = std::move(done), id = impl_->CreateContainer(config)]() mutable {
    done(std::move(id));
  });
}
void ProcessRuntime::StartContainer(const std::string& id, std::function<void(base::Status)> done) {
  impl_->StartContainer(id, std::move(done));
}
base::Expected<std::string> ProcessRuntime::CreateContainerNow(const ContainerConfig& config) {
  return impl_->CreateContainer(config);
}
base::Status ProcessRuntime::StartContainerNow(const std::string& id) {
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
void ProcessRuntime::Shutdown(std::function<void(base::Status)> done) {
  impl_->RemoveExitedCheckpoints();
  impl_->Post([done = std::move(done)] { done(base::Status::Ok()); });
}
base::Status ProcessRuntime::Adopt() { return impl_->Adopt(); }
void ProcessRuntime::Detach() { impl_->Detach(); }
bool ProcessRuntime::cgroup_mode() const { return impl_->cgroup_mode(); }
std::string ProcessRuntime::instance_cgroup() const { return impl_->instance(); }
size_t ProcessRuntime::pending_work() const { return impl_->pending_work(); }
uint64_t ProcessRuntime::log_dropped_lines() const { return impl_->log_dropped_lines(); }
bool ProcessRuntime::FlushLogs(base::Duration limit) { return impl_->FlushLogs(limit); }

}  // namespace probelet::runtime
