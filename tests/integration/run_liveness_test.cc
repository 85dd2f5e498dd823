// `probelet run` end to end (issue #5 §7): liveness and startup kills, readiness toggling,
// restart policy Never, CrashLoopBackOff, probe-level grace period. Real binary, real
// processes, real ports; every wait is a poll of the API with a deadline. Each test runs on the
// process runtime and on containerd (issue 10 §3; testing/run_on_runtime.h).
#include <string>

#include "gtest/gtest.h"
#include "integration/testing/run_on_runtime.h"
#include "run_harness.h"

namespace probelet {
namespace {

using testing::FreePort;
using testing::Json;
using testing::RunHarness;
using namespace std::chrono_literals;

class RunLivenessTest : public testing::RunOnRuntimeTest {};
PROBELET_ON_BOTH_RUNTIMES(RunLivenessTest);

TEST_P(RunLivenessTest, HttpLivenessFailureRestartsWithKillingEvent) {
  RunHarness h;
  int port = FreePort();
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, ")" +
               HttpServerScript(h.Path("www"), port) + R"("]
    livenessProbe:
      httpGet: {path: /healthz, port: )" +
               std::to_string(port) + R"(}
      periodSeconds: 1
      failureThreshold: 2
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 20s))
      << h.Log();
  EXPECT_EQ(RunHarness::RestartCount(h.Pod()), 0);
  // Ready comes with the start (no readiness probe): wait for the server itself, whose script
  // writes healthz, so that the removal below is not undone by a late start.
  ASSERT_TRUE(h.WaitFor([&] { return testing::HttpGet(port, "/healthz").has_value(); }, 30s))
      << h.Log();
  h.Remove("www/healthz");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 20s)) << h.Log();
  EXPECT_EQ(RunHarness::RestartCount(h.Pod()), 1);
  EXPECT_TRUE(h.HasEvent("Killing", "Container app failed liveness probe, will be restarted"))
      << h.Events().dump(1);
  EXPECT_TRUE(
      h.HasEvent("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404"))
      << h.Events().dump(1);
  // The server's shell exits 0 on SIGTERM: the previous instance ended with exit code 0.
  Json last = RunHarness::ContainerStatus(h.Pod())["lastState"];
  ASSERT_TRUE(last.contains("terminated")) << last.dump();
  EXPECT_EQ(last["terminated"].value("exitCode", -1), 0);
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 20s));
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

TEST_P(RunLivenessTest, ExecReadinessTogglesReadyAndContainersReady) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: toggle}
spec:
  # sleep as a container's PID 1 ignores SIGTERM (no handler): the grace period ends it.
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "exec sleep 1000"]
    readinessProbe:
      exec: {command: [/bin/sh, -c, "test -f )" +
               h.Path("ready") + R"("]}
      periodSeconds: 1
      failureThreshold: 1
)");
  auto both = [&](const std::string& want) {
    Json pod = h.Pod();
    return RunHarness::Condition(pod, "Ready") == want &&
           RunHarness::Condition(pod, "ContainersReady") == want;
  };
  ASSERT_TRUE(h.WaitFor([&] { return both("False"); }, 10s)) << h.Log();
  h.Touch("ready");
  ASSERT_TRUE(h.WaitFor([&] { return both("True"); }, 10s)) << h.Log();
  h.Remove("ready");
  ASSERT_TRUE(h.WaitFor([&] { return both("False"); }, 10s)) << h.Log();
  h.Touch("ready");
  ASSERT_TRUE(h.WaitFor([&] { return both("True"); }, 10s)) << h.Log();
  EXPECT_EQ(RunHarness::RestartCount(h.Pod()), 0) << "readiness never restarts";
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

