// The process runtime's shim mode (process_runtime.h, ProcessRuntimeOptions::state_dir): a
// container started through its probelet-shim, the shim's exit as the container's end, the
// checkpoint that lets the next probelet adopt it, and the adoption itself.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/go_duration.h"
#include "runtime/cgroup.h"
#include "runtime/container_checkpoint.h"
#include "runtime/process_runtime_impl.h"
#include "runtime/shim_spec.h"

namespace probelet::runtime {
namespace {

base::UniqueFd PidfdOpen(pid_t pid) {
  return base::UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

// The shim's one report line (without its newline): "ok <pid> <unix ns>" or "err <message>".
base::Expected<ShimReport> ParseReport(const std::string& line) {
  if (line.rfind("ok ", 0) == 0) {
    char* end = nullptr;
    ShimReport report;
    report.pid = static_cast<pid_t>(std::strtol(line.c_str() + 3, &end, 10));
    report.started = api::Time(std::chrono::nanoseconds(std::strtoll(end, nullptr, 10)));
    if (report.pid <= 0) return base::Error{"probelet-shim: bad report \"" + line + "\""};
    return report;
  }
  if (line.rfind("err ", 0) == 0) return base::Error{line.substr(4)};
  return base::Error{"probelet-shim: unexpected report \"" + line + "\""};
}

// Waits for the report on `fd`, at most `timeout` (ProcessRuntimeOptions::shim_report_timeout)
// in all (StartContainerNow only: the loop's starts read it asynchronously, LaunchStart).
base::Expected<ShimReport> ReadReport(int fd, base::Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  char buf[512];
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    int r = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      return base::Error{"probelet-shim did not report within " + base::FormatGoDuration(timeout)};
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return base::Error{"probelet-shim exited before reporting the start"};
    line.append(buf, static_cast<size_t>(n));
  }
  line.resize(line.find('\n'));
  return ParseReport(line);
}

std::optional<ShimExit> ReadExitFile(const std::string& dir) {
  auto exit = DecodeShimExit(ReadSmallFile(dir + "/exit"));
  if (!exit.ok()) return std::nullopt;
  return *exit;
}

// What a container whose shim died without a word is recorded as: killed (its leader had
// PR_SET_PDEATHSIG from the shim).
constexpr int kLostWaitStatus = SIGKILL;

}  // namespace

std::string ProcessRuntime::Impl::ContainerStateDir(const std::string& id) const {
  return options_.state_dir + "/containers/" + id.substr(kIdPrefix.size());
}

base::Status ProcessRuntime::Impl::SignalLeader(Container& c, int sig) {
  if (c.leader) return c.leader->Signal(sig);
  if (!c.leader_pidfd.valid()) return base::Error{"signal: the container has exited", ESRCH};
  if (::syscall(SYS_pidfd_send_signal, c.leader_pidfd.get(), sig, nullptr, 0) != 0) {
    return base::Error{std::string("pidfd_send_signal: ") + std::strerror(errno), errno};
  }
  return {};
}

base::Expected<base::UniqueFd> ProcessRuntime::Impl::SpawnShim(Container& c,
                                                               const std::string& id) {
  std::string dir = ContainerStateDir(id);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return base::Error{"state dir " + dir + ": " + ec.message(), ec.value()};
  c.state_dir = dir;
  ShimSpec spec;
  spec.argv = c.command.argv;
  spec.env = c.command.env;
  spec.working_dir = c.working_dir;
  spec.uid = c.uid;
  spec.gid = c.gid;
  spec.log = !c.status.log_path.empty();
  spec.cgroup = c.cgroup_fd.valid();
  spec.max_log_line = options_.max_log_line;
  spec.drain_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.log_drain_timeout).count());
  if (auto st = WriteFileAtomically(dir + "/spec", EncodeShimSpec(spec)); !st.ok()) {
    return st.error();
  }

  base::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  base::UniqueFd log;
  if (spec.log) {
    log.Reset(::open(c.status.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!log.valid()) {
      return base::Error{"open log " + c.status.log_path + ": " + std::strerror(errno), errno};
    }
  }
  auto report = base::Pipe::Make();
  if (!report.ok()) return report.error();
  base::SpawnOptions spawn;
  spawn.argv = {options_.shim_path, dir};
  spawn.env = std::vector<std::string>{};  // the container's environment is in the spec
  spawn.stdout_fd = report->write.get();
  spawn.new_process_group = false;  // it makes its own session
  spawn.die_with_parent = false;    // it outlives probelet: that is its point
  spawn.extra_fds = {log.valid() ? log.get() : null.get(),
                     c.cgroup_fd.valid() ? c.cgroup_fd.get() : null.get()};
  auto shim = base::ChildProcess::Spawn(spawn);
  report->write.Reset();
  if (!shim.ok())
    return base::Error{"probelet-shim: " + shim.error().message, shim.error().sys_errno};
  c.shim.emplace(std::move(shim).value());
  return std::move(report->read);
}

