// 1,000 exec probes with timeouts against a running container (issue #5 §7): the path
// `probelet run` uses for exec probes (prober -> kubelet::RuntimeCommandRunner -> the process
// runtime's ExecSync), driven in-process so the thousand runs take seconds rather than the
// thousand periods a real pod would need. Afterwards: every run reported, no zombie child, and
// no more open fds than before.
#include <dirent.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <string>

#include "base/asio_clock.h"
#include "gtest/gtest.h"
#include "kubelet/runtime_command_runner.h"
#include "runtime/process_runtime.h"

namespace probelet {
namespace {

using namespace std::chrono_literals;

int OpenFds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n - 1;  // the DIR's own fd
}

int ZombieChildren() {
  int zombies = 0;
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), {});
    size_t close = s.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(s.c_str() + close + 2, "%c %d", &state, &ppid) == 2 && state == 'Z' &&
        ppid == ::getpid()) {
      ++zombies;
    }
  }
  ::closedir(d);
  return zombies;
}

TEST(RunExecProbesTest, ThousandTimedOutExecProbesLeaveNoZombieAndNoFd) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  char tmpl[] = "/tmp/probelet-exec-test-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  runtime::ProcessRuntime runtime(io, clock);
  kubelet::RuntimeCommandRunner runner(runtime);

  runtime::ContainerConfig config;
  config.container.name = "app";
  config.container.command = {"/bin/sh", "-c", "exec sleep 1000"};
  config.pod = {"pod", "default", "uid-exec", "127.0.0.1"};
  config.log_directory = dir + "/app";
  auto id = runtime.CreateContainerNow(config);
  ASSERT_TRUE(id.ok()) << id.error().message;
  ASSERT_TRUE(runtime.StartContainerNow(*id).ok());

  // Runs `total` probes, `parallel` at a time; half time out (sleep past the timeout), half
  // succeed, the way a flapping exec probe would.
  auto run = [&](int total, int parallel) {
    int started = 0, done = 0, timed_out = 0, exited = 0;
    std::function<void()> next = [&] {
      if (started == total) return;
      int n = started++;
      std::vector<std::string> argv = n % 2 ? std::vector<std::string>{"/bin/sh", "-c", "sleep 5"}
                                            : std::vector<std::string>{"/bin/true"};
      // The quick command gets a generous timeout so a loaded machine cannot turn it into a
      // timeout; the slow one times out at 100 ms.
      runner.RunInContainer(*id, argv, n % 2 ? 100ms : 5s, [&](probe::ExecResult r) {
        ++done;
        timed_out += r.status == probe::ExecResult::Status::kTimedOut;
        exited += r.status == probe::ExecResult::Status::kExited;
        next();
        if (done == total) io.stop();
      });
    };
    for (int i = 0; i < parallel; ++i) next();
    io.restart();
    io.run_for(120s);
    EXPECT_EQ(done, total);
    EXPECT_EQ(timed_out, total / 2);
    EXPECT_EQ(exited, total - total / 2);
  };
  // Lets the loop finish the cleanup the last completions posted (pipes drained, children
  // reaped after a timeout).
  auto settle = [&] {
    io.restart();
    io.run_for(300ms);
  };
  run(20, 10);  // warm-up: lazily created fds (epoll, signalfd...) exist from here on
  settle();
  int fds_before = OpenFds();
  run(1000, 25);
  settle();
  EXPECT_LE(OpenFds(), fds_before);
  EXPECT_EQ(ZombieChildren(), 0);
  auto st = runtime.GetContainerStatus(*id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, runtime::ContainerState::kRunning) << "probes never hurt the container";
}

}  // namespace
}  // namespace probelet
