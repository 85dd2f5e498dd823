// `probelet run --container-runtime-endpoint` end to end, what only the CRI runtime has
// (issue 10 §3): the start-up check, kubectl's views of real containers (containerd:// IDs,
// images, logs --previous from the CRI log files), image pull errors and their back-off beside
// a pod that runs, OOMKilled under a memory limit, an exec probe whose background child holds
// the pipe, a graceful shutdown that leaves nothing in containerd. The tests that both runtimes
// share are in run_liveness_test.cc. A private containerd per test process.
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "integration/testing/kubectl_env.h"
#include "integration/testing/run_on_runtime.h"
#include "run_harness.h"
#include "runtime/cri/testing/containerd_fixture.h"

namespace probelet {
namespace {

using integration::CommandResult;
using integration::ParseTable;
using integration::RunCommand;
using testing::FreePort;
using ::testing::HasSubstr;
using testing::Json;
using testing::RunHarness;
using namespace std::chrono_literals;

class RunContainerdTest : public testing::RunOnRuntimeTest {
 protected:
  CommandResult Kubectl(const RunHarness& h, const std::string& args) {
    return RunCommand("env KUBECONFIG=/dev/null HOME=" + h.dir() +
                          " kubectl --server http://127.0.0.1:" + std::to_string(h.port()) +
                          " --cache-dir " + h.Path("kube-cache") + " --request-timeout=5s " + args,
                      h.dir());
  }
  static std::string WaitingReason(const Json& pod, size_t i = 0) {
    Json c = RunHarness::ContainerStatus(pod, i);
    if (c.is_null() || !c["state"].contains("waiting")) return "";
    return c["state"]["waiting"].value("reason", "");
  }
};
INSTANTIATE_TEST_SUITE_P(, RunContainerdTest, ::testing::Values(testing::TestRuntime::kContainerd),
                         testing::TestRuntimeName);

// Not answering at start: exit 1 with the flag and the endpoint named, and nothing started.
TEST(RunContainerdStartTest, AnEndpointThatDoesNotAnswerEndsRunWithExitOne) {
  RunHarness h;
  std::ofstream(h.Path("pod.yaml")) << "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
                                       "  containers:\n  - {name: c, image: 'localhost/x:1'}\n";
  CommandResult r = RunCommand(std::string(PROBELET_BINARY) + " run " + h.Path("pod.yaml") +
                                   " --api none --state-dir " + h.Path("state") +
                                   " --container-runtime-endpoint unix://" + h.Path("none.sock"),
                               h.dir(), 60);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("probelet run: --container-runtime-endpoint unix://" +
                               h.Path("none.sock") + ": "));
  EXPECT_FALSE(std::filesystem::exists(h.Path("state/pods/default_a")));
}

// A manifest the CRI runtime cannot run is refused before anything starts, naming the field.
TEST(RunContainerdStartTest, AVolumeKindTheRuntimeCannotMountIsAValidationError) {
  RunHarness h;
  std::ofstream(h.Path("pod.yaml")) << "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
                                       "  containers:\n  - {name: c, image: 'localhost/x:1'}\n"
                                       "  volumes:\n  - {name: cfg, configMap: {name: x}}\n";
  CommandResult r = RunCommand(std::string(PROBELET_BINARY) + " run " + h.Path("pod.yaml") +
                                   " --api none --state-dir " + h.Path("state") +
                                   " --container-runtime-endpoint unix://" + h.Path("none.sock"),
                               h.dir(), 60);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("spec.volumes[0].configMap: Forbidden"));
  EXPECT_THAT(r.err, HasSubstr("invalid manifests: nothing started"));
}