base::Status ProcessRuntime::Impl::StartWithShim(Container& c, const std::string& id) {
  auto report = SpawnShim(c, id);
  if (!report.ok()) return report.error();
  return ShimReported(c, id, ReadReport(report->get(), options_.shim_report_timeout));
}

void ProcessRuntime::Impl::QueueStartWithShim(Container& c, const std::string& id,
                                              std::function<void(base::Status)> done) {
  c.starting = std::make_unique<PendingStart>();
  c.starting->done = std::move(done);
  queued_starts_.push_back(id);
  LaunchQueuedStarts();
}

void ProcessRuntime::Impl::LaunchQueuedStarts() {
  const size_t limit = std::max<size_t>(options_.max_concurrent_starts, 1);
  while (starts_in_flight_ < limit && !queued_starts_.empty()) {
    const std::string id = std::move(queued_starts_.front());
    queued_starts_.pop_front();
    auto it = containers_.find(id);
    if (it == containers_.end() || !it->second->starting || it->second->starting->report) continue;
    ++starts_in_flight_;
    LaunchStart(*it->second, id);
  }
}

void ProcessRuntime::Impl::LaunchStart(Container& c, const std::string& id) {
  using Result = std::optional<base::Expected<ShimReport>>;
  // Every way the start ends goes through FinishStartWithShim on a later turn, which counts
  // the launch as done and launches the next queued start.
  auto complete = [this, id](Result result) {
    Post([this, id, result = std::move(result)] { FinishStartWithShim(id, result); });
  };
  base::Status prepared = PrepareStart(c);
  auto report = prepared.ok() ? SpawnShim(c, id) : base::Expected<base::UniqueFd>(prepared.error());
  if (!report.ok()) {
    complete(report.error());
    return;
  }
  // The loop goes on with other work (other pods' starts, probes) while the shim execs and
  // clones; the report, its end of file or the timeout completes the start.
  PendingStart* p = c.starting.get();
  p->report_fd = report->get();
  p->timeout = clock_.NewTimer();
  p->timeout->Arm(clock_.Now() + options_.shim_report_timeout, [this, p, complete] {
    // A loop busy for longer than the timeout may find the report unread in the pipe: it
    // counts, as a late turn of the loop is not a late shim.
    char buf[512];
    ssize_t n = 0;
    while (p->line.find('\n') == std::string::npos &&
           (n = ::read(p->report_fd, buf, sizeof buf)) > 0 && p->line.size() < 4096) {
      p->line.append(buf, static_cast<size_t>(n));
    }
    if (p->line.find('\n') != std::string::npos) {
      complete(std::nullopt);
      return;
    }
    complete(base::Error{"probelet-shim did not report within " +
                         base::FormatGoDuration(options_.shim_report_timeout)});
  });
  p->report = std::make_unique<base::PipeReader>(
      io_, report->Release(),
      [p, complete](std::string_view chunk) {
        if (p->line.find('\n') != std::string::npos) return;  // reported already
        p->line.append(chunk.substr(0, std::min<size_t>(chunk.size(), 4096)));
        if (p->line.find('\n') != std::string::npos) complete(std::nullopt);
      },
      [p, complete] {
        if (p->line.find('\n') != std::string::npos) return;  // completing already
        complete(base::Error{"probelet-shim exited before reporting the start"});
      });
}

