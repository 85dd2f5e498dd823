// probelet-shim: the supervisor of one process-runtime container, as conmon is for CRI-O's and
// containerd-shim for containerd's. It is what lets a container outlive probelet (issue 12):
// the container is the shim's child, not probelet's, so when probelet stops or dies
//  - the container's output still has a reader: the shim writes it to the log file in the CRI
//    format (runtime/container_log.h), so the container never blocks on a full pipe nor dies
//    of SIGPIPE;
//  - its exit is still seen: the shim reaps it and writes the wait status and the time of the
//    exit to <dir>/exit (runtime/shim_spec.h), where the next probelet finds it.
// The shim does what probelet did at a leader's exit: it kills whatever the container left
// (cgroup.kill, then the process group, while the zombie leader still pins the group id), and
// as child subreaper it reaps the container's orphans. Then it drains the output, writes the
// exit file and exits. probelet watches the shim's pidfd and reads the exit file.
//
//   probelet-shim DIR      (DIR/spec is the ShimSpec; fds as shim_spec.h says)
//
// Small on purpose: one thread for the loop and the log writer's thread, no event library, the
// container spawned through base::ChildProcess (the same clone3 path as probelet's). The
// container has PR_SET_PDEATHSIG from the shim: if the shim is killed, the container dies with
// it rather than run unsupervised.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "base/async_writer.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "runtime/container_log.h"
#include "runtime/shim_spec.h"

namespace probelet::runtime {
namespace {

api::Time WallNow() {
  return std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Tells probelet how the spawn went, once, then lets go of the pipe.
void Report(const std::string& line) {
  WriteAll(STDOUT_FILENO, line + "\n");
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDOUT_FILENO);
    ::close(null);
  }
}

// Writes the exit file so that it appears whole or not at all.
bool WriteExitFile(const std::string& dir, const ShimExit& exit) {
  std::string tmp = dir + "/exit.tmp";
  base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return false;
  WriteAll(fd.get(), EncodeShimExit(exit));
  ::fsync(fd.get());
  fd.Reset();
  return ::rename(tmp.c_str(), (dir + "/exit").c_str()) == 0;
}

class Supervisor {
 public:
  Supervisor(std::string dir, ShimSpec spec) : dir_(std::move(dir)), spec_(std::move(spec)) {}

  int Run() {
    if (!Start()) return 1;
    Loop();
    if (log_) {
      for (int s = 0; s < 2; ++s) {
        if (pipes_[s].valid()) log_->EndStream(static_cast<LogStream>(s), WallNow());
      }
    }
    log_.reset();
    writer_.Flush(std::chrono::seconds(5));
    ReapOrphans();
    return WriteExitFile(dir_, ShimExit{wait_status_, finished_.time_since_epoch().count()}) ? 0
                                                                                             : 1;
  }

 private:
  bool Start() {
    if (spec_.log) {
      log_.emplace(writer_, base::UniqueFd(kShimLogFd), static_cast<size_t>(spec_.max_log_line));
    }
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      Report(std::string("err pipe: ") + std::strerror(errno));
      return false;
    }
    base::SpawnOptions spawn;
    spawn.argv = spec_.argv;
    spawn.env = spec_.env;
    spawn.working_dir = spec_.working_dir;
    spawn.uid = spec_.uid;
    spawn.gid = spec_.gid;
    spawn.stdout_fd = out[1];
    spawn.stderr_fd = err[1];
    spawn.new_process_group = true;
    spawn.cgroup_fd = spec_.cgroup ? kShimCgroupFd : -1;
    spawn.die_with_parent = true;
    // Taken before the spawn, so that a container that exits at once never ends before it
    // started.
    const api::Time started = WallNow();
    auto child = base::ChildProcess::Spawn(spawn);
    ::close(out[1]);
    ::close(err[1]);
    pipes_[0].Reset(out[0]);
    pipes_[1].Reset(err[0]);
    if (!child.ok()) {
      Report("err " + child.error().message);
      return false;
    }
    leader_.emplace(std::move(child).value());
    Report("ok " + std::to_string(leader_->pid()) + " " +
           std::to_string(started.time_since_epoch().count()));
    for (auto& p : pipes_) ::fcntl(p.get(), F_SETFL, O_NONBLOCK);
    return true;
  }

