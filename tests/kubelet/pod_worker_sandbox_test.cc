// The pod worker's sandbox and its asynchronous starts (SyncPod steps 4-6 on a runtime that
// answers later, as a CRI runtime does): one sandbox per pod before any container, its IP as
// the pod's, a failed sandbox retried with the next attempt, the sandbox stopped when the pod is
// done and removed when it goes, starts one at a time that a termination cuts short, and the
// image step before each create (EnsureImageExists) with its waiting reasons.
#include <gtest/gtest.h>

#include <algorithm>

#include "kubelet/image_manager.h"
#include "kubelet/pod_worker.h"
#include "kubelet/testing/fake_image_service.h"
#include "kubelet/testing/kubelet_fixture.h"

namespace probelet::kubelet {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::MakeContainer;
using testing::MakePod;

class PodWorkerSandboxTest : public testing::KubeletFixture {
 protected:
  std::vector<std::string> SandboxOps() const {
    std::vector<std::string> out;
    for (const auto& c : runtime_.sandbox_calls) out.push_back(c.op + " " + c.id);
    return out;
  }
};

TEST_F(PodWorkerSandboxTest, OneSandboxBeforeTheFirstContainerItsIPIsThePods) {
  runtime_.pod_ip = "10.88.7.2";
  kubelet_->AddPod(MakePod({MakeContainer("app"), MakeContainer("side")}));
  Settle();
  EXPECT_EQ(SandboxOps(), (std::vector<std::string>{"run sandbox-1"}));
  EXPECT_EQ(runtime_.sandbox_calls[0].pod_uid, "uid-1");
  EXPECT_EQ(runtime_.sandbox_calls[0].attempt, 0);
  ASSERT_EQ(runtime_.creates.size(), 2u);
  for (const auto& c : runtime_.creates) {
    EXPECT_EQ(c.sandbox_id, "sandbox-1");
    EXPECT_EQ(c.pod.pod_ip, "10.88.7.2");  // status.podIP in the downward API
  }
  EXPECT_EQ(Status().pod_ip, "10.88.7.2");
  EXPECT_EQ(Status().host_ip, "127.0.0.1");
  // A restart reuses the sandbox.
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure,
                                  MakePod({MakeContainer("app"), MakeContainer("side")}));
  Settle();
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
  EXPECT_EQ(SandboxOps(), (std::vector<std::string>{"run sandbox-1"}));
}

TEST_F(PodWorkerSandboxTest, AFailedSandboxIsRetriedAfterTheSyncBackOffWithTheNextAttempt) {
  runtime_.fail_sandbox = true;
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  EXPECT_TRUE(runtime_.creates.empty());
  EXPECT_EQ(Events("FailedCreatePodSandBox"),
            (std::vector<std::string>{"Failed to create pod sandbox: cannot make a sandbox"}));
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "ContainerCreating");
  EXPECT_EQ(Status().pod_ip, "");  // no sandbox, no IP yet
  runtime_.fail_sandbox = false;
  Run(kSyncErrorBackOff - milliseconds(1));
  EXPECT_EQ(runtime_.sandbox_calls.size(), 1u);
  Run(milliseconds(1));
  ASSERT_EQ(runtime_.sandbox_calls.size(), 2u);
  EXPECT_EQ(runtime_.sandbox_calls[1].attempt, 1);
  EXPECT_EQ(runtime_.running_count(), 1);
}

TEST_F(PodWorkerSandboxTest, TerminationStopsThenRemovesTheSandboxAfterTheContainers) {
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  bool done = false;
  kubelet_->GetWorker("uid-1")->Terminate([&] {
    done = true;
    // Every container had stopped before the sandbox went.
    EXPECT_EQ(runtime_.running_count(), 0);
  });
  Settle();
  EXPECT_TRUE(done);
  EXPECT_EQ(SandboxOps(),
            (std::vector<std::string>{"run sandbox-1", "stop sandbox-1", "remove sandbox-1"}));
  ASSERT_EQ(runtime_.stops.size(), 1u);
}

TEST_F(PodWorkerSandboxTest, APodThatIsDoneStopsItsSandboxAndKeepsIt) {
  kubelet_->AddPod(MakePod({MakeContainer("app")}, "Never"));
  Settle();
  runtime_.Exit(runtime_.Latest("app"), 0);
  Settle();
  EXPECT_EQ(Status().phase, "Succeeded");
  EXPECT_EQ(SandboxOps(), (std::vector<std::string>{"run sandbox-1", "stop sandbox-1"}));
  bool done = false;
  kubelet_->GetWorker("uid-1")->Terminate([&] { done = true; });
  Settle();
  EXPECT_TRUE(done);
  EXPECT_EQ(SandboxOps().back(), "remove sandbox-1");
}

