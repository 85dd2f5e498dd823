// "If probelet dies, no container outlives it unnoticed" (issue 5): a helper process holding a
// ProcessRuntime is SIGKILLed like a crashed probelet; its container and the container's
// background child must be gone soon after (PDEATHSIG for the leader, the guard for the rest).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <sstream>

#include "base/asio_clock.h"
#include "base/process.h"
#include "runtime/cgroup.h"
#include "runtime/process_runtime.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime {
namespace {

using namespace std::chrono_literals;
using testing::IsRunning;
using testing::TempDir;
using testing::WaitGone;

class RuntimeDiesTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RuntimeDiesTest, SigkillOfTheRuntimesProcessTakesContainerAndDescendantsWithIt) {
  // Orphans of the killed holder come to us, so that we can reap them and see them gone.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  TempDir dir;
  std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  base::SpawnOptions spawn;
  spawn.argv = {RUNTIME_HOLDER_BINARY, GetParam(), fifo};
  spawn.stdout_fd = out[1];
  spawn.stderr_fd = 2;
  auto holder = base::ChildProcess::Spawn(spawn);
  ::close(out[1]);
  ASSERT_TRUE(holder.ok()) << holder.error().message;
  // Killing the holder inside StartContainer, between the spawn and the guard learning the
  // container's process group, would leave (in process-group mode only) what the container
  // forked in that instant: wait until StartContainer has returned.
  std::string started = testing::ReadLine(out[0]);
  ::close(out[0]);
  ASSERT_EQ(started, "started\n");

  std::istringstream in(testing::ReadFifoLine(fifo));
  pid_t leader = 0, grandchild = 0;
  in >> leader >> grandchild;
  ASSERT_GT(leader, 0);
  ASSERT_GT(grandchild, 0);
  ASSERT_TRUE(IsRunning(leader));
  ASSERT_TRUE(IsRunning(grandchild));

  ASSERT_TRUE(holder->Signal(SIGKILL).ok());
  holder->KillAndReap();
  EXPECT_TRUE(WaitGone(leader, 10s)) << "the container's leader outlived the runtime";
  EXPECT_TRUE(WaitGone(grandchild, 10s)) << "the container's child outlived the runtime";
  // They, and the holder's guard process, were reparented to us (subreaper): reap them all.
  // The guard exits once it has killed and removed the cgroups (bounded: 2 s).
  pid_t holder_pid = holder->pid();
  while (::waitpid(-1, nullptr, 0) > 0) {
  }
  if (std::string(GetParam()) == "cgroup") {
    std::string prefix = "p" + std::to_string(holder_pid) + "-";
    for (const auto& e : std::filesystem::directory_iterator("/sys/fs/cgroup/unified/probelet")) {
      EXPECT_FALSE(e.path().filename().string().starts_with(prefix))
          << e.path() << " left behind by the guard";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, RuntimeDiesTest, ::testing::Values("cgroup", "group"),
                         [](const auto& info) { return std::string(info.param); });

TEST(RuntimeSweepTest, StartupKillsContainersLeftInTheCgroupOfADeadInstance) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  const std::string root = "/sys/fs/cgroup/unified/probelet";
  {
    ProcessRuntime probe_rt(io, clock);
    if (!probe_rt.cgroup_mode()) GTEST_SKIP() << "no cgroup v2 with cgroup.kill here";
  }
  // A stale instance: named after a pid that is not alive with that start time.
  std::string stale = root + "/p999999-1";
  std::string container = stale + "/0123";
  ASSERT_TRUE(MakeCgroup(stale).ok());
  ASSERT_TRUE(MakeCgroup(container).ok());
  int cgroup_fd = ::open(container.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(cgroup_fd, 0);
  base::SpawnOptions spawn;
  spawn.argv = {"sleep", "1000"};
  spawn.cgroup_fd = cgroup_fd;
  auto left_over = base::ChildProcess::Spawn(spawn);
  ::close(cgroup_fd);
  ASSERT_TRUE(left_over.ok()) << left_over.error().message;
  // No check that it still runs here: ctest runs other test processes at the same time, and a
  // ProcessRuntime starting in one of them sweeps this stale instance too (the same sweep, just
  // another caller), sometimes before this line. Nothing but a sweep ends `sleep 1000` within
  // the wait below, so the test still fails if no sweep runs.

  ProcessRuntime rt(io, clock);  // sweeps at start
  EXPECT_TRUE(WaitGone(left_over->pid(), 5s));
  (void)left_over->TryReap();
  // Removed by the sweep once empty; a later sweep would finish it otherwise.
  (void)SweepStaleInstances(root);
  EXPECT_NE(::access(stale.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace probelet::runtime
