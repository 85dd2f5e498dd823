// The worker's synchronous step (the kubelet's doProbe, §3.3), called directly as the
// kubelet's worker_test.go does: T1-T19 with §8's expected values, crossed with the three
// probe types where the rule applies to all, and the readiness carry-over quirk of §4.6.
#include "prober/worker.h"

#include <gtest/gtest.h>

#include <chrono>

#include "prober/testing/test_env.h"

namespace probelet::prober {
namespace {

using std::chrono::seconds;
using testing::kContainerId;
using testing::RunningStatus;
using testing::TestEnv;
using testing::TestProbe;

constexpr ProberResult kSuccess{CachedResult::kSuccess, std::nullopt};
constexpr ProberResult kFailure{CachedResult::kFailure, std::nullopt};

class DoProbeTest : public ::testing::TestWithParam<ProbeType> {
 protected:
  ProbeType type() const { return GetParam(); }
  // Started as the kubelet's table sets it: true, except for the startup worker.
  api::PodStatus Running() { return RunningStatus(t_.Now(), type() != ProbeType::kStartup); }
  TestEnv t_;
};

std::string TypeName(const ::testing::TestParamInfo<ProbeType>& info) {
  return std::string(ToString(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DoProbeTest,
                         ::testing::Values(ProbeType::kLiveness, ProbeType::kReadiness,
                                           ProbeType::kStartup),
                         TypeName);

TEST_P(DoProbeTest, T1NoPodStatus) {
  auto w = t_.NewWorker(type(), TestProbe());
  EXPECT_TRUE(w->DoProbe(nullptr, kSuccess));
  EXPECT_EQ(t_.Cached(type()), std::nullopt);
}

TEST_P(DoProbeTest, T2PodPhaseFailed) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  s.phase = api::kPodFailed;
  EXPECT_FALSE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), std::nullopt);
}

TEST_P(DoProbeTest, T2PodPhaseSucceeded) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  s.phase = api::kPodSucceeded;
  EXPECT_FALSE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), std::nullopt);
}

TEST_P(DoProbeTest, T3PodBeingDeleted) {
  api::Pod pod = testing::TestPod(testing::TestContainer(type(), TestProbe()));
  pod.metadata.deletion_timestamp = t_.Now();
  auto w = t_.NewWorker(pod, type());
  api::PodStatus s = Running();
  if (type() == ProbeType::kReadiness) {
    // Readiness ignores deletion and probes on (§3.3.8).
    EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  } else {
    // Quiet shutdown: Success, and the worker ends; the handler is not consulted.
    EXPECT_FALSE(w->DoProbe(&s, kFailure));
  }
  EXPECT_EQ(t_.Cached(type()), CachedResult::kSuccess);
}

TEST_P(DoProbeTest, T3PodDeletedAfterWorkerCreation) {
  auto w = t_.NewWorker(type(), TestProbe());
  w->SetPodDeleted();  // what AddPod passes on to existing workers
  api::PodStatus s = Running();
  EXPECT_EQ(w->DoProbe(&s, kSuccess), type() == ProbeType::kReadiness);
  EXPECT_EQ(t_.Cached(type()), CachedResult::kSuccess);
}

TEST_P(DoProbeTest, T4StatusOnlyForAnotherContainer) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  s.container_statuses[0].name = "other";
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), std::nullopt);
}

TEST_P(DoProbeTest, T4ContainerWithoutIdIsNotFound) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  s.container_statuses[0].container_id.clear();
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), std::nullopt);
}

TEST_P(DoProbeTest, T5ContainerWaiting) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  s.container_statuses[0].state = api::ContainerState{};
  s.container_statuses[0].state.waiting = api::ContainerStateWaiting{"ContainerCreating", ""};
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kFailure);
}

TEST_P(DoProbeTest, T6ContainerTerminatedRestartPolicyNever) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  s.container_statuses[0].state = api::ContainerState{};
  s.container_statuses[0].state.terminated = api::ContainerStateTerminated{};
  EXPECT_FALSE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kFailure);
}

