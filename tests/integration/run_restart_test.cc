// `probelet run` surviving its own restart (issue 12 §2), the real binary with real processes:
// SIGKILL to probelet leaves every container running under its probelet-shim, and the next
// probelet with the same state dir adopts them: the same container IDs, restart counts
// unchanged, Ready kept through the restart (§3.5, §6.11), one process per container. A
// container that exits while probelet is down is restarted with its exit code in lastState;
// --keep-containers-on-exit makes SIGTERM leave the containers; a pod whose manifest went away
// meanwhile is stopped; a corrupted state file stops the start with nothing touched.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <thread>

#include "integration/run_harness.h"
#include "runtime/cgroup.h"

namespace probelet::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class RunRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = h_.Path("manifests");
    fs::create_directories(dir_);
    fs::create_directories(h_.Path("switch"));
    port_ = FreePort();
  }
  // The demo app with readiness (period 1 s) and liveness (period 1 s, 2 failures).
  std::string Manifest(const std::string& name) const {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
           "}\nspec:\n  terminationGracePeriodSeconds: 2\n  containers:\n  - name: web\n"
           "    command: [" +
           RunHarness::DemoApp() + ", --port, '" + std::to_string(port_) + "', --dir, " +
           h_.Path("switch") +
           "]\n    readinessProbe:\n      httpGet: {path: /ready, port: " + std::to_string(port_) +
           "}\n      periodSeconds: 1\n    livenessProbe:\n      httpGet: {path: /healthz, port: " +
           std::to_string(port_) + "}\n      periodSeconds: 1\n      failureThreshold: 2\n";
  }
  void Start() { h_.StartPaths({dir_}); }
  Json Web() { return RunHarness::ContainerStatus(h_.Pod()); }
  std::string ContainerId() {
    Json c = Web();
    return c.is_null() ? "" : c.value("containerID", "");
  }
  bool Ready() {
    Json c = Web();
    return !c.is_null() && c.value("ready", false);
  }
  // Processes running the demo app on this test's port.
  int AppProcesses() {
    int n = 0;
    const std::string needle = std::to_string(port_);
    for (const auto& e : fs::directory_iterator("/proc")) {
      // A process may end between the listing and the read: ReadSmallFile gives "" then
      // (an ifstream's read throws ESRCH).
      const std::string cmd = runtime::ReadSmallFile((e.path() / "cmdline").string());
      if (cmd.find("probelet-demo-app") == 0 ||
          cmd.find("/probelet-demo-app") != std::string::npos) {
        if (cmd.find(needle) != std::string::npos) ++n;
      }
    }
    return n;
  }

  RunHarness h_;
  std::string dir_;
  int port_ = 0;
};

