// `probelet run` on containerd when containerd itself fails, and beside another client of the
// same containerd (issue 10 §1 Faults, §3): containerd killed and relaunched during a run (the
// API keeps serving the last known state, events say the runtime went and came back, nothing is
// restarted blindly, an exit that happened meanwhile is recorded and acted on afterwards), and
// another client's sandbox left alone by the run and its shutdown. A private containerd per
// test process (RunOnRuntimeTest).
#include <gmock/gmock.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "integration/testing/run_on_runtime.h"
#include "run_harness.h"
#include "runtime/cri/cri_client.h"
#include "runtime/cri/testing/containerd_fixture.h"
#include "runtime/cri/testing/running_container.h"
#include "runtime/testing/process_util.h"

namespace probelet {
namespace {

using testing::Json;
using testing::RunHarness;
using namespace std::chrono_literals;

class RunContainerdFaultsTest : public testing::RunOnRuntimeTest {
 protected:
  // The events with `reason`, in order.
  static std::vector<Json> EventsWith(RunHarness& h, const std::string& reason) {
    std::vector<Json> out;
    for (const auto& e : h.Events()) {
      if (e.value("reason", "") == reason) out.push_back(e);
    }
    return out;
  }
  static std::string ContainerID(const Json& pod, size_t i) {
    Json c = RunHarness::ContainerStatus(pod, i);
    return c.is_null() ? "" : c.value("containerID", "");
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};
INSTANTIATE_TEST_SUITE_P(, RunContainerdFaultsTest,
                         ::testing::Values(testing::TestRuntime::kContainerd),
                         testing::TestRuntimeName);

TEST_P(RunContainerdFaultsTest, ContainerdKilledAndRelaunchedDuringARun) {
  RunHarness h;
  h.Touch("ready");
  // `app` counts in a file while it runs; `quitter` exits 3 once the test touches `quit`
  // (saying so first), so that it exits while containerd is down.
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "trap 'exit 0' TERM; i=0; while true; do i=$$((i+1)); echo $$i > )" +
               h.Path("beat") + R"(; sleep 0.2; done"]
    readinessProbe:
      exec: {command: [cat, )" +
               h.Path("ready") + R"(]}
      periodSeconds: 1
  - name: quitter
    image: local
    command: [/bin/sh, -c, "trap 'exit 0' TERM; while [ ! -e )" +
               h.Path("quit") + R"( ]; do sleep 0.1; done; touch )" + h.Path("quitted") +
               R"(; exit 3"]
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 30s))
      << h.Log();
  const std::string app_id = ContainerID(h.Pod(), 0);
  ASSERT_FALSE(app_id.empty());

  containerd()->Kill();
  base::MonoTime killed = h.Now();
  ASSERT_TRUE(h.WaitFor([&] { return !EventsWith(h, "ContainerRuntimeUnreachable").empty(); }, 5s))
      << h.Log();
  std::fprintf(stderr, "ContainerRuntimeUnreachable %.0f ms after the kill\n",
               std::chrono::duration<double, std::milli>(h.Now() - killed).count());
  Json unreachable = EventsWith(h, "ContainerRuntimeUnreachable")[0];
  EXPECT_EQ(unreachable.value("type", ""), "Warning");
  EXPECT_EQ(unreachable["involvedObject"].value("kind", ""), "Node") << unreachable.dump();
  EXPECT_THAT(unreachable.value("message", ""), ::testing::HasSubstr(containerd()->endpoint()));

  // Down: the last known state is served; the containers run on in their shims.
  h.Touch("quit");
  ASSERT_TRUE(h.WaitFor([&] { return h.Exists("quitted"); }, 5s)) << "quitter did not exit";
  h.Remove("quit");  // so that its restart runs on
  std::string beat = ReadFile(h.Path("beat"));
  ASSERT_TRUE(h.WaitFor([&] { return ReadFile(h.Path("beat")) != beat; }, 3s))
      << "app stopped counting while containerd is down";
  h.WaitFor([] { return false; }, 2s);  // probes and relists fail meanwhile
  Json pod = h.Pod();
  ASSERT_FALSE(pod.is_null()) << "the API keeps serving";
  EXPECT_EQ(RunHarness::Phase(pod), "Running");
  EXPECT_EQ(RunHarness::RestartCount(pod, 0), 0);
  EXPECT_EQ(RunHarness::RestartCount(pod, 1), 0) << "no restart attempted blindly";
  EXPECT_TRUE(RunHarness::ContainerStatus(pod, 1)["state"].contains("running"))
      << "the last known state: " << pod.dump();
  // An exec probe that cannot reach the runtime errs, and an errored result is thrown away
  // (probe-semantics.md 3.3.11): readiness stays as it was.
  EXPECT_EQ(RunHarness::Condition(pod, "Ready"), "True") << pod.dump();
  EXPECT_EQ(EventsWith(h, "ContainerRuntimeUnreachable").size(), 1u) << "said once";
  EXPECT_EQ(EventsWith(h, "Killing").size(), 0u) << h.Events().dump(1);

