// T47-T49 (generate_test.go) and the lastTransitionTime rule of the status manager.
#include "kubelet/status_generation.h"

#include <gtest/gtest.h>

namespace probelet::kubelet {
namespace {

using api::ContainerStatus;

api::Container C(std::string name, bool sidecar = false) {
  api::Container c;
  c.name = std::move(name);
  if (sidecar) c.restart_policy = "Always";
  return c;
}

ContainerStatus Ready(std::string name, bool ready = true) {
  ContainerStatus s;
  s.name = std::move(name);
  s.ready = ready;
  return s;
}

ContainerStatus Started(std::string name, bool started) {
  ContainerStatus s;
  s.name = std::move(name);
  s.started = started;
  return s;
}

ContainerStatus Running(std::string name) {
  ContainerStatus s;
  s.name = std::move(name);
  s.state.running = api::ContainerStateRunning{};
  return s;
}

api::PodSpec Spec(std::vector<api::Container> containers, std::vector<api::Container> inits = {}) {
  api::PodSpec spec;
  spec.containers = std::move(containers);
  spec.init_containers = std::move(inits);
  return spec;
}

void ExpectCondition(const api::PodCondition& c, std::string_view status,
                     std::string_view reason = "", std::string_view message = "") {
  EXPECT_EQ(c.status, status);
  EXPECT_EQ(c.reason, reason);
  EXPECT_EQ(c.message, message);
}

TEST(ContainersReadyConditionTest, T47_NilStatusesIsUnknown) {
  auto c = GenerateContainersReadyCondition(Spec({C("1234")}), nullptr, api::kPodRunning);
  EXPECT_EQ(c.type, "ContainersReady");
  ExpectCondition(c, "False", "UnknownContainerStatuses");
}

TEST(ContainersReadyConditionTest, T47_EmptySpecEmptyStatusesIsTrue) {
  std::vector<ContainerStatus> none;
  ExpectCondition(GenerateContainersReadyCondition(Spec({}), &none, api::kPodRunning), "True");
}

TEST(ContainersReadyConditionTest, T47_ContainerWithoutStatusIsUnknown) {
  std::vector<ContainerStatus> none;
  ExpectCondition(GenerateContainersReadyCondition(Spec({C("1234")}), &none, api::kPodRunning),
                  "False", "ContainersNotReady", "containers with unknown status: [1234]");
}

TEST(ContainersReadyConditionTest, T47_AllReadyIsTrue) {
  std::vector<ContainerStatus> s{Ready("1234"), Ready("5678")};
  ExpectCondition(
      GenerateContainersReadyCondition(Spec({C("1234"), C("5678")}), &s, api::kPodRunning), "True");
}

TEST(ContainersReadyConditionTest, T47_MissingAndUnreadyAreListed) {
  std::vector<ContainerStatus> s{Ready("1234")};
  ExpectCondition(
      GenerateContainersReadyCondition(Spec({C("1234"), C("5678")}), &s, api::kPodRunning), "False",
      "ContainersNotReady", "containers with unknown status: [5678]");
  s = {Ready("1234"), Ready("5678", false)};
  ExpectCondition(
      GenerateContainersReadyCondition(Spec({C("1234"), C("5678")}), &s, api::kPodRunning), "False",
      "ContainersNotReady", "containers with unready status: [5678]");
  s = {Ready("1234", false)};
  ExpectCondition(
      GenerateContainersReadyCondition(Spec({C("1234"), C("5678")}), &s, api::kPodRunning), "False",
      "ContainersNotReady",
      "containers with unknown status: [5678], containers with unready status: [1234]");
}

TEST(ContainersReadyConditionTest, T47_SucceededIsPodCompletedFailedIsPodFailed) {
  std::vector<ContainerStatus> s{Ready("1234", false)};
  ExpectCondition(GenerateContainersReadyCondition(Spec({C("1234")}), &s, api::kPodSucceeded),
                  "False", "PodCompleted");
  ExpectCondition(GenerateContainersReadyCondition(Spec({C("1234")}), &s, api::kPodFailed), "False",
                  "PodFailed");
}

TEST(ContainersReadyConditionTest, T47_SidecarsCountRegularInitContainersDoNot) {
  auto spec = Spec({C("regular-1")},
                   {C("init-1"), C("restartable-init-1", true), C("restartable-init-2", true)});
  std::vector<ContainerStatus> s{Ready("regular-1")};
  ExpectCondition(GenerateContainersReadyCondition(spec, &s, api::kPodRunning), "False",
                  "ContainersNotReady",
                  "containers with unknown status: [restartable-init-1 restartable-init-2]");
  s = {Ready("restartable-init-1"), Ready("restartable-init-2"), Ready("regular-1")};
  ExpectCondition(GenerateContainersReadyCondition(spec, &s, api::kPodRunning), "True");
  s = {Ready("restartable-init-1"), Ready("restartable-init-2", false), Ready("regular-1")};
  ExpectCondition(GenerateContainersReadyCondition(spec, &s, api::kPodRunning), "False",
                  "ContainersNotReady", "containers with unready status: [restartable-init-2]");
}

api::PodCondition Cond(std::string type, std::string status) {
  api::PodCondition c;
  c.type = std::move(type);
  c.status = std::move(status);
  return c;
}

TEST(PodReadyConditionTest, T48_ReadinessGates) {
  auto spec = Spec({});
  spec.readiness_gates = {{"gate1"}};
  std::vector<ContainerStatus> none;
  ExpectCondition(GeneratePodReadyCondition(spec, {}, &none, api::kPodRunning), "False",
                  "ReadinessGatesNotReady",
                  "corresponding condition of pod readiness gate \"gate1\" does not exist.");
  ExpectCondition(
      GeneratePodReadyCondition(spec, {Cond("gate1", "False")}, &none, api::kPodRunning), "False",
      "ReadinessGatesNotReady",
      "the status of pod readiness gate \"gate1\" is not \"True\", but False");
  ExpectCondition(GeneratePodReadyCondition(spec, {Cond("gate1", "True")}, &none, api::kPodRunning),
                  "True");

  spec.readiness_gates = {{"gate1"}, {"gate2"}};
  ExpectCondition(GeneratePodReadyCondition(spec, {Cond("gate1", "True")}, &none, api::kPodRunning),
                  "False", "ReadinessGatesNotReady",
                  "corresponding condition of pod readiness gate \"gate2\" does not exist.");
  ExpectCondition(GeneratePodReadyCondition(spec, {Cond("gate1", "True"), Cond("gate2", "False")},
                                            &none, api::kPodRunning),
                  "False", "ReadinessGatesNotReady",
                  "the status of pod readiness gate \"gate2\" is not \"True\", but False");
  ExpectCondition(GeneratePodReadyCondition(spec, {Cond("gate1", "True"), Cond("gate2", "True")},
                                            &none, api::kPodRunning),
                  "True");
}

TEST(PodReadyConditionTest, T48_ContainerReasonWinsOverGates) {
  auto spec = Spec({C("1234")});
  spec.readiness_gates = {{"gate1"}};
  std::vector<ContainerStatus> s{Ready("1234", false)};
  ExpectCondition(GeneratePodReadyCondition(spec, {Cond("gate1", "True")}, &s, api::kPodRunning),
                  "False", "ContainersNotReady", "containers with unready status: [1234]");
}

TEST(PodInitializedConditionTest, T49_Table) {
  auto two_inits = Spec({C("regular")}, {C("1234"), C("5678")});
  ExpectCondition(GeneratePodInitializedCondition(two_inits, nullptr, api::kPodPending), "False",
                  "UnknownContainerStatuses");
  std::vector<ContainerStatus> none;
  ExpectCondition(GeneratePodInitializedCondition(Spec({C("regular")}), &none, api::kPodPending),
                  "True");
  ExpectCondition(
      GeneratePodInitializedCondition(Spec({C("regular")}, {C("1234")}), &none, api::kPodPending),
      "False", "ContainersNotInitialized", "containers with unknown status: [1234]");
  std::vector<ContainerStatus> s{Ready("1234"), Ready("5678")};
  ExpectCondition(GeneratePodInitializedCondition(two_inits, &s, api::kPodPending), "True");
  s = {Ready("1234")};
  ExpectCondition(GeneratePodInitializedCondition(two_inits, &s, api::kPodPending), "False",
                  "ContainersNotInitialized", "containers with unknown status: [5678]");
  s = {Ready("1234"), Ready("5678", false)};
  ExpectCondition(GeneratePodInitializedCondition(two_inits, &s, api::kPodPending), "False",
                  "ContainersNotInitialized", "containers with incomplete status: [5678]");
  s = {Ready("1234")};
  ExpectCondition(
      GeneratePodInitializedCondition(Spec({C("regular")}, {C("1234")}), &s, api::kPodSucceeded),
      "True", "PodCompleted");
}

TEST(PodInitializedConditionTest, T49_Sidecars) {
  auto spec = Spec({C("regular")}, {C("sidecar", true)});
  std::vector<ContainerStatus> s{Started("sidecar", false)};
  ExpectCondition(GeneratePodInitializedCondition(spec, &s, api::kPodPending), "False",
                  "ContainersNotInitialized", "containers with incomplete status: [sidecar]");
  s = {Started("sidecar", true)};
  ExpectCondition(GeneratePodInitializedCondition(spec, &s, api::kPodPending), "True");
  // The sidecar restarts after the pod initialized: still initialized.
  s = {Started("sidecar", false), Running("regular")};
  ExpectCondition(GeneratePodInitializedCondition(spec, &s, api::kPodRunning), "True");
}

api::Time At(int seconds) { return api::Time(std::chrono::seconds(1'700'000'000 + seconds)); }

TEST(GeneratePodConditionsTest, KubeletOrderAndGatesKept) {
  auto spec = Spec({C("web")});
  spec.readiness_gates = {{"example.com/gate"}};
  api::PodStatus status;
  status.phase = api::kPodRunning;
  status.container_statuses = {Ready("web")};
  status.conditions = {Cond("example.com/gate", "True")};
  GeneratePodConditions(spec, {}, status, At(0));
  ASSERT_EQ(status.conditions.size(), 5u);
  EXPECT_EQ(status.conditions[0].type, "Initialized");
  EXPECT_EQ(status.conditions[1].type, "Ready");
  EXPECT_EQ(status.conditions[1].status, "True");
  EXPECT_EQ(status.conditions[2].type, "ContainersReady");
  EXPECT_EQ(status.conditions[3].type, "PodScheduled");
  EXPECT_EQ(status.conditions[3].status, "True");
  EXPECT_EQ(status.conditions[4].type, "example.com/gate");
}

TEST(GeneratePodConditionsTest, LastTransitionTimeMovesOnlyOnFlip) {
  auto spec = Spec({C("web")});
  api::PodStatus status;
  status.phase = api::kPodRunning;
  status.container_statuses = {Ready("web", false)};
  GeneratePodConditions(spec, {}, status, At(0));
  ASSERT_EQ(FindCondition(status.conditions, "Ready")->last_transition_time, At(0));

  // Regenerated with the same statuses later: nothing flips, nothing moves.
  api::PodStatus old = status;
  GeneratePodConditions(spec, old, status, At(5));
  EXPECT_EQ(FindCondition(status.conditions, "Ready")->last_transition_time, At(0));
  EXPECT_EQ(FindCondition(status.conditions, "PodScheduled")->last_transition_time, At(0));

  // The container turns ready: Ready and ContainersReady flip, the others stay.
  old = status;
  status.container_statuses[0].ready = true;
  UpdateReadinessConditions(spec, old, status, At(9));
  EXPECT_EQ(FindCondition(status.conditions, "Ready")->status, "True");
  EXPECT_EQ(FindCondition(status.conditions, "Ready")->last_transition_time, At(9));
  EXPECT_EQ(FindCondition(status.conditions, "ContainersReady")->last_transition_time, At(9));
  EXPECT_EQ(FindCondition(status.conditions, "Initialized")->last_transition_time, At(0));
  EXPECT_EQ(status.conditions.size(), 4u);
}

}  // namespace
}  // namespace probelet::kubelet
