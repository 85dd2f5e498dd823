// CriRuntime::Adopt against a private containerd: a second runtime with the same instance takes
// back what the first one left (as a restarted probelet does), and removes only what cannot be
// adopted (a stopped sandbox, a container never started).
#include <chrono>

#include "runtime/cri/cri_runtime.h"
#include "runtime/cri/testing/cri_runtime_fixture.h"

namespace probelet::runtime::cri {
namespace {

using namespace std::chrono_literals;
using testing::CriRuntimeTest;
using testing::PrivateContainerd;
using Adopted = CriRuntime::Adopted;

std::optional<ContainerStatus> ByName(const std::vector<ContainerStatus>& list,
                                      const std::string& name) {
  for (const auto& c : list) {
    if (c.name == name) return c;
  }
  return std::nullopt;
}

TEST_F(CriRuntimeTest, AdoptTakesBackWhatTheEarlierRuntimeLeft) {
  api::Pod pod = MakePod("kept");
  pod.spec.termination_grace_period_seconds = 7;
  PodSandbox sandbox = RunSandbox(pod);
  ASSERT_FALSE(sandbox.id.empty());
  auto run = Create(MakeConfig(sandbox, pod, TestContainer("run", {"sleep", "1000"}), 2));
  ASSERT_TRUE(run.ok()) << run.error().message;
  ASSERT_TRUE(Start(*run).ok());
  std::string done = CreateAndStart(sandbox, pod, TestContainer("done", {"sh", "-c", "exit 3"}));
  ASSERT_TRUE(WaitExited(done));
  auto idle = Create(MakeConfig(sandbox, pod, TestContainer("idle", {"sleep", "1000"})));
  ASSERT_TRUE(idle.ok());
  const std::string log_path = runtime().GetContainerStatus(*run)->log_path;
  // A pod whose sandbox was stopped: nothing of it can run again.
  api::Pod gone = MakePod("gone");
  PodSandbox stopped = RunSandbox(gone);
  ASSERT_TRUE(Await<base::Status>([&](auto cb) {
                runtime().StopPodSandbox(stopped.id, std::move(cb));
              })->ok());

  DestroyRuntime();  // as a SIGKILLed probelet: everything stays in containerd
  MakeRuntime(DefaultOptions());
  EXPECT_TRUE(runtime().ListContainers().empty()) << "nothing before Adopt";
  auto adopted = Await<base::Expected<Adopted>>([&](auto cb) { runtime().Adopt(std::move(cb)); });
  ASSERT_TRUE(adopted && adopted->ok()) << adopted->error().message;
  EXPECT_EQ((*adopted)->sandboxes, 1u);
  EXPECT_EQ((*adopted)->containers, 2u) << "running and exited; the unstarted one is removed";
  EXPECT_EQ((*adopted)->removed, 1u) << "the stopped sandbox";

  auto list = runtime().ListContainers();
  ASSERT_EQ(list.size(), 2u);
  auto running = ByName(list, "run");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->id, *run) << "the same container, not a new one";
  EXPECT_EQ(running->state, ContainerState::kRunning);
  EXPECT_EQ(running->pod_uid, pod.metadata.uid);
  EXPECT_EQ(running->restart_count, 2);
  EXPECT_EQ(running->termination_grace_period_seconds, 7);
  EXPECT_EQ(running->log_path, log_path) << "its log goes on in the same file";
  auto exited = ByName(list, "done");
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->state, ContainerState::kExited);
  EXPECT_EQ(exited->exit_code, 3);
  EXPECT_GT(exited->finished_at.time_since_epoch().count(), 0);
  auto sandboxes = runtime().ListPodSandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandboxes[0].id, sandbox.id);
  EXPECT_EQ(sandboxes[0].pod_uid, pod.metadata.uid);

  // The pod's next RunPodSandbox gets its sandbox back, and new containers go into it.
  PodSandbox again = RunSandbox(pod);
  EXPECT_EQ(again.id, sandbox.id);
  EXPECT_EQ(again.pod_ip, sandbox.pod_ip);
  EXPECT_EQ(runtime().ListPodSandboxes().size(), 1u) << "none made";
  EXPECT_EQ(runtime().GetContainerStatus(*run)->image, PrivateContainerd::kTestImage)
      << "the spec's image once the pod claimed it";
  std::string next = CreateAndStart(again, pod, TestContainer("next", {"sleep", "1000"}));
  EXPECT_FALSE(next.empty());

  auto out = Exec(*run, {"echo", "adopted"}, 5s);
  EXPECT_EQ(out.status, ExecSyncResult::Status::kExited);
  EXPECT_EQ(out.output, "adopted\n");
  // The exit of an adopted running container is reported; the one that had exited is not
  // (the first runtime saw it: exits() holds it already).
  const size_t seen = exits().size();
  auto stop =
      Await<base::Status>([&](auto cb) { runtime().StopContainer(*run, 0s, std::move(cb)); });
  ASSERT_TRUE(stop && stop->ok());
  RunFor(500ms);
  ASSERT_EQ(exits().size(), seen + 1);
  EXPECT_EQ(exits().back().id, *run);
  EXPECT_EQ(exits().back().exit_code, 137);
}

// An adopted sandbox that no pod claims (its manifest went away) is stopped and removed through
// the Runtime interface, as the kubelet's orphan cleanup does it, and nothing is left to adopt.
TEST_F(CriRuntimeTest, AnAdoptedSandboxNoPodClaimsCanBeRemoved) {
  api::Pod pod = MakePod("orphan");
  PodSandbox sandbox = RunSandbox(pod);
  CreateAndStart(sandbox, pod, TestContainer("app", {"sleep", "1000"}));
  DestroyRuntime();
  MakeRuntime(DefaultOptions());
  auto adopted = Await<base::Expected<Adopted>>([&](auto cb) { runtime().Adopt(std::move(cb)); });
  ASSERT_TRUE(adopted && adopted->ok());
  EXPECT_EQ((*adopted)->containers, 1u);
  // As the kubelet's orphan cleanup does it: the container, then the sandbox.
  auto list = runtime().ListContainers();
  ASSERT_EQ(list.size(), 1u);
  ASSERT_TRUE(Await<base::Status>([&](auto cb) {
                runtime().StopContainer(list[0].id, 1s, std::move(cb));
              })->ok());
  ASSERT_TRUE(Await<base::Status>([&](auto cb) {
                runtime().StopPodSandbox(sandbox.id, std::move(cb));
              })->ok());
  ASSERT_TRUE(Await<base::Status>([&](auto cb) {
                runtime().RemovePodSandbox(sandbox.id, std::move(cb));
              })->ok());
  EXPECT_TRUE(runtime().ListPodSandboxes().empty());
  EXPECT_TRUE(runtime().ListContainers().empty());
  // A later runtime finds nothing left to adopt.
  DestroyRuntime();
  MakeRuntime(DefaultOptions());
  auto none = Await<base::Expected<Adopted>>([&](auto cb) { runtime().Adopt(std::move(cb)); });
  ASSERT_TRUE(none && none->ok());
  EXPECT_EQ((*none)->sandboxes, 0u);
  EXPECT_EQ((*none)->containers, 0u);
}

}  // namespace
}  // namespace probelet::runtime::cri