void ProcessRuntime::Impl::FinishStartWithShim(
    const std::string& id, const std::optional<base::Expected<ShimReport>>& result) {
  auto it = containers_.find(id);
  if (it == containers_.end() || !it->second->starting) return;
  Container& c = *it->second;
  auto pending = std::exchange(c.starting, nullptr);
  --starts_in_flight_;
  // A complete line wins over an error that raced it (the timeout, an end of file).
  const size_t eol = pending->line.find('\n');
  base::Expected<ShimReport> report =
      eol != std::string::npos || !result ? ParseReport(pending->line.substr(0, eol)) : *result;
  base::Status started = ShimReported(c, id, std::move(report));
  if (!started.ok()) (void)FailStart(c, started.error());
  auto done = std::move(pending->done);
  auto stop_grace = pending->stop_grace;
  auto stop_waiters = std::move(pending->stop_waiters);
  pending.reset();  // closes the report pipe before the next spawn copies the fd table
  LaunchQueuedStarts();
  done(started);
  if (!stop_grace) return;
  // A stop asked for while it started (StopContainer): carried out now.
  auto notify = [waiters = std::move(stop_waiters)](base::Status st) {
    for (const auto& w : waiters) w(st);
  };
  if (started.ok()) {
    StopContainer(id, *stop_grace, std::move(notify));
  } else {
    Post([notify = std::move(notify)] { notify(base::Status::Ok()); });
  }
}

base::Status ProcessRuntime::Impl::ShimReported(Container& c, const std::string& id,
                                                base::Expected<ShimReport> started) {
  if (!started.ok()) {
    if (c.shim) c.shim->KillAndReap();
    c.shim.reset();
    return started.error();
  }
  const pid_t pid = started->pid;
  c.status.state = ContainerState::kRunning;
  c.status.started_at = started->started;
  c.status.pid = pid;
  c.leader_pidfd = PidfdOpen(pid);  // fails only if it is gone already: the exit follows
  c.out_eof = c.err_eof = true;     // the shim reads the output

  ContainerCheckpoint cp;
  cp.id = id;
  cp.name = c.status.name;
  cp.pod_uid = c.status.pod_uid;
  cp.pod_name = c.pod_name;
  cp.pod_namespace = c.pod_namespace;
  cp.restart_count = c.status.restart_count;
  cp.termination_grace_period_seconds = c.status.termination_grace_period_seconds;
  cp.log_path = c.status.log_path;
  cp.created_at = c.status.created_at;
  cp.started_at = c.status.started_at;
  cp.cgroup_dir = c.cgroup_dir;
  cp.shim_pid = c.shim->pid();
  cp.shim_start = ProcessStartTime(cp.shim_pid);
  cp.pid = pid;
  cp.pid_start = ProcessStartTime(pid);
  if (auto st = WriteFileAtomically(c.state_dir + "/record", EncodeContainerCheckpoint(cp));
      !st.ok()) {
    // Running but not adoptable by a later probelet: say so, and carry on.
    spdlog::error("runtime: container {} ({}): {}", c.status.name, id, st.error().message);
  }
  c.exit_watch =
      std::make_unique<base::ExitWatch>(io_, c.shim->pidfd(), [this, id] { OnShimExit(id); });
  // The shim holds the container's cgroup; probelet needs it only for an exec-sync, which opens
  // it then: one fd less per container here (each spawn's close_range walks them all).
  c.cgroup_fd.Reset();
  return {};
}

void ProcessRuntime::Impl::OnShimExit(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Container& c = *it->second;
  if (c.shim) c.shim->TryReap();
  c.exit_watch.reset();
  if (auto exit = ReadExitFile(c.state_dir)) {
    c.wait_status = exit->wait_status;
    c.exited_at = api::Time(std::chrono::nanoseconds(exit->finished_unix_ns));
  } else {
    c.wait_status = kLostWaitStatus;
    c.exited_at = clock_.WallNow();
    c.status.message = "probelet-shim ended without recording the container's exit";
    KillAll(c);
  }
  // The container's exec-syncs end with it (in cgroup mode the shim's kill reached them).
  for (auto& [call_id, call] : execs_) {
    if (call->container_id == id && call->command) call->command->Kill();
  }
  c.leader_exited = true;
  if (c.kill_timer) c.kill_timer->Cancel();
  Finish(id);
}

