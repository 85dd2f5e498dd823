// The status manager (§6.9, §6.10): direct readiness/startup updates, their no-op cases, the
// conditions they recompute, lastTransitionTime, and terminal phases sticking.
#include "kubelet/status_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "base/virtual_clock.h"
#include "kubelet/status_generation.h"

namespace probelet::kubelet {
namespace {

api::Pod TwoContainerPod() {
  api::Pod pod;
  pod.metadata.uid = "u1";
  pod.spec.containers.resize(2);
  pod.spec.containers[0].name = "a";
  pod.spec.containers[1].name = "b";
  return pod;
}

api::PodStatus Running(bool a_ready, bool b_ready) {
  api::PodStatus s;
  s.phase = api::kPodRunning;
  for (auto [name, ready] : {std::pair{"a", a_ready}, std::pair{"b", b_ready}}) {
    api::ContainerStatus c;
    c.name = name;
    c.container_id = std::string("probelet://") + name;
    c.ready = ready;
    c.state.running = api::ContainerStateRunning{};
    s.container_statuses.push_back(c);
  }
  return s;
}

class StatusManagerTest : public ::testing::Test {
 protected:
  void Store(api::PodStatus s) {
    GeneratePodConditions(
        pod_.spec, status_.GetPodStatus("u1") ? *status_.GetPodStatus("u1") : api::PodStatus{}, s,
        clock_.WallNow());
    status_.SetPodStatus("u1", std::move(s));
  }
  const api::PodCondition& Cond(std::string_view type) {
    return *FindCondition(status_.GetPodStatus("u1")->conditions, type);
  }

  base::VirtualClock clock_;
  StatusManager status_{clock_};
  api::Pod pod_ = TwoContainerPod();
  int changes_ = 0;
};

TEST_F(StatusManagerTest, NoStatusBeforeTheFirstSync) {
  EXPECT_EQ(status_.GetPodStatus("u1"), nullptr);
  status_.AddPod(pod_);
  EXPECT_EQ(status_.GetPodStatus("u1"), nullptr);
  // "Container readiness changed before pod has synced": nothing happens.
  status_.SetContainerReadiness("u1", "probelet://a", true);
  EXPECT_EQ(status_.GetPodStatus("u1"), nullptr);
  ASSERT_EQ(status_.ListPods().size(), 1u);
}

TEST_F(StatusManagerTest, SetContainerReadinessFlipsReadyConditionsOnlyWhenAllAreReady) {
  status_.AddPod(pod_);
  status_.SetObserver(
      [&](const api::Pod&, const api::PodStatus&, const api::PodStatus&) { ++changes_; });
  Store(Running(false, true));
  api::Time t0 = clock_.WallNow();
  EXPECT_EQ(Cond("Ready").status, "False");
  clock_.Advance(std::chrono::seconds(3));
  status_.SetContainerReadiness("u1", "probelet://a", true);
  EXPECT_TRUE(status_.GetPodStatus("u1")->container_statuses[0].ready);
  EXPECT_EQ(Cond("Ready").status, "True");
  EXPECT_EQ(Cond("ContainersReady").status, "True");
  EXPECT_EQ(Cond("Ready").last_transition_time, t0 + std::chrono::seconds(3));
  EXPECT_EQ(Cond("Initialized").last_transition_time, t0);
  EXPECT_EQ(changes_, 2);
}

TEST_F(StatusManagerTest, SetContainerReadinessNoOps) {
  status_.AddPod(pod_);
  Store(Running(true, true));
  status_.SetObserver(
      [&](const api::Pod&, const api::PodStatus&, const api::PodStatus&) { ++changes_; });
  status_.SetContainerReadiness("other-pod", "probelet://a", false);  // unknown pod
  status_.SetContainerReadiness("u1", "probelet://zzz", false);       // unknown container
  status_.SetContainerReadiness("u1", "probelet://a", true);          // unchanged
  status_.SetContainerStartup("u1", "probelet://zzz", true);
  EXPECT_EQ(changes_, 0);
  EXPECT_EQ(Cond("Ready").status, "True");
}

TEST_F(StatusManagerTest, SetContainerStartupChangesStartedOnly) {
  status_.AddPod(pod_);
  Store(Running(false, false));
  auto before = status_.GetPodStatus("u1")->conditions;
  status_.SetContainerStartup("u1", "probelet://b", true);
  EXPECT_EQ(status_.GetPodStatus("u1")->container_statuses[1].started, true);
  EXPECT_EQ(status_.GetPodStatus("u1")->conditions, before);
}

TEST_F(StatusManagerTest, TerminalPhaseSticks) {
  status_.AddPod(pod_);
  api::PodStatus s = Running(false, false);
  s.phase = api::kPodFailed;
  Store(s);
  s.phase = api::kPodRunning;
  status_.SetPodStatus("u1", s);
  EXPECT_EQ(status_.GetPodStatus("u1")->phase, "Failed");
}

// The API keeps each pod's JSON while its revision is unchanged (server/pod_encoding_cache.h):
// every change must renew it, a no-op must not, and no revision may come back.
TEST_F(StatusManagerTest, EveryChangeRenewsThePodsRevisionAndNoOpsKeepIt) {
  auto revision = [&] {
    auto views = status_.ViewPods();
    EXPECT_EQ(views.size(), 1u);
    return views.empty() ? 0 : views[0].revision;
  };
  std::set<uint64_t> seen;
  auto renewed = [&] {
    uint64_t r = revision();
    EXPECT_NE(r, 0u);
    return seen.insert(r).second;
  };
  status_.AddPod(pod_);
  EXPECT_TRUE(renewed());
  EXPECT_EQ(status_.ViewPods()[0].pod, status_.GetPod("u1"));
  Store(Running(false, false));
  EXPECT_TRUE(renewed()) << "status stored";
  status_.SetContainerReadiness("u1", "probelet://a", true);
  EXPECT_TRUE(renewed()) << "readiness";
  status_.SetContainerReadiness("u1", "probelet://a", true);
  EXPECT_FALSE(renewed()) << "unchanged readiness";
  status_.SetContainerStartup("u1", "probelet://b", true);
  EXPECT_TRUE(renewed()) << "startup";
  status_.SetPodStatus("u1", *status_.GetPodStatus("u1"));
  EXPECT_FALSE(renewed()) << "the same status again";
  status_.MarkDeleted("u1", clock_.WallNow(), 30);
  EXPECT_TRUE(renewed()) << "deletionTimestamp";
  status_.MarkDeleted("u1", clock_.WallNow(), 30);
  EXPECT_FALSE(renewed()) << "already deleted";
  api::Pod respec = pod_;
  respec.spec.containers[0].image = "other";
  status_.AddPod(respec);
  EXPECT_TRUE(renewed()) << "spec";
  // A pod removed and added again under the same UID never gets an old revision back.
  status_.RemovePod("u1");
  EXPECT_TRUE(status_.ViewPods().empty());
  status_.AddPod(pod_);
  EXPECT_TRUE(renewed()) << "added again";
}

TEST_F(StatusManagerTest, ViewPodsIsListPodsWithoutACopy) {
  api::Pod second = pod_;
  second.metadata.uid = "u2";
  status_.AddPod(second);
  status_.AddPod(pod_);
  auto views = status_.ViewPods();
  auto pods = status_.ListPods();
  ASSERT_EQ(views.size(), 2u);
  ASSERT_EQ(pods.size(), 2u);
  for (size_t i = 0; i < pods.size(); ++i) EXPECT_EQ(*views[i].pod, pods[i]);
  EXPECT_EQ(views[0].pod->metadata.uid, "u2");  // the order they were added
}

}  // namespace
}  // namespace probelet::kubelet

