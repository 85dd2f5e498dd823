#include "server/table_printers.h"

#include <gtest/gtest.h>

#include "server/testing/fake_pod_source.h"

namespace probelet::server {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(HumanDurationTest, MatchesApimachinery) {
  struct Case {
    std::chrono::nanoseconds d;
    const char* want;
  } cases[] = {
      {seconds(-5), "<invalid>"}, {seconds(-1), "0s"},         {seconds(0), "0s"},
      {seconds(59), "59s"},       {seconds(119), "119s"},      {seconds(120), "2m"},
      {seconds(185), "3m5s"},     {minutes(10), "10m"},        {minutes(179), "179m"},
      {hours(3), "3h"},           {minutes(200), "3h20m"},     {hours(8), "8h"},
      {hours(47), "47h"},         {hours(48), "2d"},           {hours(50), "2d2h"},
      {hours(24 * 8), "8d"},      {hours(24 * 365 * 2), "2y"}, {hours(24 * 365 * 9), "9y"},
  };
  for (const auto& c : cases) EXPECT_EQ(HumanDuration(c.d), c.want) << c.d.count();
}

class PrintPodTest : public ::testing::Test {
 protected:
  api::Time now_ = api::Time(seconds(1'800'000'000));
  api::Pod pod_ = testing::RealisticPod(now_);
  api::ContainerStatus& web() { return pod_.status.container_statuses[0]; }
  api::ContainerStatus& sidecar() { return pod_.status.container_statuses[1]; }
};

TEST_F(PrintPodTest, RunningPodWithOneUnreadyContainerAndRecentRestarts) {
  PodColumns c = PrintPod(pod_, now_);
  EXPECT_EQ(c.name, "web");
  EXPECT_EQ(c.ready, "1/2");
  EXPECT_EQ(c.status, "Running");
  EXPECT_EQ(c.restarts, "2 (12m ago)");
  EXPECT_EQ(c.age, "45m");
  EXPECT_EQ(c.ip, "127.0.0.1");
  EXPECT_EQ(c.node, "<none>");
  EXPECT_EQ(c.readiness_gates, "<none>");
}

TEST_F(PrintPodTest, WaitingReasonWinsCrashLoopBackOff) {
  web().state = {};
  web().state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", "back-off 20s"};
  web().ready = false;
  EXPECT_EQ(PrintPod(pod_, now_).status, "CrashLoopBackOff");
  EXPECT_EQ(PrintPod(pod_, now_).ready, "0/2");
}

TEST_F(PrintPodTest, TerminatedReasonAndExitCodes) {
  for (auto* s : {&web(), &sidecar()}) {
    s->state = {};
    s->state.terminated = api::ContainerStateTerminated{};
    s->state.terminated->reason = "Completed";
  }
  pod_.status.phase = api::kPodSucceeded;
  EXPECT_EQ(PrintPod(pod_, now_).status, "Completed");
  web().state.terminated->reason = "Error";
  web().state.terminated->exit_code = 1;
  EXPECT_EQ(PrintPod(pod_, now_).status, "Error");  // the first container's reason wins
  web().state.terminated->reason = "";
  EXPECT_EQ(PrintPod(pod_, now_).status, "ExitCode:1");
  web().state.terminated->signal = 9;
  EXPECT_EQ(PrintPod(pod_, now_).status, "Signal:9");
}

TEST_F(PrintPodTest, CompletedWithAContainerStillRunningIsRunningOrNotReady) {
  web().state = {};
  web().state.terminated = api::ContainerStateTerminated{};
  web().state.terminated->reason = "Completed";
  sidecar().ready = true;  // running and ready: "hasRunning"
  // The loop runs last-to-first, so the first container's Completed is the reason left.
  EXPECT_EQ(PrintPod(pod_, now_).status, "NotReady");  // Ready condition is False
  pod_.status.conditions[2].status = "True";
  EXPECT_EQ(PrintPod(pod_, now_).status, "Running");
}

TEST_F(PrintPodTest, PendingPhaseWithoutStatuses) {
  pod_.status = {};
  pod_.status.phase = api::kPodPending;
  PodColumns c = PrintPod(pod_, now_);
  EXPECT_EQ(c.status, "Pending");
  EXPECT_EQ(c.ready, "0/2");
  EXPECT_EQ(c.restarts, "0");
  EXPECT_EQ(c.ip, "<none>");
}

TEST_F(PrintPodTest, InitContainers) {
  api::Container init;
  init.name = "migrate";
  pod_.spec.init_containers = {init};
  api::ContainerStatus is;
  is.name = "migrate";
  is.state.running = api::ContainerStateRunning{now_};
  pod_.status.init_container_statuses = {is};
  pod_.status.conditions[1].status = "False";
  EXPECT_EQ(PrintPod(pod_, now_).status, "Init:0/1");
  is.state = {};
  is.state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", ""};
  pod_.status.init_container_statuses = {is};
  EXPECT_EQ(PrintPod(pod_, now_).status, "Init:CrashLoopBackOff");
  is.state = {};
  is.state.terminated = api::ContainerStateTerminated{};
  is.state.terminated->exit_code = 3;
  pod_.status.init_container_statuses = {is};
  EXPECT_EQ(PrintPod(pod_, now_).status, "Init:ExitCode:3");
}

TEST_F(PrintPodTest, SidecarCountsTowardsReadyAndTotal) {
  api::Container init;
  init.name = "proxy";
  init.restart_policy = "Always";
  pod_.spec.init_containers = {init};
  api::ContainerStatus is;
  is.name = "proxy";
  is.started = true;
  is.ready = true;
  is.restart_count = 1;
  is.state.running = api::ContainerStateRunning{now_};
  pod_.status.init_container_statuses = {is};
  PodColumns c = PrintPod(pod_, now_);
  EXPECT_EQ(c.ready, "2/3");
  EXPECT_EQ(c.restarts, "3 (12m ago)");
}

TEST_F(PrintPodTest, TerminatingAndReadinessGates) {
  pod_.metadata.deletion_timestamp = now_;
  pod_.spec.readiness_gates = {{"example.com/lb"}, {"example.com/dns"}};
  api::PodCondition gate;
  gate.type = "example.com/lb";
  gate.status = "True";
  pod_.status.conditions.push_back(gate);
  PodColumns c = PrintPod(pod_, now_);
  EXPECT_EQ(c.status, "Terminating");
  EXPECT_EQ(c.readiness_gates, "1/2");
}

TEST(PrintEventTest, ColumnsAsKubectlShowsThem) {
  api::Time now(seconds(1'800'000'000));
  api::Pod pod = testing::RealisticPod(now);
  auto events = testing::RealisticEvents(pod, now);
  EventColumns c = PrintEvent(events[1], now);
  EXPECT_EQ(c.last_seen, "12m");
  EXPECT_EQ(c.first_seen, "30m");
  EXPECT_EQ(c.type, "Warning");
  EXPECT_EQ(c.reason, "Unhealthy");
  EXPECT_EQ(c.object, "pod/web");
  EXPECT_EQ(c.subobject, "spec.containers{web}");
  EXPECT_EQ(c.source, "kubelet, probelet-host");
  EXPECT_EQ(c.count, 6);
  EXPECT_EQ(c.message, "Liveness probe failed: HTTP probe failed with statuscode: 500");
}

}  // namespace
}  // namespace probelet::server
