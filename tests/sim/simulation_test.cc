// Simulate on known cases: the kubelet's numbers must come out of the real engine exactly
// (liveness thresholds, CrashLoopBackOff's 10 s doubling to 300 s and its reset after 10 min).
#include "sim/simulation.h"

#include <gtest/gtest.h>

#include "sim/testing/sim_pods.h"

namespace probelet::sim {
namespace {

using namespace std::chrono_literals;
using testing::Entries;
using testing::PodsFromYaml;
using testing::ScenarioFromYaml;
using testing::Seconds;

constexpr std::string_view kLivenessPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers:
  - name: web
    image: local
    command: [/bin/web]
    ports: [{name: http, containerPort: 8080}]
    livenessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 10
      failureThreshold: 3
)";

SimulationResult Simulated(std::string_view pod, std::string_view scenario, base::Duration d,
                           uint64_t seed = 1) {
  SimulationOptions o;
  o.duration = d;
  o.seed = seed;
  auto r = Simulate(PodsFromYaml(pod), ScenarioFromYaml(scenario), o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : SimulationResult{};
}

TEST(SimulationTest, LivenessWithThreeFailuresEveryTenSecondsKillsTwentySecondsAfterTheFirst) {
  SimulationResult r = Simulated(kLivenessPod, R"(
containers:
  web:
    liveness:
      fail: [{from: 60s, for: 10m}]
)",
                                 3min);
  auto unhealthy = Entries(r, "Unhealthy");
  auto killing = Entries(r, "Killing");
  ASSERT_GE(unhealthy.size(), 3u);
  ASSERT_GE(killing.size(), 1u);
  // The first failing probe comes within one period of the window's start; the third, two
  // periods later, kills at once: within 30 s of the start of the failure.
  EXPECT_GE(unhealthy[0].at, 60s);
  EXPECT_LT(unhealthy[0].at, 70s);
  EXPECT_EQ(unhealthy[1].at - unhealthy[0].at, 10s);
  EXPECT_EQ(killing[0].at - unhealthy[0].at, 20s);
  EXPECT_LE(killing[0].at, 90s);
  EXPECT_EQ(unhealthy[0].message, "Liveness probe failed: HTTP probe failed with statuscode: 500");
  EXPECT_EQ(killing[0].message, "Container web failed liveness probe, will be restarted");
  EXPECT_EQ(killing[0].container, "web");
  EXPECT_EQ(killing[0].pod, "default/web");
  // The first liveness restart has no back-off (§6.5.6): started again at once (a start takes
  // the scripted runtime 100 us).
  auto started = Entries(r, "Started");
  ASSERT_GE(started.size(), 2u);
  EXPECT_EQ(started[0].at, 100us);
  EXPECT_EQ(started[1].at, killing[0].at + 100us);
  ASSERT_EQ(r.pods.size(), 1u);
  EXPECT_GE(r.pods[0].restarts, 1);
}

constexpr std::string_view kCrashingPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: crash, namespace: default}
spec:
  containers:
  - {name: app, image: local, command: [/bin/app]}
)";

// The waits between an exit and the next start, from the Started entries of a container that
// exits `run` after each start.
std::vector<double> RestartGaps(const SimulationResult& r, base::Duration run) {
  std::vector<double> gaps;
  auto started = Entries(r, "Started");
  for (size_t i = 1; i < started.size(); ++i) {
    // In whole milliseconds: each start takes the scripted runtime 2 x 100 us
    // (scripted_runtime.cc).
    auto gap = started[i].at - (started[i - 1].at + run);
    gaps.push_back(Seconds(std::chrono::round<std::chrono::milliseconds>(gap)));
  }
  return gaps;
}

TEST(SimulationTest, CrashLoopBackOffDoublesFromTenSecondsToTheCapOfThreeHundred) {
  SimulationResult r =
      Simulated(kCrashingPod, "containers: {app: {exitAfter: {after: 5s, code: 1}}}", 40min);
  std::vector<double> gaps = RestartGaps(r, 5s);
  ASSERT_GE(gaps.size(), 9u);
  // §6.5.4: the first restart finds no back-off entry and starts at once.
  std::vector<double> want = {0, 10, 20, 40, 80, 160, 300, 300, 300};
  EXPECT_EQ(std::vector<double>(gaps.begin(), gaps.begin() + 9), want);
  ASSERT_FALSE(Entries(r, "BackOff").empty());
  EXPECT_EQ(Entries(r, "BackOff")[0].message,
            "Back-off restarting failed container app in pod crash_default(" +
                PodsFromYaml(kCrashingPod)[0].metadata.uid + ")");
}

TEST(SimulationTest, BackOffStartsOverAfterTenMinutesOfRunning) {
  // Runs of 11 min: each exit comes more than 600 s after the last restart, so the entry has
  // expired and the container starts again at once, every time.
  SimulationResult longer =
      Simulated(kCrashingPod, "containers: {app: {exitAfter: {after: 11m}}}", 2h);
  std::vector<double> gaps = RestartGaps(longer, 11min);
  ASSERT_GE(gaps.size(), 9u);
  for (double g : gaps) EXPECT_EQ(g, 0);
  EXPECT_TRUE(Entries(longer, "BackOff").empty());
  // Runs of 9 min: the entry lives on, so the waits grow as for a fast crash.
  SimulationResult shorter =
      Simulated(kCrashingPod, "containers: {app: {exitAfter: {after: 9m}}}", 1h);
  gaps = RestartGaps(shorter, 9min);
  ASSERT_GE(gaps.size(), 4u);
  EXPECT_EQ(std::vector<double>(gaps.begin(), gaps.begin() + 4),
            (std::vector<double>{0, 10, 20, 40}));
}