TEST_P(DoProbeTest, T6TerminatedKeepsGoingWhenTheContainerWillRestart) {
  // §3.6.2-§3.6.3: the pod's policy, overridden by the container's own.
  struct Case {
    std::string pod_policy;
    std::optional<std::string> container_policy;
    int32_t exit_code;
    bool keep_going;
  };
  const Case cases[] = {
      {"Always", std::nullopt, 0, true},     {"OnFailure", std::nullopt, 1, true},
      {"OnFailure", std::nullopt, 0, false}, {"Never", std::nullopt, 1, false},
      {"", std::nullopt, 0, true},           {"Never", "Always", 0, true},
      {"Always", "Never", 1, false},         {"Never", "OnFailure", 2, true},
  };
  for (const Case& c : cases) {
    api::Container container = testing::TestContainer(type(), TestProbe());
    container.restart_policy = c.container_policy;
    api::Pod pod = testing::TestPod(container);
    pod.spec.restart_policy = c.pod_policy;
    auto w = t_.NewWorker(pod, type());
    api::PodStatus s = Running();
    s.container_statuses[0].state = api::ContainerState{};
    s.container_statuses[0].state.terminated = api::ContainerStateTerminated{};
    s.container_statuses[0].state.terminated->exit_code = c.exit_code;
    EXPECT_EQ(w->DoProbe(&s, kSuccess), c.keep_going)
        << "pod " << c.pod_policy << " container " << c.container_policy.value_or("-") << " exit "
        << c.exit_code;
    EXPECT_EQ(t_.Cached(type()), CachedResult::kFailure);
  }
}

TEST_P(DoProbeTest, T7RunningProbeSucceeds) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kSuccess);
}

TEST_P(DoProbeTest, T8InitialDelayPassed) {
  api::Probe p = TestProbe();
  p.initial_delay_seconds = -100;
  auto w = t_.NewWorker(type(), p);
  api::PodStatus s = Running();
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kSuccess);
}

TEST_P(DoProbeTest, T9InitialDelay) {
  api::Probe p = TestProbe();
  p.initial_delay_seconds = 10;
  auto w = t_.NewWorker(type(), p);
  api::PodStatus s = Running();
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), Worker::InitialValue(type()));
  s.container_statuses[0].state.running->started_at = t_.Now() - seconds(100);
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kSuccess);
}

TEST_P(DoProbeTest, T9InitialDelayCountsWholeSecondsOfTheCurrentContainer) {
  api::Probe p = TestProbe();
  p.initial_delay_seconds = 5;
  auto w = t_.NewWorker(type(), p);
  api::PodStatus s = Running();
  // 5.9 s truncates to 5: not less than 5, so it probes; 4.99 s does not.
  s.container_statuses[0].state.running->started_at = t_.Now() - std::chrono::milliseconds(4990);
  EXPECT_EQ(w->PrepareProbe(&s), Worker::Decision::kWait);
  s.container_statuses[0].state.running->started_at = t_.Now() - std::chrono::milliseconds(5000);
  EXPECT_EQ(w->PrepareProbe(&s), Worker::Decision::kProbe);
  s.container_statuses[0].state.running->started_at = t_.Now() - std::chrono::milliseconds(5900);
  EXPECT_EQ(w->PrepareProbe(&s), Worker::Decision::kProbe);
}

TEST_P(DoProbeTest, ErroredProbeIsDiscarded) {
  // §3.3.11: no cache write, no run counted, no metric.
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  EXPECT_TRUE(w->DoProbe(&s, {CachedResult::kFailure, "boom"}));
  EXPECT_EQ(t_.Cached(type()), Worker::InitialValue(type()));
  EXPECT_EQ(w->result_run(), 0);
  EXPECT_EQ(t_.metrics.ProbeTotal({type(), testing::kContainerName, testing::kPodName,
                                   testing::kPodNamespace, testing::kPodUid},
                                  "failed"),
            -1);
}

TEST_P(DoProbeTest, NewContainerWritesTheInitialValueAndRemovesTheOld) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kFailure);
  s.container_statuses[0].container_id = "test://other";
  s.container_statuses[0].state.running->started_at = t_.Now();
  // PrepareProbe alone shows the state between adoption and the probe.
  EXPECT_EQ(w->PrepareProbe(&s), Worker::Decision::kProbe);
  EXPECT_EQ(t_.Cached(type()), std::nullopt);  // old ID removed silently
  EXPECT_EQ(t_.Cached(type(), "test://other"), Worker::InitialValue(type()));
  EXPECT_EQ(w->container_id(), "test://other");
}

TEST_P(DoProbeTest, ProbesOnlyWhenTheCachedStartedAllowsIt) {
  // §3.3.10: startup probes until Started; liveness and readiness only after.
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = RunningStatus(t_.Now(), std::nullopt);
  EXPECT_EQ(w->PrepareProbe(&s) == Worker::Decision::kProbe, type() == ProbeType::kStartup);
  s.container_statuses[0].started = false;
  EXPECT_EQ(w->PrepareProbe(&s) == Worker::Decision::kProbe, type() == ProbeType::kStartup);
  s.container_statuses[0].started = true;
  EXPECT_EQ(w->PrepareProbe(&s) == Worker::Decision::kProbe, type() != ProbeType::kStartup);
}

