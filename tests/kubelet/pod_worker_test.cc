// The pod worker on virtual time: starts, liveness and startup kills, restarts through
// CrashLoopBackOff, grace periods and preStop hooks, restart policies, init containers and
// sidecars, termination. The runtime is a fake; the prober manager is the real one.
#include "kubelet/pod_worker.h"

#include <gtest/gtest.h>

#include "kubelet/testing/kubelet_fixture.h"

namespace probelet::kubelet {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ExecProbe;
using testing::MakeContainer;
using testing::MakePod;

class PodWorkerTest : public testing::KubeletFixture {};

TEST_F(PodWorkerTest, StartsContainersAndReportsARunningReadyPod) {
  kubelet_->AddPod(MakePod({MakeContainer("app"), MakeContainer("side")}));
  Settle();
  EXPECT_EQ(runtime_.running_count(), 2);
  const api::PodStatus& s = Status();
  EXPECT_EQ(s.phase, "Running");
  EXPECT_EQ(s.pod_ip, "127.0.0.1");
  ASSERT_EQ(s.pod_ips.size(), 1u);
  EXPECT_TRUE(s.start_time.has_value());
  ASSERT_EQ(s.container_statuses.size(), 2u);
  EXPECT_TRUE(s.container_statuses[0].state.running.has_value());
  EXPECT_EQ(s.container_statuses[0].container_id, runtime_.Latest("app"));
  EXPECT_EQ(s.container_statuses[0].restart_count, 0);
  // No probes: started and ready as soon as running (§6.6, §6.7).
  EXPECT_EQ(s.container_statuses[0].started, true);
  EXPECT_TRUE(s.container_statuses[0].ready);
  EXPECT_EQ(Condition("Ready"), "True");
  EXPECT_EQ(Condition("ContainersReady"), "True");
  EXPECT_EQ(Condition("Initialized"), "True");
  EXPECT_EQ(Condition("PodScheduled"), "True");
  EXPECT_EQ(Events("Created"),
            (std::vector<std::string>{"Created container: app", "Created container: side"}));
  EXPECT_EQ(Events("Started"),
            (std::vector<std::string>{"Started container app", "Started container side"}));
  EXPECT_EQ(runtime_.creates[0].log_directory, "/tmp/probelet-test/pods/default_web_uid-1/app");
  ASSERT_EQ(kubelet_->ListPods().size(), 1u);
  EXPECT_EQ(kubelet_->ListPods()[0].metadata.creation_timestamp, clock_.WallNow());
}

TEST_F(PodWorkerTest, LivenessFailureKillsAndRestartsAtOnceTheFirstTime) {
  api::Pod pod = MakePod({MakeContainer("app")});
  kubelet_->AddPod(pod);
  Settle();
  std::string first = runtime_.Latest("app");
  probers_.liveness_results().Set(first, prober::CachedResult::kFailure, pod);
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.stops[0].id, first);
  EXPECT_EQ(runtime_.stops[0].grace, seconds(30));
  EXPECT_EQ(Events("Killing"),
            (std::vector<std::string>{"Container app failed liveness probe, will be restarted"}));
  // No earlier exit: the restart follows the kill with no back-off (§6.5.6).
  std::string second = runtime_.Latest("app");
  EXPECT_NE(second, first);
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
  EXPECT_EQ(CStatus().restart_count, 1);
  EXPECT_TRUE(CStatus().state.running.has_value());
  ASSERT_TRUE(CStatus().last_state.terminated.has_value());
  EXPECT_EQ(CStatus().last_state.terminated->exit_code, 143);
  EXPECT_EQ(CStatus().last_state.terminated->container_id, first);
  EXPECT_EQ(runtime_.creates[1].restart_count, 1);
  EXPECT_TRUE(Events("BackOff").empty());
}

