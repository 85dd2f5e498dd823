// CriRuntime when containerd goes away and comes back (killed, relaunched on the same state:
// it reconnects to the shims, cri.md §2), and when the runtime object itself is destroyed with
// calls pending.
#include <chrono>
#include <cstdio>

#include "runtime/cri/cri_runtime.h"
#include "runtime/cri/testing/cri_runtime_fixture.h"

namespace probelet::runtime::cri {
namespace {

using namespace std::chrono_literals;
using testing::CriRuntimeTest;
using Clock = std::chrono::steady_clock;

TEST_F(CriRuntimeTest, ContainerdKilledAndRelaunched) {
  api::Pod pod = MakePod("survivor");
  PodSandbox sandbox = RunSandbox(pod);
  std::string stays = CreateAndStart(sandbox, pod, TestContainer("stays", {"sleep", "1000"}));
  std::string ends =
      CreateAndStart(sandbox, pod, TestContainer("ends", {"sh", "-c", "sleep 2; exit 5"}));
  ASSERT_FALSE(stays.empty());
  ASSERT_FALSE(ends.empty());
  auto t_start = Clock::now();

  containerd().Kill();
  ASSERT_TRUE(runtime::testing::RunUntil(
      io(), [&] { return !runtime().healthy(); }, 5s))
      << "the relist notices";
  ASSERT_EQ(health().size(), 1u);
  EXPECT_FALSE(health()[0].first);
  EXPECT_NE(health()[0].second.find(containerd().endpoint()), std::string::npos)
      << health()[0].second;
  // The last known states meanwhile; calls fail.
  EXPECT_EQ(runtime().GetContainerStatus(stays)->state, ContainerState::kRunning);
  EXPECT_EQ(runtime().GetContainerStatus(ends)->state, ContainerState::kRunning);
  auto exec = Await<ExecSyncResult>(
      [&](auto done) { runtime().ExecSync(stays, {"true"}, 1s, std::move(done)); });
  ASSERT_TRUE(exec);
  EXPECT_EQ(exec->status, ExecSyncResult::Status::kError);
  RunFor(300ms);
  EXPECT_EQ(health().size(), 1u) << "reported once";

  // `ends` exits while nobody listens.
  while (Clock::now() - t_start < 3s) RunFor(100ms);
  base::Status relaunched = containerd().Relaunch();
  ASSERT_TRUE(relaunched.ok()) << relaunched.error().message << "\n" << containerd().LogTail();
  auto t_back = Clock::now();
  ASSERT_TRUE(runtime::testing::RunUntil(
      io(), [&] { return runtime().healthy(); }, 15s))
      << "the relist backs off to at most 1 s here";
  ASSERT_EQ(health().size(), 2u);
  EXPECT_TRUE(health()[1].first);
  auto s = WaitExited(ends, 10s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, ContainerState::kExited);
  EXPECT_EQ(s->exit_code, 5);
  EXPECT_EQ(s->reason, "Error");
  ASSERT_EQ(exits().size(), 1u) << "the exit that happened meanwhile is reported";
  EXPECT_EQ(exits()[0].id, ends);
  std::fprintf(stderr, "health back %.0f ms after the relaunch\n",
               std::chrono::duration<double, std::milli>(Clock::now() - t_back).count());

  // The other one ran on, and answers again.
  EXPECT_EQ(runtime().GetContainerStatus(stays)->state, ContainerState::kRunning);
  exec = Await<ExecSyncResult>([&](auto done) {
    runtime().ExecSync(stays, {"sh", "-c", "echo back"}, 5s, std::move(done));
  });
  ASSERT_TRUE(exec);
  EXPECT_EQ(exec->status, ExecSyncResult::Status::kExited) << exec->error;
  EXPECT_EQ(exec->output, "back\n");
  RunFor(500ms);
  EXPECT_EQ(exits().size(), 1u);
}

TEST_F(CriRuntimeTest, DestroyedRuntimeNeverCallsBack) {
  api::Pod pod = MakePod("destroyed");
  PodSandbox sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(sandbox, pod, TestContainer("app", {"sleep", "1000"}));
  int called = 0;
  runtime().ExecSync(id, {"sleep", "5"}, 10s, [&](ExecSyncResult) { ++called; });
  runtime().StopContainer(id, 0s, [&](base::Status) { ++called; });
  runtime().ImageStatus("localhost/missing:1", [&](auto) { ++called; });
  runtime().StopPodSandbox("unknown", [&](base::Status) { ++called; });  // posted
  auto t0 = Clock::now();
  DestroyRuntime();
  EXPECT_LT(Clock::now() - t0, 1s);
  RunFor(500ms);
  EXPECT_EQ(called, 0);
  MakeRuntime(DefaultOptions());  // the same instance: TearDown's Shutdown removes the sandbox
}

}  // namespace
}  // namespace probelet::runtime::cri