// This containerd has no CNI config (its NetworkReady is false): --pod-network cni is refused at
// start, naming the condition, before any pod starts.
TEST_P(RunContainerdTest, CniPodNetworkWithoutTheRuntimesNetworkEndsRunWithExitOne) {
  RunHarness h;
  std::ofstream(h.Path("pod.yaml")) << "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
                                       "  containers:\n  - {name: c, image: 'localhost/x:1'}\n";
  std::string flags;
  for (const auto& flag : RuntimeFlags()) flags += " " + flag;
  CommandResult r =
      RunCommand(std::string(PROBELET_BINARY) + " run " + h.Path("pod.yaml") +
                     " --api none --state-dir " + h.Path("state") + flags + " --pod-network cni",
                 h.dir(), 60);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--pod-network cni: container runtime network not ready: "
                               "NetworkReady=false reason:NetworkPluginNotReady message:"));
  EXPECT_FALSE(std::filesystem::exists(h.Path("state/pods/default_a")));
  EXPECT_EQ(ContainerdContainers(), std::vector<std::string>{});
}

TEST_P(RunContainerdTest, KubectlSeesRealContainersAndTheLogsOfTheRestartedOne) {
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
    command: [/bin/sh, -c, "echo serving on )" +
               std::to_string(port) + "; " + HttpServerScript(h.Path("www"), port) + R"("]
    livenessProbe:
      httpGet: {path: /healthz, port: )" +
               std::to_string(port) + R"(}
      periodSeconds: 1
      failureThreshold: 2
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 30s))
      << h.Log();
  Json c = RunHarness::ContainerStatus(h.Pod());
  EXPECT_THAT(c.value("containerID", ""), ::testing::StartsWith("containerd://")) << c.dump();
  EXPECT_EQ(c.value("image", ""), runtime::cri::testing::PrivateContainerd::kTestImage);
  EXPECT_THAT(c.value("imageID", ""), ::testing::StartsWith("sha256:")) << c.dump();

  // Ready comes with the start (no readiness probe): wait for the server itself, whose script
  // writes healthz, so that the removal below is not undone by a late start.
  ASSERT_TRUE(h.WaitFor([&] { return testing::HttpGet(port, "/healthz").has_value(); }, 30s))
      << h.Log();
  h.Remove("www/healthz");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 30s)) << h.Log();
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 30s))
      << h.Log();

  CommandResult get = Kubectl(h, "get pods");
  ASSERT_EQ(get.exit_code, 0) << get.err;
  auto rows = ParseTable(get.out);
  ASSERT_EQ(rows.size(), 1u) << get.out;
  EXPECT_EQ(rows[0]["READY"], "1/1");
  EXPECT_THAT(rows[0]["RESTARTS"], ::testing::StartsWith("1")) << get.out;
  CommandResult previous = Kubectl(h, "logs web --previous");
  ASSERT_EQ(previous.exit_code, 0) << previous.err;
  EXPECT_THAT(previous.out, HasSubstr("serving on " + std::to_string(port)));
  CommandResult describe = Kubectl(h, "describe pod web");
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_THAT(describe.out, ::testing::ContainsRegex("Container ID: +containerd://[0-9a-f]{64}"));
  EXPECT_THAT(describe.out, ::testing::ContainsRegex("Image: +localhost/probelet-test:1"));
  EXPECT_THAT(describe.out,
              HasSubstr("Liveness probe failed: HTTP probe failed with statuscode: 404"));

  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
  EXPECT_EQ(ContainerdContainers(), std::vector<std::string>{})
      << "probelet's shutdown leaves no container (nor sandbox) in containerd";
}

TEST_P(RunContainerdTest, AnImageThatCannotBePulledBacksOffAndNeverBlocksAnotherPod) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  containers:
  - name: app
    image: localhost/missing:1
---
apiVersion: v1
kind: Pod
metadata: {name: fine}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: local
    command: [sleep, "1000"]
)");
  auto pod = [&](const std::string& name) -> Json {
    auto body = testing::HttpGet(h.port(), "/api/v1/namespaces/default/pods/" + name);
    return body ? Json::parse(*body, nullptr, false) : Json(nullptr);
  };
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(pod("fine")) == "Running"; }, 30s))
      << h.Log();
  ASSERT_TRUE(h.WaitFor([&] { return WaitingReason(pod("missing")) == "ImagePullBackOff"; }, 30s))
      << pod("missing").dump(1) << h.Log();
  bool pulling = false, failed = false, backoff = false;
  for (const auto& e : h.Events()) {
    std::string reason = e.value("reason", ""), message = e.value("message", "");
    pulling |= reason == "Pulling" && message == "Pulling image \"localhost/missing:1\"";
    failed |=
        reason == "Failed" && message.starts_with("Failed to pull image \"localhost/missing:1\"");
    backoff |= reason == "BackOff" && message == "Back-off pulling image \"localhost/missing:1\"";
  }
  EXPECT_TRUE(pulling && failed && backoff) << h.Events().dump(1);
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
}