TEST_F(PodWorkerTest, LivenessRestartsBackOffOnlyWhenAnEarlierExitIsRecent) {
  api::Pod pod = MakePod({MakeContainer("app")});
  kubelet_->AddPod(pod);
  Settle();
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  // Second failure 5 s later: the first exit is an earlier exited instance, but the back-off
  // has no entry yet, so Next() starts one and the restart is immediate.
  Run(seconds(5));
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  EXPECT_EQ(runtime_.CountCreated("app"), 3);
  // Third failure 2 s later: the second exit is 2 s old, less than the 10 s back-off.
  Run(seconds(2));
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  EXPECT_EQ(runtime_.CountCreated("app"), 3);
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "CrashLoopBackOff");
  EXPECT_EQ(CStatus().state.waiting->message,
            "back-off 10s restarting failed container=app pod=web_default(uid-1)");
  EXPECT_EQ(Events("BackOff"),
            (std::vector<std::string>{"Back-off restarting failed container app in pod "
                                      "web_default(uid-1)"}));
  EXPECT_EQ(Status().phase, "Running");
  EXPECT_EQ(Condition("Ready"), "False");
  // The check used the second exit (2 s old); from then on the newest exit is the third one,
  // just now: the container starts 10 s after it.
  Run(seconds(10) - milliseconds(1));
  EXPECT_EQ(runtime_.CountCreated("app"), 3);
  Run(milliseconds(1));
  EXPECT_EQ(runtime_.CountCreated("app"), 4);
  EXPECT_TRUE(CStatus().state.running.has_value());
  EXPECT_EQ(CStatus().restart_count, 3);
}

TEST_F(PodWorkerTest, CrashingContainerRestartsAtOnceThenBacksOffDoubling) {
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  std::vector<double> starts;  // seconds since the first start
  base::MonoTime t0 = clock_.Now();
  int seen = 1;
  for (int i = 0; i < 5; ++i) {
    runtime_.Exit(runtime_.Latest("app"), 1);
    Settle();
    while (runtime_.CountCreated("app") == seen) Run(milliseconds(500));
    seen = runtime_.CountCreated("app");
    starts.push_back(std::chrono::duration<double>(clock_.Now() - t0).count());
  }
  // Restart 1 at once; then 10, 20, 40, 80 s after each exit.
  EXPECT_EQ(starts, (std::vector<double>{0, 10, 30, 70, 150}));
  EXPECT_EQ(CStatus().restart_count, 5);
  ASSERT_TRUE(CStatus().last_state.terminated.has_value());
  EXPECT_EQ(CStatus().last_state.terminated->exit_code, 1);
  EXPECT_EQ(CStatus().last_state.terminated->reason, "Error");
  EXPECT_EQ(EventCount("BackOff",
                       "Back-off restarting failed container app in pod "
                       "web_default(uid-1)"),
            4);
}

TEST_F(PodWorkerTest, RestartPolicyNeverStopsThePodAndFailsIt) {
  api::Pod pod = MakePod({MakeContainer("app")}, "Never");
  kubelet_->AddPod(pod);
  Settle();
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  // Nothing is kept and nothing restarts: the kubelet kills the pod (killPodWithSyncResult),
  // whose Killing event has no probe message.
  EXPECT_EQ(Events("Killing"), (std::vector<std::string>{"Stopping container app"}));
  Run(seconds(60));
  EXPECT_EQ(runtime_.CountCreated("app"), 1);
  EXPECT_EQ(Status().phase, "Failed");
  ASSERT_TRUE(CStatus().state.terminated.has_value());
  EXPECT_EQ(CStatus().state.terminated->exit_code, 143);
  EXPECT_EQ(Condition("Ready"), "False");
  EXPECT_EQ(FindCondition(Status().conditions, "ContainersReady")->reason, "PodFailed");
  EXPECT_EQ(probers_.worker_count(), 0u);
}

TEST_F(PodWorkerTest, OnFailureSucceedsWhenTheContainerExitsZero) {
  kubelet_->AddPod(MakePod({MakeContainer("job")}, "OnFailure"));
  Settle();
  runtime_.Exit(runtime_.Latest("job"), 0);
  Settle();
  EXPECT_EQ(Status().phase, "Succeeded");
  EXPECT_EQ(runtime_.CountCreated("job"), 1);
  EXPECT_EQ(FindCondition(Status().conditions, "ContainersReady")->reason, "PodCompleted");
}