  void Loop() {
    auto deadline = std::chrono::steady_clock::time_point::max();
    while (!leader_exited_ || pipes_[0].valid() || pipes_[1].valid()) {
      pollfd fds[4] = {{pipes_[0].get(), POLLIN, 0},
                       {pipes_[1].get(), POLLIN, 0},
                       {leader_exited_ ? -1 : leader_->pidfd(), POLLIN, 0},
                       {sigchld_.get(), POLLIN, 0}};
      int timeout = -1;
      if (leader_exited_) {
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return;  // a process escaped
        timeout = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
      }
      if (::poll(fds, 4, timeout) < 0 && errno != EINTR) return;
      for (int s = 0; s < 2; ++s) {
        if (fds[s].revents != 0) ReadPipe(s);
      }
      if (fds[3].revents != 0) {
        signalfd_siginfo info;
        while (::read(sigchld_.get(), &info, sizeof info) == sizeof info) {
        }
        ReapOrphans();
      }
      if (!leader_exited_ && (fds[2].revents != 0 || leader_->HasExited())) {
        OnLeaderExit();
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(spec_.drain_ms);
      }
    }
  }

  void ReadPipe(int s) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(pipes_[s].get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;  // EAGAIN: drained for now
      if (n == 0) {
        if (log_) log_->EndStream(static_cast<LogStream>(s), WallNow());
        pipes_[s].Reset();
        return;
      }
      if (log_) log_->Append(static_cast<LogStream>(s), std::string_view(buf, n), WallNow());
    }
  }

  // As at the end of a pid namespace: what the leader left is killed; the zombie leader keeps
  // its group id from being reused until this is done.
  void OnLeaderExit() {
    finished_ = WallNow();
    if (spec_.cgroup) {
      base::UniqueFd kill(::openat(kShimCgroupFd, "cgroup.kill", O_WRONLY | O_CLOEXEC));
      if (kill.valid()) WriteAll(kill.get(), "1");
    }
    ::kill(-leader_->pid(), SIGKILL);
    wait_status_ = leader_->TryReap().value_or(0);
    leader_exited_ = true;
  }

  // Every exited child but the leader (which OnLeaderExit reaps after the kill): orphans of
  // the container become ours, as the shim is their subreaper.
  void ReapOrphans() {
    for (;;) {
      siginfo_t info{};
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
      if (leader_ && !leader_exited_ && info.si_pid == leader_->pid()) {
        OnLeaderExit();
        continue;
      }
      ::waitpid(info.si_pid, nullptr, WNOHANG);
    }
  }

 public:
  // SIGCHLD through a signalfd, so the loop hears of orphans without a handler.
  bool WatchChildren() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return false;
    sigchld_.Reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    return sigchld_.valid();
  }

 private:
  std::string dir_;
  ShimSpec spec_;
  base::AsyncWriter writer_{1 << 20};
  std::optional<ContainerLog> log_;
  base::UniqueFd pipes_[2];
  base::UniqueFd sigchld_;
  std::optional<base::ChildProcess> leader_;
  bool leader_exited_ = false;
  int wait_status_ = 0;
  api::Time finished_{};
};

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: probelet-shim DIR (started by probelet's process runtime)\n");
    return 2;
  }
  std::string dir = argv[1];
  auto data = ReadWholeFile(dir + "/spec");
  if (!data) {
    Report("err read " + dir + "/spec: " + std::strerror(errno));
    return 1;
  }
  auto spec = DecodeShimSpec(*data);
  if (!spec.ok()) {
    Report("err " + spec.error().message);
    return 1;
  }
  // Its own session: a terminal's ^C to probelet's foreground group does not reach it, and it
  // stays when probelet goes. The stop signals are for the container, not for its supervisor.
  ::setsid();
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  Supervisor supervisor(dir, std::move(spec).value());
  if (!supervisor.WatchChildren()) {
    Report(std::string("err signalfd: ") + std::strerror(errno));
    return 1;
  }
  return supervisor.Run();
}

}  // namespace
}  // namespace probelet::runtime

int main(int argc, char** argv) { return probelet::runtime::Main(argc, argv); }
