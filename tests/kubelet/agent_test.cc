// kubelet::Agent in-process: the whole agent (process runtime, probers, prober manager, status
// manager, Kubelet) on a test's io_context, running real child processes, with no probelet
// process around it.
#include "kubelet/agent.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "api/manifest_loader.h"
#include "api/uid.h"
#include "base/asio_clock.h"
#include "kubelet/status_generation.h"
#include "kubelet/testing/fake_runtime.h"

namespace probelet::kubelet {
namespace {

using namespace std::chrono_literals;

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() : clock_(io_) {
    char tmpl[] = "/tmp/probelet-agent-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    AgentOptions options;
    options.pods_log_dir = dir_ + "/pods";
    options.node_name = "test-node";
    agent_ = std::make_unique<Agent>(io_, clock_, std::move(options));
  }
  ~AgentTest() override {
    agent_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Adds the pod of the YAML `manifest` (loaded, defaulted and validated as `run` does).
  void AddPod(const std::string& manifest) {
    api::UidGenerator uids(7);
    api::LoadResult loaded =
        api::LoadPodsFromText(manifest, api::ManifestFormat::kYaml, "test.yaml", uids);
    ASSERT_FALSE(loaded.has_errors());
    ASSERT_EQ(loaded.pods.size(), 1u);
    agent_->AddPod(loaded.pods[0].pod);
  }

  // Polls `pred` on the loop every 20 ms; runs `then` once it holds. A test that waits longer
  // than 20 s aborts the agent (and fails on what it then finds).
  void When(std::function<bool()> pred, std::function<void()> then) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    auto poll = std::make_shared<std::function<void()>>();
    // The pending wait (or post) holds the poll; the poll holds itself only weakly, so it is
    // freed once it stops re-arming (no cycle for LeakSanitizer to find).
    std::weak_ptr<std::function<void()>> self = poll;
    *poll = [this, timer, deadline, pred, then, self] {
      if (pred()) return then();
      if (std::chrono::steady_clock::now() > deadline) return agent_->Abort(99);
      timer->expires_after(20ms);
      timer->async_wait([poll = self.lock()](const boost::system::error_code& ec) {
        if (!ec) (*poll)();
      });
    };
    boost::asio::post(io_, [poll] { (*poll)(); });
  }

  bool PodReady() {
    auto pods = agent_->kubelet().ListPods();
    if (pods.empty()) return false;
    const api::PodCondition* ready = FindCondition(pods[0].status.conditions, "Ready");
    return ready != nullptr && ready->status == "True";
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  boost::asio::io_context io_;
  base::AsioClock clock_;
  std::string dir_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentTest, RunsAPodOfARealProcessUntilReadyThenStopsIt) {
  AddPod(R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    command: [/bin/sh, -c, "touch )" +
         Path("started") + R"(; exec sleep 30"]
    readinessProbe:
      exec: {command: [/bin/sh, -c, "test -f )" +
         Path("started") + R"("]}
      periodSeconds: 1
)");
  bool stopped_callback = false;
  agent_->SetStoppedCallback([&] { stopped_callback = true; });
  bool was_ready = false;
  When([&] { return PodReady(); },
       [&] {
         was_ready = true;
         agent_->Stop(0);
       });
  EXPECT_EQ(agent_->Run(), 0);
  EXPECT_TRUE(was_ready);
  EXPECT_TRUE(stopped_callback);
  EXPECT_TRUE(std::filesystem::exists(Path("started")));
  for (const auto& c : agent_->runtime().ListContainers()) {
    EXPECT_NE(c.state, runtime::ContainerState::kRunning) << c.id;
  }
  EXPECT_FALSE(agent_->events().List().empty());
}

// An exception escaping a handler on the loop used to unwind out of io_context::run() and end
// the process (the containers then died by SIGKILL from the guard). The agent now stops every
// pod with its grace: the container sees SIGTERM and exits on its own, and Run returns 1.
TEST_F(AgentTest, EscapedExceptionStopsEveryPodGracefullyAndExitsOne) {
  AddPod(R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    command: [/bin/sh, -c, "trap 'touch )" +
         Path("terminated") + R"(; exit 0' TERM; touch )" + Path("started") +
         R"(; while :; do sleep 0.05; done"]
)");
  bool stopped_callback = false;
  agent_->SetStoppedCallback([&] { stopped_callback = true; });
  When([&] { return std::filesystem::exists(Path("started")); },
       [] { throw std::runtime_error("a handler broke"); });
  EXPECT_EQ(agent_->Run(), 1);
  EXPECT_TRUE(agent_->stopping());
  EXPECT_TRUE(stopped_callback);
  EXPECT_TRUE(std::filesystem::exists(Path("terminated")))
      << "the container did not get SIGTERM: it was not stopped gracefully";
}

TEST_F(AgentTest, EscapedExceptionOfUnknownTypeAlsoStopsGracefully) {
  AddPod(R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers:
  - name: app
    command: [/bin/sh, -c, "touch )" +
         Path("started") + R"(; exec sleep 30"]
)");
  When([&] { return std::filesystem::exists(Path("started")); }, [] { throw 42; });
  EXPECT_EQ(agent_->Run(), 1);
  EXPECT_TRUE(agent_->stopping());
}

// A runtime that stops answering (containerd down) and comes back: one Warning event on the node
// when it goes, one Normal event when it returns, with the runtime's message.
TEST(AgentRuntimeHealthTest, UnreachableRuntimeAndItsReturnAreNodeEvents) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  auto fake = std::make_unique<testing::FakeRuntime>(clock);
  testing::FakeRuntime& runtime = *fake;
  AgentOptions options;
  options.node_name = "test-node";
  options.container_runtime = std::move(fake);
  Agent agent(io, clock, std::move(options));
  runtime.ReportHealth(false, "unix:///c.sock: connection refused");
  runtime.ReportHealth(true, "unix:///c.sock answers");
  std::vector<api::Event> events = agent.events().List();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].involved_object.kind, "Node");
  EXPECT_EQ(events[0].involved_object.name, "test-node");
  EXPECT_EQ(events[0].type, "Warning");
  EXPECT_EQ(events[0].reason, "ContainerRuntimeUnreachable");
  EXPECT_EQ(events[0].message, "unix:///c.sock: connection refused");
  EXPECT_EQ(events[1].type, "Normal");
  EXPECT_EQ(events[1].reason, "ContainerRuntimeReady");
}

}  // namespace
}  // namespace probelet::kubelet
