// getPhase (kubelet_pods.go), its main cases.
#include "kubelet/pod_phase.h"

#include <gtest/gtest.h>

namespace probelet::kubelet {
namespace {

api::ContainerStatus Running(std::string name, bool started = true) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.running = api::ContainerStateRunning{};
  s.started = started;
  return s;
}
api::ContainerStatus Terminated(std::string name, int code) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.terminated = api::ContainerStateTerminated{};
  s.state.terminated->exit_code = code;
  return s;
}
api::ContainerStatus Waiting(std::string name, std::optional<int> last_exit = std::nullopt) {
  api::ContainerStatus s;
  s.name = std::move(name);
  s.state.waiting = api::ContainerStateWaiting{"ContainerCreating", ""};
  if (last_exit) {
    s.last_state.terminated = api::ContainerStateTerminated{};
    s.last_state.terminated->exit_code = *last_exit;
  }
  return s;
}

api::PodSpec Spec(std::string policy, std::vector<std::string> names,
                  std::vector<std::string> inits = {}, std::vector<std::string> sidecars = {}) {
  api::PodSpec spec;
  spec.restart_policy = std::move(policy);
  auto named = [](const std::string& n) {
    api::Container c;
    c.name = n;
    return c;
  };
  for (auto& n : inits) spec.init_containers.push_back(named(n));
  for (auto& n : sidecars) {
    api::Container c = named(n);
    c.restart_policy = "Always";
    spec.init_containers.push_back(c);
  }
  for (auto& n : names) spec.containers.push_back(named(n));
  return spec;
}

TEST(GetPhaseTest, RegularContainers) {
  auto spec = Spec("Always", {"a", "b"});
  EXPECT_EQ(GetPhase(spec, {}, false, false), "Pending");
  EXPECT_EQ(GetPhase(spec, {Running("a"), Waiting("b")}, false, true), "Pending");
  EXPECT_EQ(GetPhase(spec, {Running("a"), Running("b")}, false, true), "Running");
  EXPECT_EQ(GetPhase(spec, {Running("a")}, false, true), "Pending");  // b unknown
  // Restarting (waiting in back-off after an exit) counts as stopped: still Running.
  EXPECT_EQ(GetPhase(spec, {Running("a"), Waiting("b", 1)}, false, true), "Running");
  EXPECT_EQ(GetPhase(spec, {Terminated("a", 0), Terminated("b", 1)}, false, true), "Running");
}

TEST(GetPhaseTest, TerminalPhasesByPolicy) {
  EXPECT_EQ(GetPhase(Spec("Never", {"a"}), {Terminated("a", 1)}, false, true), "Failed");
  EXPECT_EQ(GetPhase(Spec("Never", {"a"}), {Terminated("a", 0)}, false, true), "Succeeded");
  EXPECT_EQ(GetPhase(Spec("OnFailure", {"a"}), {Terminated("a", 0)}, false, true), "Succeeded");
  EXPECT_EQ(GetPhase(Spec("OnFailure", {"a"}), {Terminated("a", 1)}, false, true), "Running");
  EXPECT_EQ(GetPhase(Spec("Always", {"a"}), {Terminated("a", 0)}, true, true), "Succeeded");
  EXPECT_EQ(GetPhase(Spec("Always", {"a"}), {Terminated("a", 137)}, true, true), "Failed");
}

TEST(GetPhaseTest, InitContainers) {
  auto spec = Spec("Always", {"a"}, {"i0"});
  EXPECT_EQ(GetPhase(spec, {Running("i0")}, false, false), "Pending");
  EXPECT_EQ(GetPhase(spec, {Terminated("i0", 0), Running("a")}, false, true), "Running");
  EXPECT_EQ(GetPhase(Spec("Never", {"a"}, {"i0"}), {Terminated("i0", 1)}, false, false), "Failed");
  EXPECT_EQ(GetPhase(Spec("Never", {"a"}, {"i0"}), {Waiting("i0", 1)}, false, false), "Failed");
}

TEST(GetPhaseTest, SidecarNotStartedKeepsThePodPendingUntilInitialized) {
  auto spec = Spec("Always", {"a"}, {}, {"side"});
  EXPECT_EQ(GetPhase(spec, {Running("side", false)}, false, false), "Pending");
  EXPECT_EQ(GetPhase(spec, {Running("side", false), Running("a")}, false, true), "Running");
  EXPECT_EQ(GetPhase(spec, {Running("side", true), Running("a")}, false, true), "Running");
}

}  // namespace
}  // namespace probelet::kubelet
