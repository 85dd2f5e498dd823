// The CLI views (`probelet get|describe|logs`) against the API server, checked against what a
// real kubectl prints for the same agent: the same bytes for `get pods`, `get pods -o wide`,
// `get events` and `describe pod`, the same log text; and a clear message with exit 1 when no
// agent answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "integration/testing/kubectl_env.h"
#include "server/testing/fake_pod_source.h"

namespace probelet::integration {
namespace {

using ::testing::HasSubstr;

class ViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("kubectl_views_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    api::Time now =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    pod_ = server::testing::RealisticPod(now);
    source_.SetPods({pod_});
    source_.SetEvents(server::testing::RealisticEvents(pod_, now));
    std::string current = (dir_ / "web-2.log").string();
    std::string previous = (dir_ / "web-1.log").string();
    std::ofstream(current) << "2026-11-28T08:15:50.000000001Z stdout F serving on :8080\n"
                              "2026-11-28T08:15:52.000000001Z stdout F GET / 200\n";
    std::ofstream(previous) << "2026-11-28T08:12:00.000000001Z stderr F GET /healthz 500\n";
    source_.SetLogPath("default", "web", "web", false, current);
    source_.SetLogPath("default", "web", "web", true, previous);
    server_ = std::make_unique<ServerThread>(source_);
    has_kubectl_ = system("command -v kubectl >/dev/null 2>&1") == 0;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  CommandResult Probelet(const std::string& args) {
    return RunCommand(std::string(PROBELET_BINARY) + " " + args + " --api " + server_->address(),
                      dir_.string());
  }
  CommandResult Kubectl(const std::string& args) {
    return RunCommand("env KUBECONFIG=/dev/null HOME=" + dir_.string() +
                          " kubectl --server http://" + server_->address() + " --cache-dir " +
                          (dir_ / "cache").string() + " --request-timeout=10s " + args,
                      dir_.string());
  }
  // Both outputs, taken twice if they differ (an age may tick over between the two runs).
  void ExpectSameAsKubectl(const std::string& probelet_args, const std::string& kubectl_args) {
    if (!has_kubectl_) GTEST_SKIP() << "kubectl is not installed";
    for (int attempt = 0; attempt < 2; ++attempt) {
      CommandResult mine = Probelet(probelet_args);
      CommandResult theirs = Kubectl(kubectl_args);
      ASSERT_EQ(mine.exit_code, 0) << mine.err;
      ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
      if (mine.out == theirs.out || attempt == 1) {
        EXPECT_EQ(mine.out, theirs.out);
        return;
      }
    }
  }

  std::filesystem::path dir_;
  server::testing::FakePodSource source_;
  api::Pod pod_;
  std::unique_ptr<ServerThread> server_;
  bool has_kubectl_ = false;
};

TEST_F(ViewsTest, GetPodsPrintsKubectlsColumns) {
  CommandResult r = Probelet("get pods");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = ParseTable(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0]["NAME"], "web");
  EXPECT_EQ(rows[0]["READY"], "1/2");
  EXPECT_EQ(rows[0]["STATUS"], "Running");
  EXPECT_EQ(rows[0]["RESTARTS"], "2 (12m ago)");
  EXPECT_EQ(rows[0]["AGE"], "45m");
  ExpectSameAsKubectl("get pods", "get pods");
}

TEST_F(ViewsTest, GetPodsWideIsKubectlsWide) {
  ExpectSameAsKubectl("get pods -o wide", "get pods -o wide");
}

TEST_F(ViewsTest, GetEventsIsKubectlsTable) { ExpectSameAsKubectl("get events", "get events"); }

TEST_F(ViewsTest, DescribeIsKubectlsDescribe) {
  CommandResult r = Probelet("describe pod web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("    Liveness:       http-get http://:8080/healthz delay=0s "
                               "timeout=1s period=10s #success=1 #failure=3\n"));
  EXPECT_THAT(r.out, HasSubstr("Conditions:\n  Type "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Warning +Unhealthy +12m \\(x6 over 30m\\)"));
  ExpectSameAsKubectl("describe pod web", "describe pod web");
}

TEST_F(ViewsTest, DescribeAPodWithInitContainersWaitingAndNoEvents) {
  api::Pod pod = pod_;
  pod.metadata.name = "init";
  pod.metadata.uid = "uid-init";
  pod.metadata.annotations = {{"note", "two\nlines"}};
  api::Container init;
  init.name = "migrate";
  init.image = "migrate:1";
  init.args = {"--all"};
  pod.spec.init_containers = {init};
  pod.spec.containers[0].env.push_back(
      {"POD_NAME", "", api::EnvVarSource{api::ObjectFieldSelector{"v1", "metadata.name"}}});
  api::ContainerStatus is;
  is.name = "migrate";
  is.state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", "back-off"};
  is.restart_count = 4;
  pod.status.init_container_statuses = {is};
  pod.status.container_statuses[0].state = {};
  pod.status.container_statuses[0].state.waiting =
      api::ContainerStateWaiting{"PodInitializing", ""};
  pod.status.container_statuses[0].last_state = {};
  source_.SetPods({pod});
  ExpectSameAsKubectl("describe pod init", "describe pod init");
  ExpectSameAsKubectl("get pods", "get pods");
}

// Describe's probe history (issue 14) is an addition: with it removed, what is left is exactly
// kubectl's describe of the same pod.
TEST_F(ViewsTest, DescribeAddsProbeHistoryAndOtherwiseIsKubectls) {
  if (!has_kubectl_) GTEST_SKIP() << "kubectl is not installed";
  prober::ProbeWorkerStatus w;
  w.pod_namespace = "default";
  w.pod_name = "web";
  w.pod_uid = pod_.metadata.uid;
  w.container = "web";
  w.type = prober::ProbeType::kLiveness;
  w.spec = *pod_.spec.containers[0].liveness_probe;
  w.history_capacity = 100;
  w.attempts_total = 7;
  for (int i = 0; i < 7; ++i) {
    prober::ProbeAttempt a;
    a.start = *api::ParseRFC3339("2026-11-28T08:15:50Z") + std::chrono::seconds(10 * i);
    a.duration = std::chrono::milliseconds(2);
    a.result = i < 5 ? probe::Result::kSuccess : probe::Result::kFailure;
    a.run_result = i < 5 ? prober::CachedResult::kSuccess : prober::CachedResult::kFailure;
    a.run = i < 5 ? i + 1 : i - 4;
    a.threshold = i < 5 ? 1 : 3;
    a.cached = prober::CachedResult::kSuccess;
    a.output =
        std::make_shared<const std::string>(i < 5 ? "" : "HTTP probe failed with statuscode: 500");
    a.container_id = std::make_shared<const std::string>("probelet://web-2");
    w.attempts.push_back(a);
  }
  source_.SetProbeWorkers({w});
  for (int attempt = 0; attempt < 2; ++attempt) {
    CommandResult mine = Probelet("describe pod web");
    CommandResult theirs = Kubectl("describe pod web");
    ASSERT_EQ(mine.exit_code, 0) << mine.err;
    EXPECT_THAT(mine.out,
                HasSubstr("    Mounts:  <none>\n"
                          "    Liveness History (last 5 of 7):\n"
                          "      Start                        Duration  Result   State    "
                          "       Cached   Output\n"
                          "      2026-11-28T08:16:10.000000Z  2ms       success  success "
                          "3 of 1  Success  \n"));
    EXPECT_THAT(mine.out, HasSubstr("failure 2 of 3  Success  HTTP probe failed with statuscode: "
                                    "500\n  sidecar:\n"));
    // Drop the history block: its title and the lines indented deeper than it that follow.
    std::istringstream lines(mine.out);
    std::string kept, line;
    bool in_history = false;
    while (std::getline(lines, line)) {
      if (line.find(" History (last ") != std::string::npos) {
        in_history = true;
        continue;
      }
      if (in_history && line.rfind("      ", 0) == 0) continue;
      in_history = false;
      kept += line + "\n";
    }
    if (kept == theirs.out || attempt == 1) {
      EXPECT_EQ(kept, theirs.out);
      return;
    }
  }
}

TEST_F(ViewsTest, GetPodAsJsonAndYaml) {
  CommandResult r = Probelet("get pods web -o json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "Pod");
  EXPECT_EQ(j["status"]["containerStatuses"][0]["restartCount"], 2);
  r = Probelet("get pods -o yaml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  YAML::Node list = YAML::Load(r.out);
  EXPECT_EQ(list["kind"].as<std::string>(), "PodList");
  EXPECT_EQ(list["items"][0]["metadata"]["name"].as<std::string>(), "web");
  EXPECT_EQ(
      list["items"][0]["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"]
          .as<int>(),
      137);
}

TEST_F(ViewsTest, LogsCurrentPreviousTailAndDefaultContainer) {
  CommandResult r = Probelet("logs web -c web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "serving on :8080\nGET / 200\n");
  r = Probelet("logs web -c web --previous");
  EXPECT_EQ(r.out, "GET /healthz 500\n");
  r = Probelet("logs web -c web --tail 1");
  EXPECT_EQ(r.out, "GET / 200\n");
  r = Probelet("logs web");
  EXPECT_EQ(r.out, "serving on :8080\nGET / 200\n");
  EXPECT_THAT(r.err, HasSubstr("Defaulted container \"web\" out of: web, sidecar"));
  r = Probelet("logs web -c sidecar -p");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Error from server (BadRequest): previous terminated container "
                               "\"sidecar\" in pod \"web\" not found"));
}

TEST_F(ViewsTest, LogsFollowEndsWhenTheContainerStops) {
  source_.UpdatePod("web", [](api::Pod& p) {
    p.status.container_statuses[0].state = {};
    p.status.container_statuses[0].state.terminated = api::ContainerStateTerminated{};
  });
  CommandResult r = Probelet("logs -f web -c web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "serving on :8080\nGET / 200\n");
}

TEST_F(ViewsTest, UnknownPodIsNotFound) {
  for (const char* args : {"describe pod nope", "logs nope", "get pods nope"}) {
    CommandResult r = Probelet(args);
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_THAT(r.err, HasSubstr("Error from server (NotFound): pods \"nope\" not found")) << args;
  }
}

TEST_F(ViewsTest, NoAgentIsAClearMessageAndExit1) {
  // A port nothing listens on: bind one, note it, close it.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string address = "127.0.0.1:" + std::to_string(a.local_endpoint().port());
  a.close();
  for (const char* cmd : {"get pods", "get events", "describe pod web", "logs web"}) {
    CommandResult r =
        RunCommand(std::string(PROBELET_BINARY) + " " + cmd + " --api " + address, dir_.string());
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_THAT(r.err, HasSubstr("no agent answers at " + address)) << cmd;
    EXPECT_THAT(r.err, HasSubstr("refused")) << cmd;
  }
}

TEST_F(ViewsTest, BadArgumentsExit2) {
  EXPECT_EQ(Probelet("get nodes").exit_code, 2);
  EXPECT_EQ(Probelet("get pods -o toml").exit_code, 2);
  EXPECT_EQ(Probelet("describe").exit_code, 2);
  EXPECT_EQ(Probelet("logs").exit_code, 2);
}

}  // namespace
}  // namespace probelet::integration