TEST_F(PodWorkerTest, ProbeLevelGracePeriodThenSigkillGives137InLastState) {
  api::Container app = MakeContainer("app");
  app.liveness_probe = ExecProbe("check");
  app.liveness_probe->termination_grace_period_seconds = 2;
  api::Pod pod = MakePod({app});
  runtime_.ignore_sigterm.insert("app");
  kubelet_->AddPod(pod);
  Settle();
  std::string first = runtime_.Latest("app");
  probers_.liveness_results().Set(first, prober::CachedResult::kFailure, pod);
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.stops[0].grace, seconds(2));
  EXPECT_EQ(runtime_.CountCreated("app"), 1);
  Run(seconds(2));
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
  ASSERT_TRUE(CStatus().last_state.terminated.has_value());
  EXPECT_EQ(CStatus().last_state.terminated->exit_code, 137);
}

TEST_F(PodWorkerTest, PreStopExecRunsFirstAndItsTimeComesOutOfTheGracePeriod) {
  api::Container app = MakeContainer("app");
  app.lifecycle = api::Lifecycle{};
  app.lifecycle->pre_stop = api::LifecycleHandler{};
  app.lifecycle->pre_stop->exec = api::ExecAction{{"drain", "--now"}};
  api::Pod pod = MakePod({app});
  pod.spec.termination_grace_period_seconds = 10;
  runtime_.exec_delay = seconds(3);
  kubelet_->AddPod(pod);
  Settle();
  std::string id = runtime_.Latest("app");
  probers_.liveness_results().Set(id, prober::CachedResult::kFailure, pod);
  Settle();
  ASSERT_EQ(runtime_.execs.size(), 1u);
  EXPECT_EQ(runtime_.execs[0].argv, (std::vector<std::string>{"drain", "--now"}));
  EXPECT_EQ(runtime_.execs[0].id, id);
  EXPECT_EQ(runtime_.execs[0].timeout, seconds(10));
  EXPECT_TRUE(runtime_.stops.empty());
  Run(seconds(3));
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.stops[0].grace, seconds(7));
}

TEST_F(PodWorkerTest, FailedPreStopHookIsReportedAndTheKillGoesOn) {
  api::Container app = MakeContainer("app");
  app.lifecycle = api::Lifecycle{};
  app.lifecycle->pre_stop = api::LifecycleHandler{};
  app.lifecycle->pre_stop->exec = api::ExecAction{{"drain"}};
  runtime::ExecSyncResult fail;
  fail.status = runtime::ExecSyncResult::Status::kExited;
  fail.exit_code = 1;
  runtime_.exec_results["drain"] = fail;
  api::Pod pod = MakePod({app});
  kubelet_->AddPod(pod);
  Settle();
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  EXPECT_EQ(Events("FailedPreStopHook"), (std::vector<std::string>{"PreStopHook failed"}));
  EXPECT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
}

TEST_F(PodWorkerTest, PreStopSleepWaitsThenStopsWithWhatIsLeft) {
  api::Container app = MakeContainer("app");
  app.lifecycle = api::Lifecycle{};
  app.lifecycle->pre_stop = api::LifecycleHandler{};
  app.lifecycle->pre_stop->sleep = api::SleepAction{5};
  api::Pod pod = MakePod({app});
  kubelet_->AddPod(pod);
  Settle();
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  Run(seconds(5) - milliseconds(1));
  EXPECT_TRUE(runtime_.stops.empty());
  Run(milliseconds(1));
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.stops[0].grace, seconds(25));
}

