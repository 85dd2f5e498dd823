// §6.2 (T51, computePodActions) and the init-container walk, with the restart policies of §6.4.
#include "kubelet/pod_actions.h"

#include <gtest/gtest.h>

namespace probelet::kubelet {
namespace {

api::Container C(std::string name) {
  api::Container c;
  c.name = std::move(name);
  return c;
}

api::Pod PodWith(std::vector<std::string> names, std::string policy = "Always") {
  api::Pod pod;
  pod.metadata.name = "p";
  for (auto& n : names) pod.spec.containers.push_back(C(n));
  pod.spec.restart_policy = std::move(policy);
  return pod;
}

ContainerInstance Running(std::string id) { return {std::move(id), InstanceState::kRunning, 0}; }
ContainerInstance Exited(std::string id, int code) {
  return {std::move(id), InstanceState::kExited, code};
}

// Results caches as maps from container ID.
struct Caches {
  std::map<std::string, CacheValue> liveness, startup;
  ProbeCacheLookup Lookup() const {
    auto get = [](const std::map<std::string, CacheValue>& m) {
      return [&m](const std::string& id) {
        auto it = m.find(id);
        return it == m.end() ? CacheValue::kNone : it->second;
      };
    };
    return {get(liveness), get(startup)};
  }
};

TEST(ComputePodActionsTest, FreshPodStartsEveryContainer) {
  auto pod = PodWith({"a", "b", "c"});
  Caches caches;
  auto actions = ComputePodActions(pod, {}, caches.Lookup());
  EXPECT_FALSE(actions.kill_pod);
  EXPECT_TRUE(actions.containers_to_kill.empty());
  EXPECT_EQ(actions.containers_to_start, (std::vector<size_t>{0, 1, 2}));
}

TEST(ComputePodActionsTest, T51_LivenessFailureKillsAndRecreates) {
  auto pod = PodWith({"foo1", "foo2", "foo3"});
  PodInstances inst{{"foo1", Running("id1")}, {"foo2", Running("id2")}, {"foo3", Running("id3")}};
  Caches caches;
  caches.liveness["id2"] = CacheValue::kFailure;
  caches.liveness["id1"] = CacheValue::kSuccess;
  auto actions = ComputePodActions(pod, inst, caches.Lookup());
  EXPECT_FALSE(actions.kill_pod);
  ASSERT_EQ(actions.containers_to_kill.size(), 1u);
  EXPECT_EQ(actions.containers_to_kill[0].container_id, "id2");
  EXPECT_EQ(actions.containers_to_kill[0].message,
            "Container foo2 failed liveness probe, will be restarted");
  EXPECT_EQ(actions.containers_to_kill[0].reason, KillReason::kLivenessProbe);
  EXPECT_EQ(actions.containers_to_start, (std::vector<size_t>{1}));
}

TEST(ComputePodActionsTest, T51_StartupFailureKillsAndRecreates) {
  auto pod = PodWith({"foo1", "foo2", "foo3"});
  PodInstances inst{{"foo1", Running("id1")}, {"foo2", Running("id2")}, {"foo3", Running("id3")}};
  Caches caches;
  caches.startup["id2"] = CacheValue::kFailure;
  auto actions = ComputePodActions(pod, inst, caches.Lookup());
  ASSERT_EQ(actions.containers_to_kill.size(), 1u);
  EXPECT_EQ(actions.containers_to_kill[0].message,
            "Container foo2 failed startup probe, will be restarted");
  EXPECT_EQ(actions.containers_to_kill[0].reason, KillReason::kStartupProbe);
  EXPECT_EQ(actions.containers_to_start, (std::vector<size_t>{1}));
}

TEST(ComputePodActionsTest, LivenessWinsOverStartup) {
  auto pod = PodWith({"a"});
  Caches caches;
  caches.liveness["id"] = CacheValue::kFailure;
  caches.startup["id"] = CacheValue::kFailure;
  auto actions = ComputePodActions(pod, {{"a", Running("id")}}, caches.Lookup());
  ASSERT_EQ(actions.containers_to_kill.size(), 1u);
  EXPECT_EQ(actions.containers_to_kill[0].reason, KillReason::kLivenessProbe);
}

TEST(ComputePodActionsTest, NeverKillsWithoutRestartAndThePodIsDone) {
  auto pod = PodWith({"a"}, "Never");
  Caches caches;
  caches.liveness["id"] = CacheValue::kFailure;
  auto actions = ComputePodActions(pod, {{"a", Running("id")}}, caches.Lookup());
  ASSERT_EQ(actions.containers_to_kill.size(), 1u);
  EXPECT_EQ(actions.containers_to_kill[0].message, "Container a failed liveness probe");
  EXPECT_TRUE(actions.containers_to_start.empty());
  EXPECT_TRUE(actions.kill_pod);
}

TEST(ComputePodActionsTest, ContainerLevelPolicyOverridesThePods) {
  auto pod = PodWith({"a", "b"}, "Never");
  pod.spec.containers[0].restart_policy = "Always";
  Caches caches;
  caches.liveness["ida"] = CacheValue::kFailure;
  auto actions =
      ComputePodActions(pod, {{"a", Running("ida")}, {"b", Running("idb")}}, caches.Lookup());
  ASSERT_EQ(actions.containers_to_kill.size(), 1u);
  EXPECT_EQ(actions.containers_to_kill[0].message,
            "Container a failed liveness probe, will be restarted");
  EXPECT_EQ(actions.containers_to_start, (std::vector<size_t>{0}));
}

TEST(ComputePodActionsTest, ExitedContainersFollowTheRestartPolicy) {
  struct Case {
    std::string policy;
    int exit_code;
    bool restart;
  } cases[] = {{"Always", 0, true},    {"Always", 1, true}, {"OnFailure", 0, false},
               {"OnFailure", 2, true}, {"Never", 0, false}, {"Never", 1, false}};
  for (const auto& c : cases) {
    auto pod = PodWith({"a", "b"}, c.policy);
    Caches caches;
    auto actions = ComputePodActions(pod, {{"a", Exited("ida", c.exit_code)}, {"b", Running("b")}},
                                     caches.Lookup());
    EXPECT_EQ(actions.containers_to_start.size() == 1, c.restart) << c.policy << " " << c.exit_code;
    EXPECT_FALSE(actions.kill_pod);
  }
}

TEST(ComputePodActionsTest, UnknownContainerRestartPolicyFallsBackToThePods) {
  // ContainerShouldRestart's container-level switch has no case for it: the pod's Never holds.
  auto pod = PodWith({"a", "b"}, "Never");
  pod.spec.containers[0].restart_policy = "Sometimes";
  EXPECT_FALSE(ShouldContainerBeRestarted(pod.spec.containers[0], pod, {{"a", Exited("ida", 1)}}));
  Caches caches;
  auto actions =
      ComputePodActions(pod, {{"a", Exited("ida", 1)}, {"b", Running("idb")}}, caches.Lookup());
  EXPECT_TRUE(actions.containers_to_start.empty());
}

TEST(ComputePodActionsTest, AllExitedAndNoRestartKillsThePod) {
  auto pod = PodWith({"a"}, "OnFailure");
  Caches caches;
  auto actions = ComputePodActions(pod, {{"a", Exited("ida", 0)}}, caches.Lookup());
  EXPECT_TRUE(actions.kill_pod);
  EXPECT_TRUE(actions.containers_to_start.empty());
}

TEST(ComputePodActionsTest, DeletedPodStartsNothing) {
  auto pod = PodWith({"a"});
  pod.metadata.deletion_timestamp = api::Time{};
  Caches caches;
  auto actions = ComputePodActions(pod, {{"a", Exited("ida", 1)}}, caches.Lookup());
  EXPECT_TRUE(actions.kill_pod);
  EXPECT_TRUE(actions.containers_to_start.empty());
}

api::Pod PodWithInits(std::vector<api::Container> inits, std::string policy = "Always") {
  auto pod = PodWith({"main"}, std::move(policy));
  pod.spec.init_containers = std::move(inits);
  return pod;
}

api::Container Sidecar(std::string name, bool startup_probe = false) {
  api::Container c = C(std::move(name));
  c.restart_policy = "Always";
  if (startup_probe) c.startup_probe = api::Probe{};
  return c;
}

TEST(InitContainerActionsTest, InitContainersRunInOrderToSuccess) {
  auto pod = PodWithInits({C("i0"), C("i1")});
  Caches caches;
  auto a = ComputePodActions(pod, {}, caches.Lookup());
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{0}));
  EXPECT_TRUE(a.containers_to_start.empty());