TEST_F(PodWorkerSandboxTest, StartsGoOneAtATimeAndATerminationStopsTheRest) {
  runtime_.create_delay = milliseconds(100);
  runtime_.start_delay = milliseconds(100);
  kubelet_->AddPod(MakePod({MakeContainer("a"), MakeContainer("b"), MakeContainer("c")}));
  Run(milliseconds(100));  // the sandbox
  Run(milliseconds(200));  // a: created, started
  EXPECT_EQ(runtime_.running_count(), 1);
  EXPECT_EQ(runtime_.creates.size(), 2u);  // b's create is under way
  bool done = false;
  kubelet_->GetWorker("uid-1")->Terminate([&] { done = true; });
  Run(seconds(1));
  EXPECT_TRUE(done);
  // b was created but the termination kept it from starting; c was never created.
  EXPECT_EQ(runtime_.creates.size(), 2u);
  EXPECT_EQ(runtime_.running_count(), 0);
  EXPECT_EQ(Events("Started"), (std::vector<std::string>{"Started container a"}));
}

// The pod worker with an image manager in front of the creates, as with a CRI runtime.
class PodWorkerImageTest : public testing::KubeletFixture {
 protected:
  PodWorkerImageTest() {
    PodWorkerEnv env = Env();
    env.images = &images_;
    kubelet_ = std::make_unique<Kubelet>(env);
  }
  static api::Container WithImage(std::string name, std::string image, std::string policy) {
    api::Container c = MakeContainer(std::move(name));
    c.image = std::move(image);
    c.image_pull_policy = std::move(policy);
    return c;
  }
  testing::FakeImageService service_{clock_};
  ImageManager images_{clock_, service_, events_};
};

TEST_F(PodWorkerImageTest, TheContainerIsCreatedFromTheImageRefTheManagerResolved) {
  service_.images["localhost/app:1"] = {"sha256:abc", 10};
  kubelet_->AddPod(MakePod({WithImage("app", "localhost/app:1", "IfNotPresent")}));
  Settle();
  ASSERT_EQ(runtime_.creates.size(), 1u);
  EXPECT_EQ(runtime_.creates[0].image_ref, "sha256:abc");
  EXPECT_EQ(runtime_.creates[0].container.image, "localhost/app:1");
  EXPECT_EQ(
      Events("Pulled"),
      (std::vector<std::string>{"Container image \"localhost/app:1\" already present on machine"}));
  EXPECT_TRUE(CStatus().state.running.has_value());
}

TEST_F(PodWorkerImageTest, APullThatFailsWaitsAsErrImagePullThenImagePullBackOff) {
  service_.pull_errors["localhost/nope:1"] = "not found";
  kubelet_->AddPod(
      MakePod({WithImage("app", "localhost/nope:1", "IfNotPresent"), MakeContainer("side")}));
  Settle();
  EXPECT_TRUE(runtime_.creates.size() == 1u && runtime_.creates[0].container.name == "side")
      << "the other container starts: one image never blocks the rest";
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "ErrImagePull");
  EXPECT_EQ(CStatus().state.waiting->message, "not found");
  EXPECT_EQ(Events("Failed"),
            (std::vector<std::string>{"Failed to pull image \"localhost/nope:1\": not found"}));
  auto nope_pulls = [&] {
    return std::count(service_.pull_calls.begin(), service_.pull_calls.end(), "localhost/nope:1");
  };
  // The sync retries 10 s later: the image's back-off (10 s) is just over, so it pulls again,
  // fails again and the back-off doubles to 20 s. The next retry, 10 s on, is inside it.
  Run(kSyncErrorBackOff);
  EXPECT_EQ(nope_pulls(), 2);
  Run(kSyncErrorBackOff);
  EXPECT_EQ(nope_pulls(), 2);
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "ImagePullBackOff");
  EXPECT_EQ(CStatus().state.waiting->message,
            "Back-off pulling image \"localhost/nope:1\": ErrImagePull: not found");
  EXPECT_EQ(Events("BackOff"),
            (std::vector<std::string>{"Back-off pulling image \"localhost/nope:1\""}));
  EXPECT_EQ(runtime_.CountCreated("app"), 0);
}

TEST_F(PodWorkerImageTest, NeverWithoutTheImageIsErrImageNeverPullAndNothingIsPulled) {
  kubelet_->AddPod(MakePod({WithImage("app", "localhost/absent:1", "Never")}));
  Settle();
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "ErrImageNeverPull");
  EXPECT_TRUE(service_.pull_calls.empty());
  EXPECT_TRUE(runtime_.creates.empty());
}

}  // namespace
}  // namespace probelet::kubelet
