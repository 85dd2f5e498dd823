// runtime_exec: what one exec probe costs under the process runtime (`probelet run`), beside
// the least the same command can cost, in one run:
//  (a) posix_spawn + waitpid of the command (glibc: CLONE_VM|CLONE_VFORK);
//  (b) ProcessRuntime::ExecSync of the command in a running container (cgroup mode when the
//      machine allows it), each call driven to its result and its leader reaped, on the loop.
// CPU per exec: getrusage of this process, self + reaped children.
//
// A child made with fork semantics copies the parent's page tables, so its cost grows with the
// parent's memory; probelet with many pods holds tens of MB. --ballast-mb M touches M MB of
// heap first so that (a) and (b) run in a process of that size (both pay for it alike only if
// the spawn does not copy the address space).
//
// Usage: runtime_exec [--n N=500] [--ballast-mb M=64] [--command /bin/true]
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "cpu_time.h"
#include "runtime/process_runtime.h"

extern char** environ;

namespace {

using namespace probelet;
using namespace std::chrono_literals;

// Per call, in microseconds.
struct Figures {
  double wall_us = 0, cpu_us = 0;
};

template <typename Fn>
Figures Measure(int n, Fn once) {
  bench::PerCall f = bench::MeasurePerCall(n, once);
  return {f.wall_seconds * 1e6, f.cpu_seconds * 1e6};
}

}  // namespace

int main(int argc, char** argv) {
  int n = 500;
  size_t ballast_mb = 64;
  std::string command = "/bin/true";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--n") {
      n = std::atoi(argv[i + 1]);
    } else if (flag == "--ballast-mb") {
      ballast_mb = static_cast<size_t>(std::atol(argv[i + 1]));
    } else if (flag == "--command") {
      command = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: runtime_exec [--n N] [--ballast-mb M] [--command PATH]\n");
      return 2;
    }
  }
  // Touched, so its pages are mapped (and, for a fork-style child, copied into page tables).
  std::vector<char> ballast(ballast_mb << 20);
  for (size_t i = 0; i < ballast.size(); i += 4096) ballast[i] = static_cast<char>(i);

  boost::asio::io_context io;
  base::AsioClock clock(io);
  runtime::ProcessRuntimeOptions options;
  options.guard = false;
  runtime::ProcessRuntime rt(io, clock, options);
  runtime::ContainerConfig config;
  config.container.name = "bench";
  config.container.command = {"/bin/sleep", "100000"};
  config.pod = runtime::PodContext{"bench-0", "default", "uid-bench", "127.0.0.1"};
  auto id = rt.CreateContainerNow(config);
  if (!id.ok() || !rt.StartContainerNow(*id).ok()) {
    std::fprintf(stderr, "cannot start the container\n");
    return 1;
  }

  auto spawn_once = [&] {
    pid_t pid = 0;
    const char* args[] = {command.c_str(), nullptr};
    if (::posix_spawn(&pid, command.c_str(), nullptr, nullptr, const_cast<char**>(args), environ) !=
        0) {
      std::fprintf(stderr, "posix_spawn %s failed\n", command.c_str());
      std::exit(1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  };
  auto exec_once = [&] {
    std::optional<runtime::ExecSyncResult> result;
    rt.ExecSync(*id, {command}, 10s, [&](runtime::ExecSyncResult r) { result = std::move(r); });
    // Until the result and the leader's reaping (pending_work counts the unreaped exec).
    while ((!result || rt.pending_work() > 0) && io.run_one() > 0) {
    }
    if (!result || result->status != runtime::ExecSyncResult::Status::kExited ||
        result->exit_code != 0) {
      std::fprintf(stderr, "exec failed: %s\n", result ? result->error.c_str() : "?");
      std::exit(1);
    }
  };
  for (int i = 0; i < 20; ++i) {
    spawn_once();
    exec_once();
  }
  // Interleaved halves, so a drift of the machine's speed hits both alike.
  Figures spawn{}, exec{};
  for (int round = 0; round < 2; ++round) {
    Figures s = Measure(n / 2, spawn_once);
    Figures e = Measure(n / 2, exec_once);
    spawn.wall_us += s.wall_us / 2;
    spawn.cpu_us += s.cpu_us / 2;
    exec.wall_us += e.wall_us / 2;
    exec.cpu_us += e.cpu_us / 2;
  }
  std::printf("exec probe of %s, %d each, ballast %zu MB, %s mode\n", command.c_str(), n,
              ballast_mb, rt.cgroup_mode() ? "cgroup" : "process-group");
  std::printf("(a) posix_spawn+waitpid      wall %7.1f us  cpu %7.1f us\n", spawn.wall_us,
              spawn.cpu_us);
  std::printf("(b) ProcessRuntime ExecSync  wall %7.1f us  cpu %7.1f us  x%.2f of (a)\n",
              exec.wall_us, exec.cpu_us, exec.cpu_us / spawn.cpu_us);
  return 0;
}
