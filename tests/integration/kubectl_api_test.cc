// A real kubectl (/usr/bin/kubectl) against the agent's API server, serving a fake PodSource
// that holds a realistic pod (server/testing/fake_pod_source.h): get pods (columns and values),
// get pod -o yaml/json, describe (probe lines, conditions, events), logs (container, --previous,
// --tail, -f on a stopped container), get events, and an unknown pod.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "integration/testing/kubectl_env.h"
#include "server/testing/fake_pod_source.h"

namespace probelet::integration {
namespace {

using ::testing::HasSubstr;

class KubectlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/kubectl", X_OK) != 0 && system("command -v kubectl >/dev/null") != 0) {
      GTEST_SKIP() << "kubectl is not installed (make deps installs it)";
    }
    dir_ =
        std::filesystem::temp_directory_path() / ("kubectl_api_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    api::Time now =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    pod_ = server::testing::RealisticPod(now);
    source_.SetPods({pod_});
    source_.SetEvents(server::testing::RealisticEvents(pod_, now));
    std::string current = (dir_ / "web-2.log").string();
    std::string previous = (dir_ / "web-1.log").string();
    std::ofstream(current) << "2026-11-28T08:15:50.000000001Z stdout F serving on :8080\n"
                              "2026-11-28T08:15:51.000000001Z stderr F GET /healthz 200\n"
                              "2026-11-28T08:15:52.000000001Z stdout F GET / 200\n";
    std::ofstream(previous) << "2026-11-28T08:10:00.000000001Z stdout F serving on :8080\n"
                               "2026-11-28T08:12:00.000000001Z stderr F GET /healthz 500\n";
    source_.SetLogPath("default", "web", "web", false, current);
    source_.SetLogPath("default", "web", "web", true, previous);
    server_ = std::make_unique<ServerThread>(source_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  CommandResult Kubectl(const std::string& args) {
    std::string cmd = "env KUBECONFIG=/dev/null HOME=" + dir_.string() +
                      " kubectl --server http://" + server_->address() + " --cache-dir " +
                      (dir_ / "cache").string() + " --request-timeout=10s " + args;
    return RunCommand(cmd, dir_.string());
  }

  std::filesystem::path dir_;
  server::testing::FakePodSource source_;
  api::Pod pod_;
  std::unique_ptr<ServerThread> server_;
};

TEST_F(KubectlApiTest, GetPodsPrintsTheClusterColumns) {
  CommandResult r = Kubectl("get pods");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = ParseTable(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(Lines(r.out)[0].substr(0, 4), "NAME");
  EXPECT_EQ(rows[0]["NAME"], "web");
  EXPECT_EQ(rows[0]["READY"], "1/2");
  EXPECT_EQ(rows[0]["STATUS"], "Running");
  EXPECT_EQ(rows[0]["RESTARTS"], "2 (12m ago)");
  EXPECT_EQ(rows[0]["AGE"], "45m");
  EXPECT_EQ(rows[0].count("IP"), 0u);

  r = Kubectl("get pods -o wide");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rows = ParseTable(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["IP"], "127.0.0.1");
  EXPECT_EQ(rows[0]["NODE"], "<none>");
  EXPECT_EQ(rows[0]["READINESS GATES"], "<none>");

  r = Kubectl("get pod web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseTable(r.out).at(0)["STATUS"], "Running");
}

TEST_F(KubectlApiTest, GetPodAsYamlAndJson) {
  CommandResult r = Kubectl("get pod web -o yaml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  YAML::Node pod = YAML::Load(r.out);
  EXPECT_EQ(pod["kind"].as<std::string>(), "Pod");
  EXPECT_EQ(pod["metadata"]["uid"].as<std::string>(), pod_.metadata.uid);
  EXPECT_EQ(pod["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"].as<std::string>(),
            "/healthz");
  const YAML::Node& cs = pod["status"]["containerStatuses"][0];
  EXPECT_EQ(cs["restartCount"].as<int>(), 2);
  EXPECT_EQ(cs["lastState"]["terminated"]["exitCode"].as<int>(), 137);
  EXPECT_TRUE(cs["ready"].as<bool>());

  r = Kubectl("get pod web -o json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"]["phase"], "Running");
  EXPECT_EQ(j["status"]["containerStatuses"][1]["ready"], false);
}

TEST_F(KubectlApiTest, DescribeShowsProbesConditionsAndEvents) {
  CommandResult r = Kubectl("describe pod web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& out = r.out;
  EXPECT_THAT(out, HasSubstr("Liveness:       http-get http://:8080/healthz delay=0s timeout=1s "
                             "period=10s #success=1 #failure=3\n"));
  EXPECT_THAT(out, HasSubstr("Readiness:      tcp-socket :8080 delay=5s timeout=1s period=5s "
                             "#success=1 #failure=3\n"));
  EXPECT_THAT(out, HasSubstr("Startup:        exec [cat /tmp/started] delay=0s timeout=1s "
                             "period=2s #success=1 #failure=30\n"));
  EXPECT_THAT(out, HasSubstr("Readiness:      http-get http://:admin/ready delay=0s timeout=1s "
                             "period=3s #success=1 #failure=3\n"));
  EXPECT_THAT(out, HasSubstr("Restart Count:  2\n"));
  EXPECT_THAT(out, HasSubstr("Exit Code:    137\n"));
  EXPECT_THAT(out, ::testing::ContainsRegex("Ready +False"));
  EXPECT_THAT(out, ::testing::ContainsRegex("ContainersReady +False"));
  EXPECT_THAT(out, ::testing::ContainsRegex("PodScheduled +True"));
  EXPECT_THAT(out, ::testing::ContainsRegex(
                       "Warning +Unhealthy +12m \\(x6 over 30m\\) +kubelet +Liveness probe failed: "
                       "HTTP probe failed with statuscode: 500"));
  EXPECT_THAT(out, ::testing::ContainsRegex(
                       "Normal +Killing +12m \\(x2 over 25m\\) +kubelet +Container web failed "
                       "liveness probe, will be restarted"));
}

TEST_F(KubectlApiTest, LogsOfTheContainerItsPreviousInstanceAndTheTail) {
  CommandResult r = Kubectl("logs web -c web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "serving on :8080\nGET /healthz 200\nGET / 200\n");
  r = Kubectl("logs web -c web --previous");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "serving on :8080\nGET /healthz 500\n");
  r = Kubectl("logs web -c web --tail 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "GET / 200\n");
  r = Kubectl("logs web -c sidecar --previous");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("previous terminated container \"sidecar\" in pod \"web\" not "
                               "found"));
  // Without -c, kubectl picks the first container and says so.
  r = Kubectl("logs web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "serving on :8080\nGET /healthz 200\nGET / 200\n");
}

TEST_F(KubectlApiTest, LogsFollowEndsWhenTheContainerStops) {
  source_.UpdatePod("web", [](api::Pod& p) {
    p.status.container_statuses[0].state = {};
    p.status.container_statuses[0].state.terminated = api::ContainerStateTerminated{};
  });
  CommandResult r = Kubectl("logs -f web -c web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "serving on :8080\nGET /healthz 200\nGET / 200\n");
}

TEST_F(KubectlApiTest, GetEvents) {
  CommandResult r = Kubectl("get events");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = ParseTable(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  bool found = false;
  for (auto& row : rows) {
    EXPECT_EQ(row["OBJECT"], "pod/web");
    if (row["REASON"] == "Killing") {
      found = true;
      EXPECT_EQ(row["LAST SEEN"], "12m");
      EXPECT_EQ(row["TYPE"], "Normal");
      EXPECT_EQ(row["MESSAGE"], "Container web failed liveness probe, will be restarted");
    }
  }
  EXPECT_TRUE(found) << r.out;
}

TEST_F(KubectlApiTest, UnknownPodIsNotFound) {
  CommandResult r = Kubectl("get pod nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Error from server (NotFound): pods \"nope\" not found"));
  r = Kubectl("describe pod nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("pods \"nope\" not found"));
}

}  // namespace
}  // namespace probelet::integration