TEST_P(DoProbeTest, SidecarStatusIsFoundAmongInitContainers) {
  auto w = t_.NewWorker(type(), TestProbe());
  api::PodStatus s = Running();
  std::swap(s.container_statuses, s.init_container_statuses);
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t_.Cached(type()), CachedResult::kSuccess);
}

TEST(WorkerThresholdTest, T10FailureThreshold) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.success_threshold = 1;
  p.failure_threshold = 3;
  auto w = t.NewWorker(ProbeType::kReadiness, p);
  api::PodStatus s = RunningStatus(t.Now(), true);
  for (int loop = 0; loop < 2; ++loop) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(w->DoProbe(&s, kSuccess));
      EXPECT_EQ(t.Cached(ProbeType::kReadiness), CachedResult::kSuccess) << loop << "/" << i;
    }
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(w->DoProbe(&s, kFailure));
      EXPECT_EQ(t.Cached(ProbeType::kReadiness), CachedResult::kSuccess) << loop << "/" << i;
    }
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(w->DoProbe(&s, kFailure));
      EXPECT_EQ(t.Cached(ProbeType::kReadiness), CachedResult::kFailure) << loop << "/" << i;
    }
  }
}

TEST(WorkerThresholdTest, T11SuccessThreshold) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.success_threshold = 3;
  p.failure_threshold = 1;
  auto w = t.NewWorker(ProbeType::kReadiness, p);
  api::PodStatus s = RunningStatus(t.Now(), true);
  t.readiness.Set(kContainerId, CachedResult::kFailure, testing::kPodUid);
  for (int loop = 0; loop < 2; ++loop) {
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(w->DoProbe(&s, kSuccess));
      EXPECT_EQ(t.Cached(ProbeType::kReadiness), CachedResult::kFailure) << loop << "/" << i;
    }
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(w->DoProbe(&s, kSuccess));
      EXPECT_EQ(t.Cached(ProbeType::kReadiness), CachedResult::kSuccess) << loop << "/" << i;
    }
    EXPECT_TRUE(w->DoProbe(&s, kFailure));
    EXPECT_EQ(t.Cached(ProbeType::kReadiness), CachedResult::kFailure) << loop;
  }
}

TEST(WorkerStartupHoldTest, T12StartupSuccessThreshold) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.success_threshold = 1;
  p.failure_threshold = 3;
  auto w = t.NewWorker(ProbeType::kStartup, p);
  api::PodStatus s = RunningStatus(t.Now(), false);
  EXPECT_FALSE(w->on_hold());
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t.Cached(ProbeType::kStartup), CachedResult::kSuccess);
  EXPECT_TRUE(w->on_hold());
  EXPECT_EQ(w->result_run(), 0);
}

TEST(WorkerStartupHoldTest, T13StartupFailureThreshold) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.success_threshold = 1;
  p.failure_threshold = 3;
  auto w = t.NewWorker(ProbeType::kStartup, p);
  api::PodStatus s = RunningStatus(t.Now(), false);
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(w->DoProbe(&s, kFailure));
    EXPECT_EQ(t.Cached(ProbeType::kStartup), CachedResult::kUnknown);
    EXPECT_EQ(w->result_run(), i);
    EXPECT_FALSE(w->on_hold());
  }
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kStartup), CachedResult::kFailure);
  EXPECT_EQ(w->result_run(), 0);
  EXPECT_TRUE(w->on_hold());
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_TRUE(w->on_hold());
  EXPECT_EQ(w->result_run(), 0);
}

class HoldTest : public ::testing::TestWithParam<ProbeType> {};
INSTANTIATE_TEST_SUITE_P(LivenessAndStartup, HoldTest,
                         ::testing::Values(ProbeType::kLiveness, ProbeType::kStartup), TypeName);

TEST_P(HoldTest, T15OnHoldOnLivenessOrStartupCheckFailure) {
  const ProbeType type = GetParam();
  TestEnv t;
  auto w = t.NewWorker(type, TestProbe());  // S=1, F=1
  api::PodStatus s = RunningStatus(t.Now(), type == ProbeType::kLiveness);
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(type), CachedResult::kFailure);
  EXPECT_TRUE(w->on_hold());
  // The handler now succeeds, but no probe runs while on hold.
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t.Cached(type), CachedResult::kFailure);
  EXPECT_TRUE(w->on_hold());
  // A new container lifts the hold and is probed at once.
  s.container_statuses[0].container_id = "test://newCont_ID";
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t.Cached(type, "test://newCont_ID"), CachedResult::kSuccess);
  // Liveness holds only on failure; startup holds after success too.
  EXPECT_EQ(w->on_hold(), type == ProbeType::kStartup);
}

