// `probelet run` stopping (issue #5 §5, §7): SIGTERM stops every container and its
// descendants gracefully and exits 0; SIGKILL to probelet leaves every container running under
// its shim (issue 12) and the next probelet adopts them all; invalid manifests start nothing.
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "run_harness.h"

namespace probelet {
namespace {

using testing::ProcessGone;
using testing::RunHarness;
using namespace std::chrono_literals;

// Two containers; each writes its own pid and those of two background children (one in a
// new session, which leaves the process group) to <dir>/pids-<name>. ($$$$ is the shell's $$
// after the manifest's $(VAR) expansion, where $$ escapes a $.)
std::string TreeManifest(const RunHarness& h) {
  auto container = [&](const std::string& name) {
    std::string file = h.Path("pids-" + name);
    return "  - name: " + name + R"(
    image: local
    command: [/bin/sh, -c, "sleep 1000 & echo $! >> )" +
           file + R"(; setsid sleep 1000 & echo $! >> )" + file + R"(; echo $$$$ >> )" + file +
           R"(; wait"]
)";
  };
  return R"(apiVersion: v1
kind: Pod
metadata: {name: tree}
spec:
  terminationGracePeriodSeconds: 5
  containers:
)" + container("a") +
         container("b");
}

std::vector<pid_t> ReadPids(const RunHarness& h) {
  std::vector<pid_t> pids;
  for (const char* name : {"pids-a", "pids-b"}) {
    std::ifstream f(h.Path(name));
    pid_t p;
    while (f >> p) pids.push_back(p);
  }
  return pids;
}

bool AllGone(const std::vector<pid_t>& pids) {
  for (pid_t p : pids) {
    if (!ProcessGone(p)) return false;
  }
  return true;
}

TEST(RunShutdownTest, SigtermStopsEveryContainerAndDescendantAndExitsZero) {
  RunHarness h;
  h.Start(TreeManifest(h));
  std::vector<pid_t> pids;
  ASSERT_TRUE(h.WaitFor([&] { return (pids = ReadPids(h)).size() == 6; }, 10s)) << h.Log();
  for (pid_t p : pids) EXPECT_FALSE(ProcessGone(p)) << p;
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
  EXPECT_TRUE(h.WaitFor([&] { return AllGone(pids); }, 5s));
  for (pid_t p : pids) EXPECT_TRUE(ProcessGone(p)) << "pid " << p << " outlived probelet";
  std::string log = h.Log();
  EXPECT_NE(log.find("Stopping container a"), std::string::npos) << log;
  EXPECT_NE(log.find("Stopping container b"), std::string::npos) << log;
}

TEST(RunShutdownTest, SigkillToProbeletLeavesEveryContainerToTheNextProbelet) {
  RunHarness h;
  h.Start(TreeManifest(h));
  std::vector<pid_t> pids;
  ASSERT_TRUE(h.WaitFor([&] { return (pids = ReadPids(h)).size() == 6; }, 10s)) << h.Log();
  EXPECT_EQ(h.SignalAndWait(SIGKILL, 10s), 128 + SIGKILL);
  // The containers outlive probelet (issue 12): their shims hold them.
  std::this_thread::sleep_for(500ms);
  for (pid_t p : pids) EXPECT_FALSE(ProcessGone(p)) << "pid " << p << " died with probelet";
  // The next probelet with the same state dir adopts them, so its graceful stop takes every
  // container and descendant.
  h.StartPaths({h.Path("pod.yaml")});
  ASSERT_TRUE(
      h.WaitFor([&] { return h.Log().find("adopted 2 container") != std::string::npos; }, 10s))
      << h.Log();
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
  EXPECT_TRUE(h.WaitFor([&] { return AllGone(pids); }, 5s));
  for (pid_t p : pids) EXPECT_TRUE(ProcessGone(p)) << "pid " << p << " outlived probelet";
}

TEST(RunShutdownTest, SecondSignalKillsAtOnce) {
  RunHarness h;
  h.Start(R"(apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 60
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "trap '' TERM; echo $$$$ > )" +
          h.Path("pid") + R"(; while true; do sleep 0.2; done"]
)");
  ASSERT_TRUE(h.WaitFor([&] { return h.Exists("pid"); }, 10s)) << h.Log();
  pid_t pid = 0;
  ASSERT_TRUE(h.WaitFor([&] { return (std::ifstream(h.Path("pid")) >> pid) && pid > 0; }, 5s));
  ASSERT_TRUE(h.child().Signal(SIGTERM).ok());
  ASSERT_TRUE(
      h.WaitFor([&] { return h.Log().find("Stopping container app") != std::string::npos; }, 10s));
  EXPECT_FALSE(ProcessGone(pid)) << "the container ignores SIGTERM for its 60 s grace period";
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 10s), 1) << h.Log();
  EXPECT_TRUE(h.WaitFor([&] { return ProcessGone(pid); }, 5s));
}

TEST(RunShutdownTest, InvalidManifestStartsNothingAndExitsOne) {
  RunHarness h;
  std::ofstream(h.Path("good.yaml")) << R"(apiVersion: v1
kind: Pod
metadata: {name: good}
spec:
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "touch )" + h.Path("started") +
                                            R"(; exec sleep 1000"]
)";
  std::ofstream(h.Path("bad.yaml")) << R"(apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: app
    image: local
    livenessProbe: {periodSeconds: -1}
)";
  auto child = base::ChildProcess::Spawn(
      {.argv = {PROBELET_BINARY, "run", h.Path("good.yaml"), h.Path("bad.yaml"), "--state-dir",
                h.Path("state"), "--api", "127.0.0.1:0"}});
  ASSERT_TRUE(child.ok());
  std::optional<int> status;
  ASSERT_TRUE(h.WaitFor([&] { return (status = child->TryReap()).has_value(); }, 10s));
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_FALSE(h.Exists("started"));
}

}  // namespace
}  // namespace probelet