TEST_P(RunLivenessTest, StartupProbeThatNeverSucceedsKillsAndGatesTheOthers) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "exec sleep 1000"]
    startupProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
      failureThreshold: 3
    livenessProbe:
      exec: {command: [/bin/sh, -c, "echo x >> )" +
               h.Path("liveness-ran") + R"("]}
      periodSeconds: 1
    readinessProbe:
      exec: {command: [/bin/sh, -c, "echo x >> )" +
               h.Path("readiness-ran") + R"("]}
      periodSeconds: 1
)");
  base::MonoTime start = h.Now();
  ASSERT_TRUE(h.WaitFor(
      [&] {
        return h.HasEvent("Killing", "Container app failed startup probe, will be restarted");
      },
      15s))
      << h.Log();
  base::Duration took = h.Now() - start;
  // failureThreshold x periodSeconds = 3 s (the first probe may come up to a period late).
  EXPECT_GE(took, 2s);
  EXPECT_LE(took, 6s);
  EXPECT_FALSE(h.Exists("liveness-ran"));
  EXPECT_FALSE(h.Exists("readiness-ran"));
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
  EXPECT_FALSE(h.Exists("liveness-ran"));
  EXPECT_FALSE(h.Exists("readiness-ran"));
}

TEST_P(RunLivenessTest, RestartPolicyNeverEndsFailedWithoutRestart) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "exit 3"]
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(h.Pod()) == "Failed"; }, 10s)) << h.Log();
  Json c = RunHarness::ContainerStatus(h.Pod());
  ASSERT_TRUE(c["state"].contains("terminated")) << c.dump();
  EXPECT_EQ(c["state"]["terminated"].value("exitCode", -1), 3);
  EXPECT_EQ(c["state"]["terminated"].value("reason", ""), "Error");
  // Still no restart a while later.
  EXPECT_FALSE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) != 0; }, 2s));
  EXPECT_EQ(RunHarness::Phase(h.Pod()), "Failed");
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

TEST_P(RunLivenessTest, CrashingContainerRestartsAtOnceThenBacksOffTenSeconds) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "exit 1"]
)");
  base::MonoTime start = h.Now();
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 10s)) << h.Log();
  base::MonoTime first = h.Now();
  EXPECT_LT(first - start, 3s) << "the first restart has no back-off";
  ASSERT_TRUE(h.WaitFor(
      [&] {
        Json c = RunHarness::ContainerStatus(h.Pod());
        return !c.is_null() && c["state"].contains("waiting") &&
               c["state"]["waiting"].value("reason", "") == "CrashLoopBackOff";
      },
      5s))
      << h.Log();
  Json c = RunHarness::ContainerStatus(h.Pod());
  EXPECT_NE(c["state"]["waiting"]
                .value("message", "")
                .find("back-off 10s restarting failed "
                      "container=app pod=crash_default("),
            std::string::npos)
      << c.dump();
  EXPECT_EQ(c["lastState"]["terminated"].value("exitCode", -1), 1);
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 2; }, 15s)) << h.Log();
  base::Duration gap = h.Now() - first;
  EXPECT_GE(gap, 9s);
  EXPECT_LE(gap, 12s);
  bool backoff_event = false;
  for (const auto& e : h.Events())
    backoff_event = backoff_event || e.value("reason", "") == "BackOff";
  EXPECT_TRUE(backoff_event);
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

TEST_P(RunLivenessTest, ProbeGracePeriodEndsInSigkillAnd137) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 4
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "trap '' TERM; touch )" +
               h.Path("up") + R"(; while true; do sleep 0.2; done"]
    livenessProbe:
      exec: {command: [/bin/sh, -c, "test -f )" +
               h.Path("up") + R"( && ! test -f )" + h.Path("fail") + R"("]}
      periodSeconds: 1
      failureThreshold: 1
      terminationGracePeriodSeconds: 2
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 10s))
      << h.Log();
  h.Touch("fail");
  ASSERT_TRUE(h.WaitFor(
      [&] {
        return h.HasEvent("Killing", "Container app failed liveness probe, will be restarted");
      },
      10s))
      << h.Log();
  base::MonoTime killed = h.Now();
  h.Remove("fail");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 10s)) << h.Log();
  base::Duration took = h.Now() - killed;
  EXPECT_GE(took, 1500ms);
  EXPECT_LE(took, 3500ms) << "the probe's 2 s, not the pod's 4 s";
  Json last = RunHarness::ContainerStatus(h.Pod())["lastState"];
  ASSERT_TRUE(last.contains("terminated")) << last.dump();
  EXPECT_EQ(last["terminated"].value("exitCode", -1), 137);
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

}  // namespace
}  // namespace probelet