TEST_P(RunContainerdTest, AContainerOverItsMemoryLimitIsOOMKilled) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "x=0123456789abcdef; while true; do x=$$x$$x; done"]
    resources:
      limits: {memory: 32Mi}
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(h.Pod()) == "Failed"; }, 60s)) << h.Log();
  Json c = RunHarness::ContainerStatus(h.Pod());
  ASSERT_TRUE(c["state"].contains("terminated")) << c.dump();
  EXPECT_EQ(c["state"]["terminated"].value("reason", ""), "OOMKilled") << c.dump();
  EXPECT_EQ(c["state"]["terminated"].value("exitCode", -1), 137);
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
}

// containerd's ExecSync waits for the output pipes to close (cri.md §7.1); probelet's deadline
// of timeout + 1 s makes such a probe a timeout failure at about its timeout, not 2 minutes.
TEST_P(RunContainerdTest, AnExecProbeWhoseChildHoldsThePipeTimesOutAtItsTimeout) {
  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: held}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: local
    command: [sleep, "1000"]
    livenessProbe:
      exec: {command: [/bin/sh, -c, "sleep 100 & echo started"]}
      timeoutSeconds: 1
      periodSeconds: 1
      failureThreshold: 2
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(h.Pod()) == "Running"; }, 30s)) << h.Log();
  base::MonoTime start = h.Now();
  ASSERT_TRUE(h.WaitFor(
      [&] {
        return h.HasEvent("Killing", "Container app failed liveness probe, will be restarted");
      },
      30s))
      << h.Log();
  // Two failures of about 2 s each (timeout + margin), then the kill.
  EXPECT_LE(h.Now() - start, 12s);
  bool timed_out = false;
  for (const auto& e : h.Events()) {
    timed_out |= e.value("reason", "") == "Unhealthy" &&
                 e.value("message", "").find("timed out") != std::string::npos;
  }
  EXPECT_TRUE(timed_out) << h.Events().dump(1);
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
}