TEST(WorkerRunTest, T16ResultRunOnLivenessCheckFailure) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.success_threshold = 1;
  p.failure_threshold = 3;
  auto w = t.NewWorker(ProbeType::kLiveness, p);
  api::PodStatus s = RunningStatus(t.Now(), true);
  struct Step {
    ProberResult handler;
    CachedResult cached;
    int run;
  };
  const Step steps[] = {{kSuccess, CachedResult::kSuccess, 1},
                        {kFailure, CachedResult::kSuccess, 1},
                        {kFailure, CachedResult::kSuccess, 2},
                        {kFailure, CachedResult::kFailure, 0}};
  int n = 1;
  for (const Step& st : steps) {
    EXPECT_TRUE(w->DoProbe(&s, st.handler));
    EXPECT_EQ(t.Cached(ProbeType::kLiveness), st.cached) << "step " << n;
    EXPECT_EQ(w->result_run(), st.run) << "step " << n;
    ++n;
  }
}

TEST(WorkerRunTest, T17ResultRunOnStartupCheckFailure) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.failure_threshold = 3;
  auto w = t.NewWorker(ProbeType::kStartup, p);
  api::PodStatus s = RunningStatus(t.Now(), false);
  const std::pair<CachedResult, int> steps[] = {
      {CachedResult::kUnknown, 1}, {CachedResult::kUnknown, 2}, {CachedResult::kFailure, 0}};
  int n = 1;
  for (const auto& [cached, run] : steps) {
    EXPECT_TRUE(w->DoProbe(&s, kFailure));
    EXPECT_EQ(t.Cached(ProbeType::kStartup), cached) << "step " << n;
    EXPECT_EQ(w->result_run(), run) << "step " << n;
    ++n;
  }
}

TEST(WorkerStartupGatingTest, T18LivenessProbeDisabledByStarted) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.failure_threshold = 1;
  auto w = t.NewWorker(ProbeType::kLiveness, p);
  api::PodStatus s = RunningStatus(t.Now(), false);
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kLiveness), CachedResult::kSuccess);  // not probed
  s.container_statuses[0].started = true;                             // SetContainerStartup(true)
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kLiveness), CachedResult::kFailure);
}

TEST(WorkerStartupGatingTest, T19StartupProbeDisabledByStarted) {
  TestEnv t;
  api::Probe p = TestProbe();
  p.failure_threshold = 2;
  auto w = t.NewWorker(ProbeType::kStartup, p);
  api::PodStatus s = RunningStatus(t.Now(), false);
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kStartup), CachedResult::kUnknown);
  EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(t.Cached(ProbeType::kStartup), CachedResult::kSuccess);
  s.container_statuses[0].started = true;
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kStartup), CachedResult::kSuccess);
}

TEST(WorkerQuirkTest, ReadinessRunCarriesOverAContainerRestart) {
  // §4.6: resultRun and lastResult survive a new container ID; readiness never holds, so 5
  // successes with S=3 make the next container Ready on its first success.
  TestEnv t;
  api::Probe p = TestProbe();
  p.success_threshold = 3;
  p.failure_threshold = 1;
  auto w = t.NewWorker(ProbeType::kReadiness, p);
  api::PodStatus s = RunningStatus(t.Now(), true);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(w->DoProbe(&s, kSuccess));
  EXPECT_EQ(w->result_run(), 5);
  s.container_statuses[0].container_id = "test://restarted";
  EXPECT_EQ(w->PrepareProbe(&s), Worker::Decision::kProbe);
  EXPECT_EQ(t.Cached(ProbeType::kReadiness, "test://restarted"), CachedResult::kFailure);
  EXPECT_TRUE(w->ApplyResult(kSuccess));
  EXPECT_EQ(w->result_run(), 6);
  EXPECT_EQ(t.Cached(ProbeType::kReadiness, "test://restarted"), CachedResult::kSuccess);
}

TEST(WorkerQuirkTest, LivenessRestartGetsTheFullFailureThreshold) {
  // §4.5: the hold resets the run, so the next container needs F failures again.
  TestEnv t;
  api::Probe p = TestProbe();
  p.failure_threshold = 2;
  auto w = t.NewWorker(ProbeType::kLiveness, p);
  api::PodStatus s = RunningStatus(t.Now(), true);
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kLiveness), CachedResult::kFailure);
  s.container_statuses[0].container_id = "test://restarted";
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kLiveness, "test://restarted"), CachedResult::kSuccess);
  EXPECT_TRUE(w->DoProbe(&s, kFailure));
  EXPECT_EQ(t.Cached(ProbeType::kLiveness, "test://restarted"), CachedResult::kFailure);
}

}  // namespace
}  // namespace probelet::prober