  a = ComputePodActions(pod, {{"i0", Running("x")}}, caches.Lookup());
  EXPECT_TRUE(a.init_containers_to_start.empty());
  EXPECT_TRUE(a.containers_to_start.empty());

  a = ComputePodActions(pod, {{"i0", Exited("x", 0)}}, caches.Lookup());
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{1}));
  EXPECT_TRUE(a.containers_to_start.empty());

  a = ComputePodActions(pod, {{"i0", Exited("x", 0)}, {"i1", Exited("y", 0)}}, caches.Lookup());
  EXPECT_TRUE(a.init_containers_to_start.empty());
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
}

TEST(InitContainerActionsTest, FailedInitContainerRestartsOrFailsThePod) {
  Caches caches;
  auto pod = PodWithInits({C("i0")}, "Always");
  auto a = ComputePodActions(pod, {{"i0", Exited("x", 1)}}, caches.Lookup());
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{0}));
  EXPECT_FALSE(a.kill_pod);

  pod = PodWithInits({C("i0")}, "Never");
  a = ComputePodActions(pod, {{"i0", Exited("x", 1)}}, caches.Lookup());
  EXPECT_TRUE(a.init_containers_to_start.empty());
  EXPECT_TRUE(a.kill_pod);
}

TEST(InitContainerActionsTest, SidecarGatesTheNextOnItsStartupProbe) {
  auto pod = PodWithInits({Sidecar("side", true), C("i1")});
  Caches caches;
  PodInstances inst{{"side", Running("s1")}};
  // No startup result yet: wait.
  auto a = ComputePodActions(pod, inst, caches.Lookup());
  EXPECT_TRUE(a.init_containers_to_start.empty());
  caches.startup["s1"] = CacheValue::kUnknown;
  a = ComputePodActions(pod, inst, caches.Lookup());
  EXPECT_TRUE(a.init_containers_to_start.empty());
  EXPECT_TRUE(a.containers_to_kill.empty());
  // Started: the next init container may run.
  caches.startup["s1"] = CacheValue::kSuccess;
  a = ComputePodActions(pod, inst, caches.Lookup());
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{1}));
  // Startup failure: killed and re-queued.
  caches.startup["s1"] = CacheValue::kFailure;
  a = ComputePodActions(pod, inst, caches.Lookup());
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].message, "Init container side failed startup probe");
  EXPECT_TRUE(a.containers_to_kill[0].init_container);
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{0}));
}