  ASSERT_TRUE(containerd()->Relaunch().ok()) << containerd()->LogTail();
  base::MonoTime relaunched = h.Now();
  ASSERT_TRUE(h.WaitFor([&] { return !EventsWith(h, "ContainerRuntimeReady").empty(); }, 20s))
      << h.Log();
  std::fprintf(stderr, "ContainerRuntimeReady %.0f ms after the relaunch\n",
               std::chrono::duration<double, std::milli>(h.Now() - relaunched).count());
  Json ready = EventsWith(h, "ContainerRuntimeReady")[0];
  EXPECT_EQ(ready.value("type", ""), "Normal");
  EXPECT_EQ(ready["involvedObject"].value("kind", ""), "Node") << ready.dump();

  // The exit that happened meanwhile is recorded, and acted on per restartPolicy (Always).
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod(), 1) == 1; }, 30s)) << h.Log();
  Json last = RunHarness::ContainerStatus(h.Pod(), 1)["lastState"];
  ASSERT_TRUE(last.contains("terminated")) << last.dump();
  EXPECT_EQ(last["terminated"].value("exitCode", -1), 3);
  EXPECT_EQ(last["terminated"].value("reason", ""), "Error");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 30s))
      << h.Log();
  pod = h.Pod();
  EXPECT_EQ(RunHarness::RestartCount(pod, 0), 0);
  EXPECT_EQ(ContainerID(pod, 0), app_id) << "the same container ran on";
  EXPECT_EQ(RunHarness::RestartCount(pod, 1), 1) << "started once, not twice";

  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
  EXPECT_EQ(ContainerdContainers(), std::vector<std::string>{});
}

TEST_P(RunContainerdFaultsTest, AnotherClientsSandboxIsLeftAloneByTheRunAndItsShutdown) {
  // Another client's sandbox and container, without probelet's label, made first.
  boost::asio::io_context io;
  auto client = runtime::cri::NewCriClient(io, containerd()->endpoint());
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto foreign = runtime::cri::testing::StartContainer(io, **client, *containerd(), "foreign",
                                                       {"sleep", "1000"});
  ASSERT_TRUE(foreign.ok()) << foreign.error().message;

  RunHarness h;
  Start(h, R"(apiVersion: v1
kind: Pod
metadata: {name: mine}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: local
    command: [sleep, "1000"]
)");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(h.Pod()) == "Running"; }, 30s)) << h.Log();
  h.WaitFor([] { return false; }, 2s);  // relists
  auto pods = testing::HttpGet(h.port(), "/pods");
  ASSERT_TRUE(pods);
  EXPECT_EQ(Json::parse(*pods)["items"].size(), 1u) << "the other sandbox is not adopted";
  EXPECT_EQ(ContainerdContainers().size(), 4u) << "two sandboxes, two containers";
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();

  std::vector<std::string> left = ContainerdContainers();
  EXPECT_EQ(left.size(), 2u) << "the other client's sandbox and container stay";
  EXPECT_THAT(left, ::testing::Contains(foreign->container_id));
  EXPECT_THAT(left, ::testing::Contains(foreign->sandbox_id));
  EXPECT_TRUE(runtime::testing::IsRunning(foreign->pid));
  auto exec = runtime::cri::testing::ExecSync(io, **client, foreign->container_id, {"true"});
  ASSERT_TRUE(exec.ok()) << exec.error().message;
  EXPECT_EQ(exec->first, 0);

  runtime::cri::testing::RemoveSandbox(io, **client, foreign->sandbox_id);
  EXPECT_EQ(ContainerdContainers(), std::vector<std::string>{});
}

}  // namespace
}  // namespace probelet
