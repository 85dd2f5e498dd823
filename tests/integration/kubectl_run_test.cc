// End to end: a real kubectl against `probelet run` running the demo app (examples/demo) with
// its three probes: get pods, a liveness failure that restarts the container, then get pods
// (RESTARTS 1), get events (Unhealthy, Killing), logs --previous (the killed instance's lines),
// describe (probe lines, conditions, events), and promtool on the live /metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/testing/kubectl_env.h"

namespace probelet::integration {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

class KubectlRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (system("command -v kubectl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no kubectl";
    app_ = (std::filesystem::path(PROBELET_BINARY).parent_path() / "examples" / "probelet-demo-app")
               .string();
    if (access(app_.c_str(), X_OK) != 0) GTEST_SKIP() << "demo app not built: " << app_;
    dir_ =
        std::filesystem::temp_directory_path() / ("kubectl_run_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ / "switch");
    // A free port for the API and one for the app.
    api_port_ = FreePort();
    app_port_ = FreePort();
    std::ofstream(dir_ / "pod.yaml")
        << "apiVersion: v1\nkind: Pod\nmetadata: {name: demo}\nspec:\n"
           "  terminationGracePeriodSeconds: 2\n  containers:\n  - name: web\n"
           "    command: [\""
        << app_
        << "\"]\n"
           "    args: [\"--port\", \""
        << app_port_ << "\", \"--dir\", \"" << (dir_ / "switch").string()
        << "\", \"--startup-delay\", \"1\"]\n"
           "    ports: [{name: http, containerPort: "
        << app_port_
        << "}]\n"
           "    startupProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1, "
           "failureThreshold: 30}\n"
           "    livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1, "
           "failureThreshold: 2}\n"
           "    readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1}\n";
    // In a shell of its own: RunCommand's time bound applies to that shell, which returns at
    // once, not to the agent (the bound's SIGTERM stopped the agent mid-test before).
    CommandResult start = RunCommand(
        "sh -c '" + std::string(PROBELET_BINARY) + " run " + (dir_ / "pod.yaml").string() +
            " --api 127.0.0.1:" + std::to_string(api_port_) + " --state-dir " +
            (dir_ / "state").string() + " >" + (dir_ / "run.log").string() + " 2>&1 & echo $!'",
        dir_.string(), 5);
    pid_ = std::atoi(start.out.c_str());
    ASSERT_GT(pid_, 0) << start.err;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 100 && kill(pid_, 0) == 0; ++i) {
        std::this_thread::sleep_for(milliseconds(50));
      }
      kill(pid_, SIGKILL);
    }
    std::filesystem::remove_all(dir_);
  }
  static int FreePort() {
    CommandResult r = RunCommand(
        "python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
        "print(s.getsockname()[1])'",
        "/tmp", 5);
    return std::atoi(r.out.c_str());
  }
  CommandResult Kubectl(const std::string& args) {
    return RunCommand("env KUBECONFIG=/dev/null HOME=" + dir_.string() +
                          " kubectl --server http://127.0.0.1:" + std::to_string(api_port_) +
                          " --cache-dir " + (dir_ / "cache").string() + " --request-timeout=5s " +
                          args,
                      dir_.string());
  }
  // Polls `kubectl get pods` until `pred` holds for the demo row (bounded).
  bool WaitForRow(const std::function<bool(std::map<std::string, std::string>&)>& pred,
                  int seconds) {
    for (int i = 0; i < seconds * 5; ++i) {
      CommandResult r = Kubectl("get pods");
      auto rows = ParseTable(r.out);
      if (r.exit_code == 0 && rows.size() == 1 && pred(rows[0])) return true;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return false;
  }

  std::string app_;
  std::filesystem::path dir_;
  int api_port_ = 0, app_port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(KubectlRunTest, GetDescribeLogsAndEventsThroughALivenessRestart) {
  ASSERT_TRUE(WaitForRow([](auto& row) { return row["READY"] == "1/1"; }, 30))
      << Kubectl("get pods").out;
  std::ofstream(dir_ / "switch" / "fail") << "";
  // A restart (more than one if the new instance starts before the switch is removed).
  ASSERT_TRUE(WaitForRow([](auto& row) { return row["RESTARTS"].rfind("0", 0) != 0; }, 30))
      << Kubectl("get pods").out;
  std::filesystem::remove(dir_ / "switch" / "fail");
  // Up to a back-off of 20 s if it restarted twice.
  ASSERT_TRUE(WaitForRow([](auto& row) { return row["READY"] == "1/1"; }, 60))
      << Kubectl("get pods").out;

  CommandResult events = Kubectl("get events");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out,
              HasSubstr("Liveness probe failed: HTTP probe failed with statuscode: 500"));
  EXPECT_THAT(events.out, HasSubstr("Container web failed liveness probe, will be restarted"));

  CommandResult previous = Kubectl("logs demo --previous");
  ASSERT_EQ(previous.exit_code, 0) << previous.err;
  EXPECT_THAT(previous.out, HasSubstr("/healthz -> 500"));
  CommandResult current = Kubectl("logs demo -c web --tail 1");
  ASSERT_EQ(current.exit_code, 0) << current.err;
  EXPECT_LE(Lines(current.out).size(), 1u);

  CommandResult describe = Kubectl("describe pod demo");
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_THAT(describe.out, HasSubstr("Liveness:       http-get http://:http/healthz delay=0s "
                                      "timeout=1s period=1s #success=1 #failure=2\n"));
  EXPECT_THAT(describe.out, ::testing::ContainsRegex("Restart Count: +[1-9]"));
  EXPECT_THAT(describe.out, ::testing::ContainsRegex("Ready +True"));
  EXPECT_THAT(describe.out, ::testing::ContainsRegex("Normal +Killing .* Container web failed "
                                                     "liveness probe, will be restarted"));

  std::string file = (dir_ / "metrics.txt").string();
  CommandResult metrics =
      RunCommand("curl -sf -o " + file + " http://127.0.0.1:" + std::to_string(api_port_) +
                     "/metrics && grep -q '^prober_probe_total{' " + file +
                     " && promtool check metrics < " + file,
                 dir_.string());
  EXPECT_EQ(metrics.exit_code, 0) << metrics.out << metrics.err;
}

}  // namespace
}  // namespace probelet::integration