TEST(InitContainerActionsTest, SidecarKeepsRunningBesideRegularContainers) {
  auto pod = PodWithInits({Sidecar("side")});
  pod.spec.init_containers[0].liveness_probe = api::Probe{};
  Caches caches;
  // A sidecar without a startup probe counts as started once running; the last init container
  // being done lets the regular containers start.
  auto a = ComputePodActions(pod, {{"side", Running("s1")}}, caches.Lookup());
  EXPECT_TRUE(a.init_containers_to_start.empty());
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));

  // Sidecar liveness failure: killed and restarted, the main container is left alone.
  caches.liveness["s1"] = CacheValue::kFailure;
  a = ComputePodActions(pod, {{"side", Running("s1")}, {"main", Running("m1")}}, caches.Lookup());
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].message, "Init container side failed liveness probe");
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{0}));
  EXPECT_TRUE(a.containers_to_start.empty());

  // The sidecar exited while main runs: restart only the sidecar.
  caches.liveness.clear();
  a = ComputePodActions(pod, {{"side", Exited("s1", 0)}, {"main", Running("m1")}}, caches.Lookup());
  EXPECT_EQ(a.init_containers_to_start, (std::vector<size_t>{0}));
  EXPECT_TRUE(a.containers_to_start.empty());
  EXPECT_FALSE(a.kill_pod);
}

TEST(InitContainerActionsTest, SidecarsStopWhenRegularContainersAreDone) {
  auto pod = PodWithInits({Sidecar("side")}, "Never");
  Caches caches;
  auto a =
      ComputePodActions(pod, {{"side", Running("s1")}, {"main", Exited("m1", 0)}}, caches.Lookup());
  EXPECT_TRUE(a.kill_pod);
}

}  // namespace
}  // namespace probelet::kubelet