TEST_F(PodWorkerTest, StartupProbeThatNeverSucceedsKillsAfterThresholdTimesPeriod) {
  api::Container app = MakeContainer("app");
  app.startup_probe = ExecProbe("startup-check", 1, 3);
  app.liveness_probe = ExecProbe("live-check");
  app.readiness_probe = ExecProbe("ready-check");
  runtime::ExecSyncResult fail;
  fail.status = runtime::ExecSyncResult::Status::kExited;
  fail.exit_code = 1;
  runtime_.exec_results["startup-check"] = fail;
  kubelet_->AddPod(MakePod({app}));
  Settle();
  EXPECT_EQ(CStatus().started, false);
  EXPECT_FALSE(CStatus().ready);
  base::MonoTime t0 = clock_.Now();
  while (runtime_.stops.empty() && clock_.Now() - t0 < seconds(30)) Run(milliseconds(100));
  ASSERT_EQ(runtime_.stops.size(), 1u);
  // Three failing attempts one period apart (the first may be delayed by start-up jitter).
  EXPECT_GE(runtime_.stops[0].at - t0, seconds(2));
  EXPECT_LE(runtime_.stops[0].at - t0, seconds(4));
  EXPECT_EQ(Events("Killing"),
            (std::vector<std::string>{"Container app failed startup probe, will be restarted"}));
  // Liveness and readiness never ran: startup gates them (§3.3.10).
  for (const auto& e : runtime_.execs) EXPECT_EQ(e.argv[0], "startup-check");
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
}

TEST_F(PodWorkerTest, ExecReadinessTogglesReadyAndContainersReady) {
  api::Container app = MakeContainer("app");
  app.readiness_probe = ExecProbe("ready-check", 1, 1);
  kubelet_->AddPod(MakePod({app}));
  Settle();
  EXPECT_EQ(Condition("Ready"), "False");
  Run(seconds(2));
  EXPECT_EQ(Condition("Ready"), "True");
  EXPECT_EQ(Condition("ContainersReady"), "True");
  api::Time became_ready = FindCondition(Status().conditions, "Ready")->last_transition_time;

  runtime::ExecSyncResult fail;
  fail.status = runtime::ExecSyncResult::Status::kExited;
  fail.exit_code = 1;
  runtime_.exec_results["ready-check"] = fail;
  Run(seconds(2));
  EXPECT_EQ(Condition("Ready"), "False");
  EXPECT_EQ(Condition("ContainersReady"), "False");
  EXPECT_EQ(FindCondition(Status().conditions, "Ready")->message,
            "containers with unready status: [app]");
  EXPECT_GT(FindCondition(Status().conditions, "Ready")->last_transition_time, became_ready);
  EXPECT_TRUE(CStatus().state.running.has_value()) << "readiness never restarts";

  runtime_.exec_results.erase("ready-check");
  Run(seconds(2));
  EXPECT_EQ(Condition("Ready"), "True");
  EXPECT_EQ(Condition("ContainersReady"), "True");
  EXPECT_EQ(runtime_.CountCreated("app"), 1);
}

TEST_F(PodWorkerTest, InitContainersRunInOrderBeforeRegularOnes) {
  api::Pod pod = MakePod({MakeContainer("app")});
  pod.spec.init_containers = {MakeContainer("init-a"), MakeContainer("init-b")};
  kubelet_->AddPod(pod);
  Settle();
  EXPECT_EQ(runtime_.creates.size(), 1u);
  EXPECT_EQ(Status().phase, "Pending");
  EXPECT_EQ(Condition("Initialized"), "False");
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "PodInitializing");
  runtime_.Exit(runtime_.Latest("init-a"), 0);
  Settle();
  EXPECT_EQ(runtime_.creates.size(), 2u);
  EXPECT_EQ(runtime_.creates[1].container.name, "init-b");
  runtime_.Exit(runtime_.Latest("init-b"), 0);
  Settle();
  ASSERT_EQ(runtime_.creates.size(), 3u);
  EXPECT_EQ(runtime_.creates[2].container.name, "app");
  EXPECT_EQ(Status().phase, "Running");
  EXPECT_EQ(Condition("Initialized"), "True");
  EXPECT_TRUE(Status().init_container_statuses[0].ready);
  EXPECT_EQ(Status().init_container_statuses[0].state.terminated->reason, "Completed");
}