std::unique_ptr<ProcessRuntime::Impl::Container> ProcessRuntime::Impl::AdoptOne(
    const std::string& dir, base::Status& error) {
  const std::string record = dir + "/record";
  auto cp = DecodeContainerCheckpoint(ReadSmallFile(record));
  if (!cp.ok()) {
    error = base::Error{"state file " + record + ": " + cp.error().message};
    return nullptr;
  }
  auto spec = DecodeShimSpec(ReadSmallFile(dir + "/spec"));
  if (!spec.ok()) {
    error = base::Error{"state file " + dir + "/spec: " + spec.error().message};
    return nullptr;
  }
  auto c = std::make_unique<Container>();
  c->status.id = cp->id;
  c->status.name = cp->name;
  c->status.pod_uid = cp->pod_uid;
  c->status.restart_count = cp->restart_count;
  c->status.termination_grace_period_seconds = cp->termination_grace_period_seconds;
  c->status.log_path = cp->log_path;
  c->status.created_at = cp->created_at;
  c->status.started_at = cp->started_at;
  c->status.state = ContainerState::kRunning;
  c->status.pid = cp->pid;
  c->pod_name = cp->pod_name;
  c->pod_namespace = cp->pod_namespace;
  c->command.argv = spec->argv;
  c->command.env = spec->env;
  c->working_dir = spec->working_dir;
  c->uid = spec->uid;
  c->gid = spec->gid;
  c->state_dir = dir;
  c->cgroup_dir = cp->cgroup_dir;
  c->out_eof = c->err_eof = true;
  auto exit = ReadExitFile(dir);
  // The shim is the one recorded only if its start time matches: a recycled pid is not it.
  // (Once the exit file is there, the shim is done, even if it is still a zombie.)
  if (!exit && !cp->shim_start.empty() && ProcessStartTime(cp->shim_pid) == cp->shim_start) {
    c->shim_pidfd = PidfdOpen(cp->shim_pid);
  }
  if (c->shim_pidfd.valid()) {
    if (!cp->pid_start.empty() && ProcessStartTime(cp->pid) == cp->pid_start) {
      c->leader_pidfd = PidfdOpen(cp->pid);
    }
    return c;  // running, or ending: the shim's exit (watched by the caller) tells
  }
  // Ended while probelet was away: as its shim recorded, or, when the shim died too, killed.
  if (!exit) exit = ReadExitFile(dir);  // it may have finished meanwhile
  c->wait_status = exit ? exit->wait_status : kLostWaitStatus;
  c->exited_at =
      exit ? api::Time(std::chrono::nanoseconds(exit->finished_unix_ns)) : clock_.WallNow();
  if (!exit) c->status.message = "probelet-shim ended without recording the container's exit";
  c->leader_exited = true;
  c->status.state = ContainerState::kRunning;  // Finish records the end
  return c;
}

base::Status ProcessRuntime::Impl::Adopt() {
  if (!shim_mode()) return {};
  const std::filesystem::path root = options_.state_dir + "/containers";
  std::error_code ec;
  if (!std::filesystem::exists(root, ec)) return {};
  std::vector<std::string> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (entry.is_directory()) dirs.push_back(entry.path().string());
  }
  if (ec) return base::Error{"state dir " + root.string() + ": " + ec.message(), ec.value()};
  std::sort(dirs.begin(), dirs.end());
  std::vector<std::unique_ptr<Container>> adopted;
  for (const auto& dir : dirs) {
    if (!std::filesystem::exists(dir + "/record")) {
      // Created, never started (or probelet died within its start): nothing to adopt.
      std::filesystem::remove_all(dir, ec);
      continue;
    }
    base::Status error;
    auto c = AdoptOne(dir, error);
    if (!c) return error;  // nothing adopted, nothing killed: the caller stops
    adopted.push_back(std::move(c));
  }
  for (auto& c : adopted) {
    std::string id = c->status.id;
    bool ended = c->leader_exited;
    int shim_fd = c->shim_pidfd.get();
    containers_.emplace(id, std::move(c));
    if (ended) {
      Finish(id);
    } else {
      containers_[id]->exit_watch =
          std::make_unique<base::ExitWatch>(io_, shim_fd, [this, id] { OnShimExit(id); });
    }
  }
  spdlog::info("runtime: adopted {} containers from {}", adopted.size(), root.string());
  return {};
}

void ProcessRuntime::Impl::RemoveExitedCheckpoints() {
  if (!shim_mode()) return;
  for (auto& [id, c] : containers_) {
    if (c->status.state != ContainerState::kExited || c->state_dir.empty()) continue;
    std::error_code ec;
    std::filesystem::remove_all(c->state_dir, ec);
    c->state_dir.clear();
  }
}

}  // namespace probelet::runtime