constexpr std::string_view kReadinessPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: default}
spec:
  containers:
  - name: api
    image: local
    command: [/bin/api]
    readinessProbe:
      tcpSocket: {port: 9000}
      periodSeconds: 5
      failureThreshold: 1
)";

TEST(SimulationTest, ReadinessFlapMovesThePodsReadyConditionAndTheSummary) {
  SimulationResult r = Simulated(kReadinessPod, R"(
containers:
  api:
    startupSeconds: 10
    readiness:
      fail: [{from: 60s, for: 30s, every: 2m}]
)",
                                 10min);
  auto ready = Entries(r, "Ready");
  ASSERT_GE(ready.size(), 4u);
  EXPECT_EQ(ready[0].message.rfind("pod Ready=False", 0), 0u) << ready[0].message;
  EXPECT_EQ(ready[1].message, "pod Ready=True");
  EXPECT_GE(ready[1].at, 10s);
  EXPECT_LT(ready[1].at, 15s);
  auto unhealthy = Entries(r, "Unhealthy");
  ASSERT_FALSE(unhealthy.empty());
  EXPECT_EQ(unhealthy[0].message,
            "Readiness probe failed: dial tcp 127.0.0.1:9000: connect: connection refused");
  ASSERT_EQ(r.pods.size(), 1u);
  const PodSummary& s = r.pods[0];
  ASSERT_TRUE(s.first_ready.has_value());
  EXPECT_EQ(*s.first_ready, ready[1].at);
  EXPECT_EQ(s.restarts, 0);
  EXPECT_FALSE(s.crash_loop);
  // Out of traffic ~30 s of every 2 min (one period more or less), plus the start.
  EXPECT_GT(s.ready_fraction, 0.65);
  EXPECT_LT(s.ready_fraction, 0.85);
  EXPECT_GE(s.longest_not_ready, 25s);
  EXPECT_LE(s.longest_not_ready, 35s);
}

TEST(SimulationTest, SlowStartWithoutAStartupProbeIsKilledOverAndOver) {
  SimulationResult r = Simulated(kLivenessPod, "containers: {web: {startupSeconds: 2m}}", 30min);
  ASSERT_EQ(r.pods.size(), 1u);
  const PodSummary& s = r.pods[0];
  // No readiness probe: Ready while running, so only the back-off waits take it out.
  EXPECT_GE(s.restarts, 5);
  EXPECT_LT(s.ready_fraction, 0.9);
  EXPECT_GE(s.longest_not_ready, 80s);
  EXPECT_GE(Entries(r, "Killing").size(), 5u);
  auto unhealthy = Entries(r, "Unhealthy");
  ASSERT_FALSE(unhealthy.empty());
  EXPECT_EQ(unhealthy[0].message,
            "Liveness probe failed: Get \"http://127.0.0.1:8080/healthz\": dial tcp "
            "127.0.0.1:8080: connect: connection refused");
}

TEST(SimulationTest, ProbeSlowerThanItsTimeoutFailsWithTheTimeoutText) {
  SimulationResult r =
      Simulated(kLivenessPod, "containers: {web: {liveness: {latency: 1500ms}}}", 1min);
  auto unhealthy = Entries(r, "Unhealthy");
  ASSERT_FALSE(unhealthy.empty());
  EXPECT_EQ(unhealthy[0].message,
            "Liveness probe failed: Get \"http://127.0.0.1:8080/healthz\": context deadline "
            "exceeded (Client.Timeout exceeded while awaiting headers)");
}

TEST(SimulationTest, ExecProbeTimeoutNamesTheManifestsCommand) {
  SimulationResult r =
      Simulated(R"(
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: default}
spec:
  containers:
  - name: job
    image: local
    command: [/bin/job]
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      timeoutSeconds: 2
)",
                "containers: {job: {liveness: {fail: [{from: 0s, for: 1h, latency: 3s}]}}}", 1min);
  auto unhealthy = Entries(r, "Unhealthy");
  ASSERT_FALSE(unhealthy.empty());
  EXPECT_EQ(unhealthy[0].message,
            "Liveness probe failed: command timed out: \"cat /tmp/healthy\" timed out after 2s");
}

TEST(SimulationTest, SameSeedSameTimelineOtherSeedOtherOffsets) {
  auto at = [](const SimulationResult& r) {
    std::vector<base::Duration> out;
    for (const auto& e : r.timeline) out.push_back(e.at);
    return out;
  };
  constexpr std::string_view kScenario =
      "containers: {api: {readiness: {fail: [{from: 1m, for: 20s}]}}}";
  SimulationResult a = Simulated(kReadinessPod, kScenario, 5min, 1);
  SimulationResult b = Simulated(kReadinessPod, kScenario, 5min, 1);
  EXPECT_EQ(at(a), at(b));
  bool differs = false;
  for (uint64_t seed = 2; seed < 6 && !differs; ++seed) {
    differs = at(Simulated(kReadinessPod, kScenario, 5min, seed)) != at(a);
  }
  EXPECT_TRUE(differs);
}

TEST(SimulationTest, ScenarioNamingAContainerTheManifestLacksIsAnError) {
  auto r = Simulate(PodsFromYaml(kReadinessPod), ScenarioFromYaml("containers: {nope: {}}"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "scenario: containers.nope: no container \"nope\" in the manifest");
}

}  // namespace
}  // namespace probelet::sim