namespace probelet::kubelet {
namespace {

// Saves to the checkpoint are batched (issue 13 point 4): a pod's changes within the interval
// are written once, with the last of them; a removed pod's unsaved change is never written;
// FlushCheckpoint writes at once.
class StatusCheckpointBatchTest : public ::testing::Test {
 protected:
  StatusCheckpointBatchTest() {
    status_.SetCheckpoint(&checkpoint_, std::chrono::seconds(1));
    status_.AddPod(pod_);
  }
  ~StatusCheckpointBatchTest() override { std::filesystem::remove_all(dir_); }
  std::optional<bool> SavedReadyOfA() {
    auto saved = checkpoint_.Load("u1");
    if (!saved) return std::nullopt;
    return saved->container_statuses.at(0).ready;
  }

  std::string dir_ = ::testing::TempDir() + "status-batch-" + std::to_string(::getpid());
  base::VirtualClock clock_;
  PodStatusCheckpoint checkpoint_{dir_};
  StatusManager status_{clock_};
  api::Pod pod_ = TwoContainerPod();
};

TEST_F(StatusCheckpointBatchTest, ChangesWithinTheIntervalAreSavedOnceWithTheLast) {
  status_.SetPodStatus("u1", Running(false, false));
  status_.SetContainerReadiness("u1", "probelet://a", true);
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(SavedReadyOfA(), std::nullopt) << "saved before the interval ended";
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(SavedReadyOfA(), true);
  // The next change starts a new interval.
  status_.SetContainerReadiness("u1", "probelet://a", false);
  EXPECT_EQ(SavedReadyOfA(), true);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(SavedReadyOfA(), false);
}

TEST_F(StatusCheckpointBatchTest, ManyPodsAreSavedABoundedBatchPerTurn) {
  std::vector<std::string> uids;
  for (int i = 0; i < 100; ++i) {
    api::Pod pod = TwoContainerPod();
    pod.metadata.uid = "p" + std::to_string(i);
    status_.AddPod(pod);
    status_.SetPodStatus(pod.metadata.uid, Running(true, false));
    uids.push_back(pod.metadata.uid);
  }
  auto saved = [&] {
    return std::count_if(uids.begin(), uids.end(),
                         [&](const auto& uid) { return checkpoint_.Load(uid).has_value(); });
  };
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(saved(), 0);
  ASSERT_TRUE(clock_.RunNext());  // the interval's end: one batch
  EXPECT_EQ(saved(), 32);
  clock_.RunUntilIdle();  // the next turns: the rest
  EXPECT_EQ(saved(), 100);
}

TEST_F(StatusCheckpointBatchTest, FlushSavesAtOnce) {
  status_.SetPodStatus("u1", Running(true, false));
  status_.FlushCheckpoint();
  EXPECT_EQ(SavedReadyOfA(), true);
}

TEST_F(StatusCheckpointBatchTest, ARemovedPodIsNotSavedLater) {
  status_.SetPodStatus("u1", Running(true, false));
  status_.RemovePod("u1");
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(SavedReadyOfA(), std::nullopt);
}

TEST_F(StatusCheckpointBatchTest, ZeroIntervalSavesEveryChange) {
  status_.SetCheckpoint(&checkpoint_, base::Duration::zero());
  status_.SetPodStatus("u1", Running(true, false));
  EXPECT_EQ(SavedReadyOfA(), true);
}

}  // namespace
}  // namespace probelet::kubelet