TEST_F(PodWorkerTest, FailedInitContainerWithNeverFailsThePod) {
  api::Pod pod = MakePod({MakeContainer("app")}, "Never");
  pod.spec.init_containers = {MakeContainer("init")};
  kubelet_->AddPod(pod);
  Settle();
  runtime_.Exit(runtime_.Latest("init"), 3);
  Settle();
  EXPECT_EQ(Status().phase, "Failed");
  EXPECT_EQ(runtime_.CountCreated("app"), 0);
}

TEST_F(PodWorkerTest, SidecarGatesTheNextOnItsStartupProbeAndKeepsRunning) {
  api::Container side = MakeContainer("side");
  side.restart_policy = "Always";
  side.startup_probe = ExecProbe("side-started", 1, 100);
  runtime::ExecSyncResult fail;
  fail.status = runtime::ExecSyncResult::Status::kExited;
  fail.exit_code = 1;
  runtime_.exec_results["side-started"] = fail;
  api::Pod pod = MakePod({MakeContainer("app")});
  pod.spec.init_containers = {side};
  kubelet_->AddPod(pod);
  Run(seconds(3));
  EXPECT_EQ(runtime_.CountCreated("app"), 0);
  EXPECT_EQ(Status().phase, "Pending");
  runtime_.exec_results.erase("side-started");
  Run(seconds(2));
  EXPECT_EQ(runtime_.CountCreated("app"), 1);
  EXPECT_EQ(runtime_.running_count(), 2);
  EXPECT_EQ(Status().phase, "Running");
  EXPECT_EQ(Status().init_container_statuses[0].started, true);
  EXPECT_EQ(Condition("Initialized"), "True");
}

TEST_F(PodWorkerTest, StartFailureIsReportedAndBacksOffLikeACrash) {
  runtime_.fail_start.insert("app");
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  ASSERT_FALSE(Events("Failed").empty());
  EXPECT_EQ(Events("Failed")[0].rfind("Error: ", 0), 0u);
  // First retry at once (no back-off entry), then 10 s.
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "CrashLoopBackOff");
  Run(seconds(10));
  EXPECT_EQ(runtime_.CountCreated("app"), 3);
}

TEST_F(PodWorkerTest, ShutdownStopsLivenessFirstKeepsReadinessUntilContainersAreGone) {
  api::Container app = MakeContainer("app");
  app.liveness_probe = ExecProbe("live");
  app.readiness_probe = ExecProbe("ready");
  kubelet_->AddPod(MakePod({app, MakeContainer("other")}));
  Run(seconds(2));
  EXPECT_EQ(probers_.worker_count(), 2u);
  runtime_.term_delay = seconds(3);
  bool done = false;
  kubelet_->Shutdown([&] { done = true; });
  Settle();
  EXPECT_EQ(probers_.worker_count(), 1u) << "only readiness keeps probing";
  EXPECT_EQ(Events("Killing"),
            (std::vector<std::string>{"Stopping container app", "Stopping container other"}));
  EXPECT_EQ(runtime_.stops.size(), 2u);
  EXPECT_EQ(runtime_.stops[0].grace, seconds(30));
  Run(seconds(3) - milliseconds(1));
  EXPECT_FALSE(done);
  Run(milliseconds(1));
  EXPECT_TRUE(done);
  EXPECT_EQ(runtime_.running_count(), 0);
  EXPECT_EQ(probers_.worker_count(), 0u);
  Run(seconds(60));
  EXPECT_EQ(runtime_.CountCreated("app"), 1) << "nothing restarts after shutdown";
}

TEST_F(PodWorkerTest, ShutdownStopsSidecarsAfterTheRegularContainers) {
  api::Container side = MakeContainer("side");
  side.restart_policy = "Always";
  api::Pod pod = MakePod({MakeContainer("app")});
  pod.spec.init_containers = {side};
  kubelet_->AddPod(pod);
  Settle();
  ASSERT_EQ(runtime_.running_count(), 2);
  runtime_.term_delay = seconds(2);
  bool done = false;
  kubelet_->Shutdown([&] { done = true; });
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.stops[0].name, "app");
  Run(seconds(2));
  ASSERT_EQ(runtime_.stops.size(), 2u);
  EXPECT_EQ(runtime_.stops[1].name, "side");
  EXPECT_FALSE(done);
  Run(seconds(2));
  EXPECT_TRUE(done);
}