TEST_F(RunRestartTest, SigkillThenRestartAdoptsTheSameContainersAndKeepsThemReady) {
  std::ofstream(dir_ + "/web.yaml") << Manifest("web");
  Start();
  ASSERT_TRUE(h_.WaitFor([&] { return Ready(); }, 15s)) << h_.Log();
  const std::string id = ContainerId();
  // §3.5 applies to containers started more than 10 s before the new probelet.
  std::this_thread::sleep_for(10500ms);
  ASSERT_EQ(h_.SignalAndWait(SIGKILL, 5s), 128 + SIGKILL);
  EXPECT_EQ(AppProcesses(), 1) << "the container died with probelet";

  Start();
  // Every view of the pod after the restart: the same container, never restarted, never
  // unready (readiness does not flap through the restart).
  for (int i = 0; i < 30; ++i) {
    Json c = Web();
    ASSERT_FALSE(c.is_null()) << h_.Log();
    EXPECT_EQ(c.value("containerID", ""), id);
    EXPECT_EQ(c.value("restartCount", -1), 0);
    EXPECT_TRUE(c.value("ready", false)) << "Ready flapped at poll " << i << "\n" << h_.Log();
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(AppProcesses(), 1) << "a container was started twice";
  EXPECT_THAT(h_.Log(), HasSubstr("adopted 1 container"));
  EXPECT_THAT(h_.Log(), ::testing::Not(HasSubstr("Started container")));
  // The adopted container is supervised: a liveness failure still restarts it.
  h_.Touch("switch/fail");
  ASSERT_TRUE(h_.WaitFor([&] { return RunHarness::RestartCount(h_.Pod()) == 1; }, 15s)) << h_.Log();
  h_.Remove("switch/fail");
  EXPECT_EQ(h_.SignalAndWait(SIGTERM, 15s), 0);
  EXPECT_TRUE(h_.WaitFor([&] { return AppProcesses() == 0; }, 5s));
}

TEST_F(RunRestartTest, AContainerThatExitsWhileProbeletIsDownRestartsWithItsExitCode) {
  std::ofstream(dir_ + "/web.yaml") << Manifest("web");
  Start();
  ASSERT_TRUE(h_.WaitFor([&] { return Ready(); }, 15s)) << h_.Log();
  const std::string id = ContainerId();
  ASSERT_EQ(h_.SignalAndWait(SIGKILL, 5s), 128 + SIGKILL);
  h_.Touch("switch/crash");  // the app exits 1 on its next request or tick
  ASSERT_TRUE(h_.WaitFor([&] { return AppProcesses() == 0; }, 10s));
  h_.Remove("switch/crash");

  Start();
  ASSERT_TRUE(h_.WaitFor([&] { return Ready() && ContainerId() != id; }, 15s)) << h_.Log();
  Json c = Web();
  EXPECT_EQ(c.value("restartCount", -1), 1);
  const Json& last = c["lastState"]["terminated"];
  EXPECT_EQ(last.value("containerID", ""), id) << c.dump();
  EXPECT_EQ(last.value("exitCode", -1), 1) << c.dump();
  EXPECT_EQ(last.value("reason", ""), "Error");
  EXPECT_EQ(AppProcesses(), 1);
}

TEST_F(RunRestartTest, KeepContainersOnExitLeavesThemRunningOnSigterm) {
  std::ofstream(dir_ + "/web.yaml") << Manifest("web");
  h_.StartPaths({dir_}, {"--keep-containers-on-exit"});
  ASSERT_TRUE(h_.WaitFor([&] { return Ready(); }, 15s)) << h_.Log();
  const std::string id = ContainerId();
  EXPECT_EQ(h_.SignalAndWait(SIGTERM, 3s), 0) << h_.Log();
  EXPECT_THAT(h_.Log(), HasSubstr("every container keeps running"));
  EXPECT_EQ(AppProcesses(), 1);
  Start();
  ASSERT_TRUE(h_.WaitFor([&] { return ContainerId() == id; }, 10s)) << h_.Log();
  EXPECT_EQ(RunHarness::RestartCount(h_.Pod()), 0);
}

TEST_F(RunRestartTest, APodRemovedWhileProbeletWasDownIsStoppedOnStart) {
  std::ofstream(dir_ + "/web.yaml") << Manifest("web");
  Start();
  ASSERT_TRUE(h_.WaitFor([&] { return Ready(); }, 15s)) << h_.Log();
  ASSERT_EQ(h_.SignalAndWait(SIGKILL, 5s), 128 + SIGKILL);
  fs::rename(dir_ + "/web.yaml", h_.Path("web.yaml.removed"));
  std::ofstream(dir_ + "/other.yaml")
      << "apiVersion: v1\nkind: Pod\nmetadata: {name: other}\nspec:\n  containers:\n"
         "  - name: app\n    command: [sleep, '1000']\n";
  Start();
  EXPECT_TRUE(h_.WaitFor([&] { return AppProcesses() == 0; }, 10s)) << h_.Log();
  EXPECT_THAT(h_.Log(), HasSubstr("no longer in any manifest"));
  // Its checkpoint goes once probelet has seen the stop through (after the process is gone).
  auto checkpoints = [&] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(h_.Path("state/containers"))) ++n;
    return n;
  };
  EXPECT_TRUE(h_.WaitFor([&] { return checkpoints() == 1; }, 10s)) << h_.Log();
  // Its checkpoint goes with it: nothing is adopted a second time.
  ASSERT_EQ(h_.SignalAndWait(SIGKILL, 5s), 128 + SIGKILL);
  Start();
  EXPECT_TRUE(
      h_.WaitFor([&] { return h_.Log().find("adopted 1 container") != std::string::npos; }, 10s))
      << h_.Log();
}

TEST_F(RunRestartTest, ACorruptedStateFileStopsTheStartAndTouchesNothing) {
  std::ofstream(dir_ + "/web.yaml") << Manifest("web");
  Start();
  ASSERT_TRUE(h_.WaitFor([&] { return Ready(); }, 15s)) << h_.Log();
  ASSERT_EQ(h_.SignalAndWait(SIGKILL, 5s), 128 + SIGKILL);
  std::string record;
  for (const auto& e : fs::directory_iterator(h_.Path("state/containers"))) {
    record = (e.path() / "record").string();
  }
  ASSERT_FALSE(record.empty());
  std::string good;
  {
    std::ifstream in(record);
    good.assign((std::istreambuf_iterator<char>(in)), {});
  }
  std::ofstream(record) << "{\"version\": 1, \"id\": tru";  // cut short, as by a full disk

  const int out = ::open(h_.Path("second.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  auto child = base::ChildProcess::Spawn(
      {.argv = {PROBELET_BINARY, "run", dir_, "--state-dir", h_.Path("state"), "--api", "none"},
       .stdout_fd = out,
       .stderr_fd = out});
  ::close(out);
  ASSERT_TRUE(child.ok());
  std::optional<int> status;
  ASSERT_TRUE(h_.WaitFor([&] { return (status = child->TryReap()).has_value(); }, 10s));
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  std::ifstream f(h_.Path("second.log"));
  const std::string log((std::istreambuf_iterator<char>(f)), {});
  EXPECT_THAT(log, HasSubstr(record));
  EXPECT_THAT(log, HasSubstr("nothing was started or stopped"));
  EXPECT_EQ(AppProcesses(), 1) << "the container must be left alone";
  std::ofstream(record) << good;  // so that the harness finds and kills it at the end
}

}  // namespace
}  // namespace probelet::testing