// A probelet killed with SIGKILL leaves its pods in containerd; the next probelet with the same
// state dir adopts them (issue 12 §2 on the CRI runtime): the same container, restart count 0,
// Ready through the restart (§3.5: started more than 10 s before), its log file appended to, no
// new sandbox; a pod whose manifest went away meanwhile is stopped and its sandbox removed.
TEST_P(RunContainerdTest, TheNextRunAdoptsWhatAKilledProbeletLeftInContainerd) {
  RunHarness h;
  const std::string dir = h.Path("manifests");
  std::filesystem::create_directories(dir);
  auto pod = [](const std::string& name) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
           "}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n"
           "    image: local\n    command: [sh, -c, 'echo started; exec sleep 1000']\n"
           "    readinessProbe:\n      exec: {command: ['true']}\n      periodSeconds: 1\n";
  };
  std::ofstream(dir + "/kept.yaml") << ForRuntime(pod("kept"), h);
  std::ofstream(dir + "/gone.yaml") << ForRuntime(pod("gone"), h);
  auto find = [&](const std::string& name) -> Json {
    auto body = testing::HttpGet(h.port(), "/api/v1/namespaces/default/pods/" + name);
    if (!body) return nullptr;
    Json j = Json::parse(*body, nullptr, false);
    return j.is_discarded() || j.value("kind", "") != "Pod" ? Json(nullptr) : j;
  };
  auto ready = [&](const std::string& name) {
    Json c = RunHarness::ContainerStatus(find(name));
    return !c.is_null() && c.value("ready", false);
  };
  h.StartPaths({dir}, RuntimeFlags());
  ASSERT_TRUE(h.WaitFor([&] { return ready("kept") && ready("gone"); }, 30s)) << h.Log();
  const std::string id = RunHarness::ContainerStatus(find("kept")).value("containerID", "");
  ASSERT_EQ(ContainerdContainers().size(), 4u) << "two pause and two app containers";
  std::this_thread::sleep_for(10500ms);  // §3.5 applies to containers started 10 s before
  EXPECT_EQ(h.SignalAndWait(SIGKILL, 10s), 128 + SIGKILL);
  std::filesystem::remove(dir + "/gone.yaml");

  std::vector<std::string> keep = RuntimeFlags();
  keep.push_back("--keep-containers-on-exit");
  h.StartPaths({dir}, keep);
  for (int i = 0; i < 30; ++i) {
    Json c = RunHarness::ContainerStatus(find("kept"));
    ASSERT_FALSE(c.is_null()) << h.Log();
    EXPECT_EQ(c.value("containerID", ""), id);
    EXPECT_EQ(c.value("restartCount", -1), 0);
    EXPECT_TRUE(c.value("ready", false)) << "Ready flapped at poll " << i << "\n" << h.Log();
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_THAT(h.Log(), HasSubstr("adopted 2 container(s)"));
  EXPECT_THAT(h.Log(), HasSubstr("no longer in any manifest"));
  // The gone pod's container with its grace period (1 s), then its sandbox.
  EXPECT_TRUE(h.WaitFor([&] { return ContainerdContainers().size() == 2u; }, 15s))
      << "only the kept pod's pause and app containers";
  auto logs = Kubectl(h, "logs kept");
  EXPECT_EQ(logs.out, "started\n") << "the same log, not a new one";
  // --keep-containers-on-exit: SIGTERM leaves the pod in containerd for the next probelet.
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 10s), 0) << h.Log();
  EXPECT_EQ(ContainerdContainers().size(), 2u);
  h.StartPaths({dir}, RuntimeFlags());
  ASSERT_TRUE(h.WaitFor([&] { return ready("kept"); }, 15s)) << h.Log();
  EXPECT_EQ(RunHarness::ContainerStatus(find("kept")).value("containerID", ""), id);
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
  EXPECT_EQ(ContainerdContainers(), std::vector<std::string>{});
}

// --exec-probes direct: the same probe semantics as through ExecSync (readiness toggles without
// a restart, liveness failure restarts), the command run by probelet in the container.
TEST_P(RunContainerdTest, DirectExecProbesToggleReadinessAndRestartOnLivenessFailure) {
  RunHarness h;
  Start(h,
        R"(apiVersion: v1
kind: Pod
metadata: {name: direct}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: local
    command: [sleep, "1000"]
    env: [{name: MARK, value: from-the-spec}]
    readinessProbe:
      exec: {command: [/bin/sh, -c, "test -f )" +
            h.Path("ready") + R"( && echo $$MARK > )" + h.Path("seen") + R"("]}
      periodSeconds: 1
      failureThreshold: 1
    livenessProbe:
      exec: {command: [/bin/sh, -c, "! test -f )" +
            h.Path("fail") + R"("]}
      periodSeconds: 1
      failureThreshold: 1
)",
        {"--exec-probes", "direct"});
  EXPECT_NE(h.Log().find("exec probes direct"), std::string::npos) << h.Log();
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(h.Pod()) == "Running"; }, 30s)) << h.Log();
  EXPECT_EQ(RunHarness::Condition(h.Pod(), "Ready"), "False");
  h.Touch("ready");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 15s))
      << h.Log();
  std::ifstream seen(h.Path("seen"));
  std::string mark;
  seen >> mark;
  EXPECT_EQ(mark, "from-the-spec") << "the probe runs with the container's environment";
  h.Touch("fail");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 20s)) << h.Log();
  h.Remove("fail");
  EXPECT_EQ(h.Log().find("runs through ExecSync, not directly"), std::string::npos) << h.Log();
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
}

}  // namespace
}  // namespace probelet