TEST_F(PodWorkerTest, SidecarStopsWhenTheRegularContainersAreDone) {
  api::Container side = MakeContainer("side");
  side.restart_policy = "Always";
  api::Pod pod = MakePod({MakeContainer("job")}, "Never");
  pod.spec.init_containers = {side};
  kubelet_->AddPod(pod);
  Settle();
  runtime_.Exit(runtime_.Latest("job"), 0);
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(runtime_.stops[0].name, "side");
  EXPECT_EQ(runtime_.running_count(), 0);
  EXPECT_EQ(Status().phase, "Succeeded");
}

TEST_F(PodWorkerTest, ShutdownDuringALongLivenessKillStopsTheOthersAtOnce) {
  api::Pod pod = MakePod({MakeContainer("slow"), MakeContainer("other")});
  runtime_.ignore_sigterm.insert("slow");
  kubelet_->AddPod(pod);
  Settle();
  probers_.liveness_results().Set(runtime_.Latest("slow"), prober::CachedResult::kFailure, pod);
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 1u);  // slow: 30 s of grace, ignoring SIGTERM
  bool done = false;
  kubelet_->Shutdown([&] { done = true; });
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 2u);
  EXPECT_EQ(runtime_.stops[1].name, "other");
  EXPECT_EQ(EventCount("Killing", "Stopping container slow"), 0) << "not stopped twice";
  Run(seconds(30));
  EXPECT_TRUE(done);
  EXPECT_EQ(runtime_.CountCreated("slow"), 1) << "no restart once terminating";
  EXPECT_EQ(runtime_.running_count(), 0);
}

TEST_F(PodWorkerTest, LogPathsOfCurrentAndPreviousInstances) {
  api::Pod pod = MakePod({MakeContainer("app")});
  kubelet_->AddPod(pod);
  Settle();
  EXPECT_EQ(kubelet_->LogPath("default", "web", "app", false),
            "/tmp/probelet-test/pods/default_web_uid-1/app/0.log");
  EXPECT_EQ(kubelet_->LogPath("default", "web", "app", true), std::nullopt);
  probers_.liveness_results().Set(runtime_.Latest("app"), prober::CachedResult::kFailure, pod);
  Settle();
  EXPECT_EQ(kubelet_->LogPath("default", "web", "app", false),
            "/tmp/probelet-test/pods/default_web_uid-1/app/1.log");
  EXPECT_EQ(kubelet_->LogPath("default", "web", "app", true),
            "/tmp/probelet-test/pods/default_web_uid-1/app/0.log");
  EXPECT_EQ(kubelet_->LogPath("default", "web", "nope", false), std::nullopt);
}

TEST_F(PodWorkerTest, SecondTerminateStillCallsTheFirstCallersDone) {
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  runtime_.term_delay = seconds(1);
  PodWorker* worker = kubelet_->GetWorker("uid-1");
  ASSERT_NE(worker, nullptr);
  bool first = false;
  bool second = false;
  worker->Terminate([&] { first = true; });
  worker->Terminate([&] { second = true; });
  Run(seconds(1));
  EXPECT_TRUE(worker->terminated());
  EXPECT_TRUE(first) << "the first caller's done was dropped";
  EXPECT_TRUE(second);
  bool third = false;
  worker->Terminate([&] { third = true; });
  EXPECT_TRUE(third) << "already terminated: at once";
  EXPECT_EQ(runtime_.stops.size(), 1u) << "stopped once";
}

