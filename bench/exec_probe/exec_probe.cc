// exec_probe: what one exec probe of `true` costs, three ways, in one run:
//  (a) a bare posix_spawn + waitpid on the host, of /bin/true (dynamic) and of busybox-static's
//      `true` (the very binary the container runs);
//  (b) RunInContainer (direct exec, runtime/cri/direct_exec.h) into a running container;
//  (c) CRI ExecSync through CriClient (containerd, its shim, runc exec).
// CPU per exec: getrusage of this process, self + reaped children; for (c) also containerd's and
// the pod's shim's CPU from /proc/<pid>/stat (utime + stime + the children they reaped: runc).
// Usage: exec_probe [N=200]. Needs root and containerd; starts a private one (tests' fixture).
#include <dirent.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "cpu_time.h"
#include "runtime/cri/direct_exec.h"
#include "runtime/cri/testing/containerd_fixture.h"
#include "runtime/cri/testing/running_container.h"

extern char** environ;

namespace {

using namespace probelet;
namespace cri = probelet::runtime::cri;
using namespace std::chrono_literals;

// utime + stime + cutime + cstime of a process, in seconds; 0 if gone.
double ProcessCpu(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 17 && fields >> f; ++i) {
    if (i >= 14) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The shims serving `socket` (their command line names it after -address).
std::vector<pid_t> Shims(const std::string& socket) {
  std::vector<pid_t> out;
  DIR* dir = ::opendir("/proc");
  for (dirent* e; dir != nullptr && (e = ::readdir(dir)) != nullptr;) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    if (cmdline.find("containerd-shim") != std::string::npos &&
        cmdline.find(socket) != std::string::npos) {
      out.push_back(pid);
    }
  }
  if (dir != nullptr) ::closedir(dir);
  return out;
}

struct Figures {
  double wall_ms = 0, cpu_ms = 0, server_cpu_ms = 0;
};

void Print(const char* what, int n, const Figures& f, double reference_cpu_ms) {
  std::printf("%-44s n=%-5d wall %7.3f ms  cpu %7.3f ms", what, n, f.wall_ms, f.cpu_ms);
  if (f.server_cpu_ms > 0) {
    std::printf(" (+ containerd/shim/runc %7.3f = %7.3f)", f.server_cpu_ms,
                f.cpu_ms + f.server_cpu_ms);
  }
  std::printf("  x%.2f of (a)\n", (f.cpu_ms + f.server_cpu_ms) / reference_cpu_ms);
}

template <typename Fn>
Figures Measure(int n, Fn once, const std::vector<pid_t>& servers = {}) {
  double server_before = 0;
  for (pid_t p : servers) server_before += ProcessCpu(p);
  bench::PerCall own = bench::MeasurePerCall(n, once);
  Figures f;
  f.wall_ms = own.wall_seconds * 1000;
  f.cpu_ms = own.cpu_seconds * 1000;
  double server_after = 0;
  for (pid_t p : servers) server_after += ProcessCpu(p);
  f.server_cpu_ms = (server_after - server_before) * 1000 / n;
  return f;
}

void Spawn(const std::vector<const char*>& argv) {
  pid_t pid = 0;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char**>(argv.data()), environ) !=
      0) {
    std::fprintf(stderr, "posix_spawn %s failed\n", argv[0]);
    std::exit(1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 200;
  if (auto missing = cri::testing::PrivateContainerd::MissingTools(); !missing.empty()) {
    std::fprintf(stderr, "missing: %s\n", missing.c_str());
    return 2;
  }
  auto containerd = cri::testing::PrivateContainerd::Start();
  if (!containerd.ok()) {
    std::fprintf(stderr, "containerd: %s\n", containerd.error().message.c_str());
    return 1;
  }
  boost::asio::io_context io;
  base::AsioClock clock(io);
  auto client = cri::NewCriClient(io, (*containerd)->endpoint());
  if (!client.ok()) return 1;
  auto c = cri::testing::StartContainer(io, **client, **containerd, "bench", {"sleep", "100000"});
  if (!c.ok()) {
    std::fprintf(stderr, "container: %s\n", c.error().message.c_str());
    return 1;
  }
  auto direct_once = [&] {
    std::optional<base::CommandResult> result;
    auto command = cri::RunInContainer(io, clock, c->pid, {"true"}, 10s,
                                       [&](base::CommandResult r) { result = r; });
    io.restart();
    while (!result && io.run_one() > 0) {
    }
    if (!result || result->status != base::CommandResult::Status::kExited ||
        result->exit_code != 0) {
      std::fprintf(stderr, "direct exec failed: %s\n", result ? result->error.c_str() : "?");
      std::exit(1);
    }
  };
  // The same engine on the host (no container): what base's spawn costs in this process.
  auto captured_once = [&] {
    std::optional<base::CommandResult> result;
    base::CapturedCommandOptions options;
    options.spawn.argv = {"/bin/busybox", "true"};
    options.timeout = 10s;
    auto command = base::CapturedCommand::Start(io, clock, std::move(options),
                                                [&](base::CommandResult r) { result = r; });
    io.restart();
    while (!result && io.run_one() > 0) {
    }
  };
  auto exec_sync_once = [&] {
    auto r = cri::testing::ExecSync(io, **client, c->container_id, {"true"});
    if (!r.ok() || r->first != 0) {
      std::fprintf(stderr, "ExecSync failed\n");
      std::exit(1);
    }
  };
  // Warm up each path (page cache, lazy set-up in containerd and gRPC).
  for (int i = 0; i < 5; ++i) {
    Spawn({"/bin/true", nullptr});
    direct_once();
    exec_sync_once();
  }
  std::vector<pid_t> servers = Shims((*containerd)->dir() + "/containerd.sock");
  servers.push_back((*containerd)->pid());

  Figures host = Measure(n, [] { Spawn({"/bin/true", nullptr}); });
  Figures busybox = Measure(n, [] { Spawn({"/bin/busybox", "true", nullptr}); });
  Figures captured = Measure(n, captured_once);
  Figures direct = Measure(n, direct_once);
  Figures exec_sync = Measure(n, exec_sync_once, servers);
  std::printf(
      "exec probe of `true`, CPU per exec (this process self+children; ExecSync adds "
      "containerd + %zu shim(s) with the runc they reaped)\n",
      servers.size() - 1);
  Print("(a) posix_spawn+waitpid /bin/true (host)", n, host, host.cpu_ms);
  Print("(a') posix_spawn+waitpid busybox true (host)", n, busybox, host.cpu_ms);
  Print("(a'') CapturedCommand busybox true (host)", n, captured, host.cpu_ms);
  Print("(b) RunInContainer direct `true`", n, direct, host.cpu_ms);
  Print("(c) CRI ExecSync `true`", n, exec_sync, host.cpu_ms);

  cri::testing::RemoveSandbox(io, **client, c->sandbox_id);
  client->reset();
  auto leftovers = (*containerd)->Teardown();
  for (const auto& l : leftovers) std::fprintf(stderr, "teardown: %s\n", l.c_str());
  return leftovers.empty() ? 0 : 1;
}