TEST_F(PodWorkerTest, FailedStopIsReportedNothingStartsAndTheSyncIsRetried) {
  api::Pod pod = MakePod({MakeContainer("app")});
  kubelet_->AddPod(pod);
  Settle();
  std::string first = runtime_.Latest("app");
  runtime_.fail_stop.insert("app");
  probers_.liveness_results().Set(first, prober::CachedResult::kFailure, pod);
  Settle();
  ASSERT_EQ(runtime_.stops.size(), 1u);
  EXPECT_EQ(Events("FailedKillPod"),
            (std::vector<std::string>{"error killing pod: cannot stop " + first}));
  // SyncPod returns on the kill error: no second instance beside the one still running.
  EXPECT_EQ(runtime_.CountCreated("app"), 1);
  EXPECT_EQ(runtime_.running_count(), 1);
  // The sync is retried after the pod worker's back-off period, and this time the kill works.
  runtime_.fail_stop.clear();
  Run(kSyncErrorBackOff - milliseconds(1));
  EXPECT_EQ(runtime_.stops.size(), 1u);
  Run(milliseconds(1));
  ASSERT_EQ(runtime_.stops.size(), 2u);
  EXPECT_EQ(runtime_.stops[1].id, first);
  EXPECT_EQ(runtime_.CountCreated("app"), 2);
  EXPECT_EQ(runtime_.running_count(), 1);
}

TEST_F(PodWorkerTest, FailedStopDuringShutdownIsRetriedNotBusyLooped) {
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  runtime_.fail_stop.insert("app");
  bool done = false;
  kubelet_->Shutdown([&] { done = true; });
  // What is due now, bounded: a busy retry loop would never let time move.
  for (int i = 0; i < 1000 && clock_.NextDeadline() <= clock_.Now(); ++i) clock_.RunNext();
  ASSERT_EQ(runtime_.stops.size(), 1u) << "retried at once";
  Run(kSyncErrorBackOff);
  EXPECT_EQ(runtime_.stops.size(), 2u) << "one retry per back-off period";
  EXPECT_FALSE(done);
  runtime_.fail_stop.clear();
  Run(kSyncErrorBackOff);
  EXPECT_TRUE(done);
  EXPECT_EQ(runtime_.running_count(), 0);
}

TEST_F(PodWorkerTest, SyncWithNothingToKillRunsTheNextSyncOnALaterTurnNotInsideIt) {
  // Three sidecars without startup probes: each start asks for another sync (the next init
  // container may start at once). Each sync takes a turn of the loop; none runs nested in the
  // one before (a pod with many init containers would otherwise grow the stack per sync).
  api::Pod pod = MakePod({MakeContainer("app")});
  for (const char* name : {"s1", "s2", "s3"}) {
    api::Container side = MakeContainer(name);
    side.restart_policy = "Always";
    pod.spec.init_containers.push_back(side);
  }
  kubelet_->AddPod(pod);
  EXPECT_TRUE(runtime_.creates.empty()) << "the first sync's starts ran inside AddPod";
  size_t seen = 0;
  for (int turn = 0; turn < 100 && clock_.RunNext(); ++turn) {
    EXPECT_LE(runtime_.creates.size(), seen + 1) << "two syncs in one turn, at turn " << turn;
    seen = runtime_.creates.size();
  }
  EXPECT_EQ(runtime_.creates.size(), 4u);
  EXPECT_EQ(runtime_.running_count(), 4);
}

TEST_F(PodWorkerTest, CreateFailureIsRetriedAfterTheGrowingBackOff) {
  runtime_.fail_create.insert("app");
  kubelet_->AddPod(MakePod({MakeContainer("app")}));
  Settle();
  base::MonoTime t0 = clock_.Now();
  ASSERT_EQ(runtime_.failed_creates.size(), 1u);
  ASSERT_TRUE(CStatus().state.waiting.has_value());
  EXPECT_EQ(CStatus().state.waiting->reason, "CreateContainerError");
  Run(seconds(200));
  std::vector<double> at;  // seconds after the first attempt
  for (base::MonoTime t : runtime_.failed_creates) {
    at.push_back(std::chrono::duration<double>(t - t0).count());
  }
  // 10 s, then doubling, as the container's CrashLoopBackOff.
  EXPECT_EQ(at, (std::vector<double>{0, 10, 30, 70, 150}));
  runtime_.fail_create.clear();
  Run(seconds(160));
  EXPECT_EQ(runtime_.CountCreated("app"), 1);
  EXPECT_TRUE(CStatus().state.running.has_value());
}

}  // namespace
}  // namespace probelet::kubelet
