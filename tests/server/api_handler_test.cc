// The API's endpoints as functions (no sockets): field-level checks of the JSON against the v1
// field names and value shapes, the Kubernetes API kubectl uses, and the error bodies.
#include "server/api_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/virtual_clock.h"
#include "server/testing/fake_pod_source.h"

namespace probelet::server {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
    "g=meta.k8s.io,application/json";

bool IsRfc3339(const json& v) {
  static const std::regex re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  return v.is_string() && std::regex_match(v.get<std::string>(), re);
}

class ApiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = clock_.WallNow();
    pod_ = testing::RealisticPod(now_);
    source_.SetPods({pod_});
    source_.SetEvents(testing::RealisticEvents(pod_, now_));
    source_.SetMetrics(
        "# HELP prober_probe_total Cumulative number of a liveness, readiness or startup probe "
        "for a container by result.\n# TYPE prober_probe_total counter\n"
        "prober_probe_total{container=\"web\",namespace=\"default\",pod=\"web\",pod_uid=\"u\","
        "probe_type=\"Liveness\",result=\"successful\"} 3\n");
    dir_ =
        std::filesystem::temp_directory_path() / ("api_handler_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  HttpResponse Get(const std::string& target, const std::string& accept = "application/json",
                   const std::string& method = "GET") {
    return handler_.HandleFully({method, target, accept});
  }
  json GetJson(const std::string& target, const std::string& accept = "application/json") {
    HttpResponse r = Get(target, accept);
    EXPECT_EQ(r.content_type, "application/json") << target;
    return json::parse(r.body);
  }
  std::string WriteLog(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  base::VirtualClock clock_;
  api::Time now_;
  api::Pod pod_;
  testing::FakePodSource source_;
  LoopMonitor monitor_{clock_};
  ApiHandler handler_{clock_, source_, monitor_};
  std::filesystem::path dir_;
};

TEST_F(ApiHandlerTest, PodsIsAV1PodListWithV1FieldNamesAndShapes) {
  HttpResponse r = Get("/pods");
  ASSERT_EQ(r.status, 200);
  json list = json::parse(r.body);
  EXPECT_EQ(list["kind"], "PodList");
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_TRUE(list["metadata"].is_object());
  ASSERT_TRUE(list["items"].is_array());
  ASSERT_EQ(list["items"].size(), 1u);
  const json& pod = list["items"][0];
  EXPECT_EQ(pod["metadata"]["name"], "web");
  EXPECT_EQ(pod["metadata"]["namespace"], "default");
  EXPECT_EQ(pod["metadata"]["uid"], pod_.metadata.uid);
  EXPECT_TRUE(IsRfc3339(pod["metadata"]["creationTimestamp"]));
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "web");

  const json& web = pod["spec"]["containers"][0];
  EXPECT_EQ(web["name"], "web");
  EXPECT_EQ(web["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_TRUE(web["livenessProbe"]["httpGet"]["port"].is_number_integer());
  EXPECT_EQ(web["livenessProbe"]["periodSeconds"], 10);
  EXPECT_EQ(web["readinessProbe"]["tcpSocket"]["port"], 8080);
  EXPECT_EQ(web["startupProbe"]["exec"]["command"], json({"cat", "/tmp/started"}));
  EXPECT_EQ(pod["spec"]["containers"][1]["readinessProbe"]["httpGet"]["port"], "admin");
  EXPECT_EQ(web["ports"][0]["containerPort"], 8080);

  const json& status = pod["status"];
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(status["podIP"], "127.0.0.1");
  EXPECT_EQ(status["podIPs"][0]["ip"], "127.0.0.1");
  EXPECT_TRUE(IsRfc3339(status["startTime"]));
  std::set<std::string> types;
  for (const json& c : status["conditions"]) {
    types.insert(c["type"].get<std::string>());
    EXPECT_THAT(c["status"].get<std::string>(), ::testing::AnyOf("True", "False", "Unknown"));
    EXPECT_TRUE(IsRfc3339(c["lastTransitionTime"])) << c.dump();
  }
  EXPECT_THAT(types,
              ::testing::IsSupersetOf({"PodScheduled", "Initialized", "ContainersReady", "Ready"}));
  const json& cs = status["containerStatuses"][0];
  EXPECT_EQ(cs["name"], "web");
  EXPECT_TRUE(cs["ready"].is_boolean());
  EXPECT_EQ(cs["ready"], true);
  EXPECT_EQ(cs["started"], true);
  EXPECT_TRUE(cs["restartCount"].is_number_integer());
  EXPECT_EQ(cs["restartCount"], 2);
  EXPECT_EQ(cs["state"].size(), 1u);  // exactly one of waiting/running/terminated
  EXPECT_TRUE(IsRfc3339(cs["state"]["running"]["startedAt"]));
  EXPECT_EQ(cs["lastState"]["terminated"]["exitCode"], 137);
  EXPECT_EQ(cs["lastState"]["terminated"]["reason"], "Error");
  EXPECT_TRUE(IsRfc3339(cs["lastState"]["terminated"]["finishedAt"]));
  EXPECT_THAT(cs["containerID"].get<std::string>(), ::testing::StartsWith("probelet://"));
  EXPECT_EQ(cs["image"], "registry.local/web:1.4");
  EXPECT_EQ(status["containerStatuses"][1]["ready"], false);
}

TEST_F(ApiHandlerTest, EventsIsAV1EventList) {
  json list = GetJson("/events");
  EXPECT_EQ(list["kind"], "EventList");
  ASSERT_EQ(list["items"].size(), 4u);
  // Oldest last-seen first.
  EXPECT_EQ(list["items"][0]["reason"], "Unhealthy");
  EXPECT_EQ(list["items"][3]["lastTimestamp"],
            api::FormatRFC3339(now_ - std::chrono::seconds(10 * 60 + 30)));
  for (const json& e : list["items"]) {
    EXPECT_EQ(e["kind"], "Event");
    EXPECT_EQ(e["involvedObject"]["kind"], "Pod");
    EXPECT_EQ(e["involvedObject"]["name"], "web");
    EXPECT_EQ(e["involvedObject"]["uid"], pod_.metadata.uid);
    EXPECT_THAT(e["involvedObject"]["fieldPath"].get<std::string>(),
                ::testing::StartsWith("spec.containers{"));
    EXPECT_TRUE(e["count"].is_number_integer());
    EXPECT_TRUE(IsRfc3339(e["firstTimestamp"]));
    EXPECT_TRUE(IsRfc3339(e["lastTimestamp"]));
    EXPECT_EQ(e["source"]["component"], "kubelet");
    EXPECT_THAT(e["type"].get<std::string>(), ::testing::AnyOf("Normal", "Warning"));
  }
}

TEST_F(ApiHandlerTest, HealthzAndMetrics) {
  HttpResponse h = Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok");
  HttpResponse m = Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_THAT(m.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(m.body, HasSubstr("prober_probe_total{container=\"web\""));
  EXPECT_THAT(m.body, HasSubstr("\nprocess_cpu_seconds_total "));
  EXPECT_THAT(m.body, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(m.body, HasSubstr("\nprocess_open_fds "));
  EXPECT_THAT(m.body, HasSubstr("\nprocess_start_time_seconds "));
  EXPECT_THAT(m.body, HasSubstr("\nprobelet_event_loop_lag_seconds "));
}

TEST_F(ApiHandlerTest, OnlyGetAndHeadAreAllowed) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
    HttpResponse r = Get("/pods", "", method);
    EXPECT_EQ(r.status, 405) << method;
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
    EXPECT_EQ(json::parse(r.body)["reason"], "MethodNotAllowed");
  }
  EXPECT_EQ(Get("/pods", "", "HEAD").status, 200);
}

TEST_F(ApiHandlerTest, BadAndUnknownPaths) {
  EXPECT_EQ(Get("/nope").status, 404);
  EXPECT_EQ(Get("/pods%zz").status, 400);
  EXPECT_EQ(Get("/../../etc/passwd").status, 404);
  EXPECT_EQ(Get("/api/v2").status, 404);
  EXPECT_EQ(Get("/api/v1/nodes").status, 404);
  EXPECT_EQ(Get("/api/v1/namespaces/default/secrets").status, 404);
  EXPECT_EQ(Get("/api/v1/namespaces/default/pods/web/exec").status, 404);
  EXPECT_EQ(json::parse(Get("/apis/apps/v1").body)["kind"], "Status");
}

TEST_F(ApiHandlerTest, DiscoveryServesV1WithPodsLogsAndEvents) {
  json version = GetJson("/version");
  EXPECT_EQ(version["major"], "1");
  EXPECT_THAT(version["gitVersion"].get<std::string>(), ::testing::StartsWith("v1."));
  json api = GetJson("/api");
  EXPECT_EQ(api["kind"], "APIVersions");
  EXPECT_EQ(api["versions"], json({"v1"}));
  json apis = GetJson("/apis");
  EXPECT_EQ(apis["kind"], "APIGroupList");
  // Only discovery.k8s.io (EndpointSlices, issue 11).
  ASSERT_EQ(apis["groups"].size(), 1u);
  EXPECT_EQ(apis["groups"][0]["name"], "discovery.k8s.io");
  EXPECT_EQ(apis["groups"][0]["preferredVersion"]["groupVersion"], "discovery.k8s.io/v1");
  json v1 = GetJson("/api/v1");
  EXPECT_EQ(v1["kind"], "APIResourceList");
  EXPECT_EQ(v1["groupVersion"], "v1");
  std::map<std::string, json> resources;
  for (const json& r : v1["resources"]) resources[r["name"].get<std::string>()] = r;
  ASSERT_TRUE(resources.count("pods"));
  EXPECT_EQ(resources["pods"]["kind"], "Pod");
  EXPECT_EQ(resources["pods"]["namespaced"], true);
  EXPECT_EQ(resources["pods"]["verbs"], json({"get", "list"}));
  EXPECT_TRUE(resources.count("pods/log"));
  EXPECT_EQ(resources["events"]["kind"], "Event");
}

TEST_F(ApiHandlerTest, PodListsAllOrByNamespace) {
  api::Pod other = pod_;
  other.metadata.name = "db";
  other.metadata.namespace_ = "prod";
  other.metadata.labels = {{"app", "db"}};
  source_.SetPods({pod_, other});
  EXPECT_EQ(GetJson("/api/v1/pods")["items"].size(), 2u);
  json ns = GetJson("/api/v1/namespaces/prod/pods?limit=500");
  ASSERT_EQ(ns["items"].size(), 1u);
  EXPECT_EQ(ns["items"][0]["metadata"]["name"], "db");
  EXPECT_EQ(ns["items"][0]["kind"], "Pod");
  EXPECT_TRUE(GetJson("/api/v1/namespaces/none/pods")["items"].empty());
}

TEST_F(ApiHandlerTest, PodSelectors) {
  EXPECT_EQ(GetJson("/api/v1/pods?labelSelector=app%3Dweb")["items"].size(), 1u);
  EXPECT_EQ(GetJson("/api/v1/pods?labelSelector=app%3Ddb")["items"].size(), 0u);
  EXPECT_EQ(GetJson("/api/v1/pods?labelSelector=app!%3Dweb")["items"].size(), 0u);
  EXPECT_EQ(GetJson("/api/v1/pods?labelSelector=tier")["items"].size(), 1u);
  EXPECT_EQ(GetJson("/api/v1/pods?labelSelector=!tier")["items"].size(), 0u);
  EXPECT_EQ(GetJson("/api/v1/pods?fieldSelector=metadata.name%3Dweb")["items"].size(), 1u);
  EXPECT_EQ(GetJson("/api/v1/pods?fieldSelector=status.phase%3DFailed")["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/pods?labelSelector=app+in+(a,b)").status, 400);
  HttpResponse bad = Get("/api/v1/pods?fieldSelector=spec.bogus%3D1");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(json::parse(bad.body)["message"].get<std::string>(),
              HasSubstr("field label not supported: spec.bogus"));
}

TEST_F(ApiHandlerTest, WatchIsRefusedWithAStatus) {
  HttpResponse r = Get("/api/v1/namespaces/default/pods?watch=true&resourceVersion=1");
  EXPECT_EQ(r.status, 405);
  EXPECT_THAT(json::parse(r.body)["message"].get<std::string>(), HasSubstr("watch"));
}

TEST_F(ApiHandlerTest, GetPodAndNotFoundStatus) {
  json pod = GetJson("/api/v1/namespaces/default/pods/web");
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["apiVersion"], "v1");
  EXPECT_EQ(pod["metadata"]["name"], "web");
  HttpResponse r = Get("/api/v1/namespaces/default/pods/nope");
  EXPECT_EQ(r.status, 404);
  json st = json::parse(r.body);
  EXPECT_EQ(st["kind"], "Status");
  EXPECT_EQ(st["apiVersion"], "v1");
  EXPECT_EQ(st["status"], "Failure");
  EXPECT_EQ(st["reason"], "NotFound");
  EXPECT_EQ(st["code"], 404);
  EXPECT_EQ(st["message"], "pods \"nope\" not found");
  EXPECT_EQ(st["details"]["name"], "nope");
  EXPECT_EQ(st["details"]["kind"], "pods");
  EXPECT_EQ(Get("/api/v1/namespaces/other/pods/web").status, 404);
}

TEST_F(ApiHandlerTest, PodTableForKubectlGet) {
  json t = GetJson("/api/v1/namespaces/default/pods?limit=500", kTableAccept);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  std::vector<std::string> names;
  std::vector<int> priorities;
  for (const json& c : t["columnDefinitions"]) {
    names.push_back(c["name"]);
    priorities.push_back(c["priority"]);
    EXPECT_EQ(c["type"], "string");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP",
                                             "Node", "Nominated Node", "Readiness Gates"}));
  EXPECT_EQ(priorities, (std::vector<int>{0, 0, 0, 0, 0, 1, 1, 1, 1}));
  ASSERT_EQ(t["rows"].size(), 1u);
  const json& row = t["rows"][0];
  EXPECT_EQ(row["cells"], json({"web", "1/2", "Running", "2 (12m ago)", "45m", "127.0.0.1",
                                "<none>", "<none>", "<none>"}));
  EXPECT_EQ(row["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(row["object"]["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(row["object"]["metadata"]["name"], "web");
  EXPECT_EQ(row["object"]["metadata"]["namespace"], "default");

  json single = GetJson("/api/v1/namespaces/default/pods/web", kTableAccept);
  EXPECT_EQ(single["kind"], "Table");
  EXPECT_EQ(single["rows"].size(), 1u);
  json full = GetJson("/api/v1/pods?includeObject=Object", kTableAccept);
  EXPECT_EQ(full["rows"][0]["object"]["kind"], "Pod");
  EXPECT_TRUE(full["rows"][0]["object"].contains("status"));
  json none = GetJson("/api/v1/pods?includeObject=None", kTableAccept);
  EXPECT_TRUE(none["rows"][0]["object"].is_null());
}

TEST_F(ApiHandlerTest, EventsForDescribeByFieldSelector) {
  api::Pod other = pod_;
  other.metadata.name = "db";
  other.metadata.uid = "another-uid";
  auto events = testing::RealisticEvents(pod_, now_);
  auto more = testing::RealisticEvents(other, now_);
  events.insert(events.end(), more.begin(), more.end());
  source_.SetEvents(events);
  std::string selector =
      "involvedObject.name%3Dweb%2CinvolvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3D" +
      pod_.metadata.uid;
  json list = GetJson("/api/v1/namespaces/default/events?fieldSelector=" + selector + "&limit=500");
  EXPECT_EQ(list["kind"], "EventList");
  ASSERT_EQ(list["items"].size(), 4u);
  for (const json& e : list["items"]) EXPECT_EQ(e["involvedObject"]["name"], "web");
  EXPECT_EQ(GetJson("/api/v1/events")["items"].size(), 8u);
  EXPECT_EQ(GetJson("/api/v1/namespaces/prod/events")["items"].size(), 0u);
  EXPECT_EQ(GetJson("/api/v1/events?fieldSelector=reason%3DKilling")["items"].size(), 2u);
  EXPECT_EQ(Get("/api/v1/events?fieldSelector=bogus%3D1").status, 400);
}

TEST_F(ApiHandlerTest, EventTableForKubectlGetEvents) {
  json t = GetJson("/api/v1/namespaces/default/events?limit=500", kTableAccept);
  EXPECT_EQ(t["kind"], "Table");
  std::vector<std::string> visible;
  for (const json& c : t["columnDefinitions"]) {
    if (c["priority"] == 0) visible.push_back(c["name"]);
  }
  EXPECT_EQ(visible,
            (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object", "Message"}));
  ASSERT_EQ(t["rows"].size(), 4u);
  EXPECT_EQ(t["rows"][0]["cells"],
            json({"12m", "Warning", "Unhealthy", "pod/web", "spec.containers{web}",
                  "kubelet, probelet-host",
                  "Liveness probe failed: HTTP probe failed with statuscode: 500", "30m", 6,
                  "web.17a0000000000002"}));
}

TEST_F(ApiHandlerTest, LogsOfTheCurrentAndPreviousContainer) {
  std::string current = WriteLog("web-1.log",
                                 "2026-11-28T08:15:50.000000001Z stdout F one\n"
                                 "2026-11-28T08:15:51.000000001Z stdout F two\n");
  std::string previous = WriteLog("web-0.log", "2026-11-28T08:10:00.000000001Z stderr F old\n");
  source_.SetLogPath("default", "web", "web", false, current);
  source_.SetLogPath("default", "web", "web", true, previous);

  HttpResponse r = Get("/api/v1/namespaces/default/pods/web/log?container=web");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain");
  ASSERT_TRUE(r.log);
  EXPECT_EQ(r.log->path, current);
  EXPECT_EQ(r.log->offset, 0u);
  EXPECT_FALSE(r.log->options.follow);

  r = Get("/api/v1/namespaces/default/pods/web/log?container=web&tailLines=1&follow=true");
  ASSERT_TRUE(r.log);
  EXPECT_EQ(r.log->offset, 44u);  // the start of the last line
  EXPECT_TRUE(r.log->options.follow);
  EXPECT_EQ(*r.log->options.tail_lines, 1);

  r = Get("/api/v1/namespaces/default/pods/web/log?container=web&previous=true&follow=true");
  ASSERT_TRUE(r.log);
  EXPECT_EQ(r.log->path, previous);
  EXPECT_FALSE(r.log->options.follow);  // a previous instance does not grow

  r =
      Get("/api/v1/namespaces/default/pods/web/log?container=web&timestamps=true&limitBytes=10"
          "&sinceSeconds=60");
  ASSERT_TRUE(r.log);
  EXPECT_TRUE(r.log->options.timestamps);
  EXPECT_EQ(*r.log->options.limit_bytes, 10);
  EXPECT_EQ(*r.log->options.since, now_ - std::chrono::seconds(60));
}

TEST_F(ApiHandlerTest, LogErrorsUseTheKubeletsMessages) {
  auto message = [&](const std::string& target) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_FALSE(r.log);
    return json::parse(r.body)["message"].get<std::string>();
  };
  EXPECT_EQ(message("/api/v1/namespaces/default/pods/web/log"),
            "a container name must be specified for pod web, choose one of: [web sidecar]");
  EXPECT_EQ(message("/api/v1/namespaces/default/pods/web/log?container=nope"),
            "container nope is not valid for pod web");
  EXPECT_EQ(message("/api/v1/namespaces/default/pods/web/log?container=sidecar&previous=true"),
            "previous terminated container \"sidecar\" in pod \"web\" not found");
  EXPECT_EQ(message("/api/v1/namespaces/default/pods/web/log?container=web"),
            "container \"web\" in pod \"web\" is waiting to start");
  EXPECT_THAT(message("/api/v1/namespaces/default/pods/web/log?container=web&tailLines=x"),
              HasSubstr("tailLines"));
  EXPECT_EQ(Get("/api/v1/namespaces/default/pods/nope/log").status, 404);
}

TEST_F(ApiHandlerTest, FollowerStopsWhenTheContainerRestartsOrStops) {
  std::string current = WriteLog("web-1.log", "");
  source_.SetLogPath("default", "web", "web", false, current);
  HttpResponse r = Get("/api/v1/namespaces/default/pods/web/log?container=web&follow=true");
  ASSERT_TRUE(r.log);
  EXPECT_TRUE(handler_.StillCurrent(*r.log));
  source_.UpdatePod("web", [](api::Pod& p) {
    p.status.container_statuses[0].state = {};
    p.status.container_statuses[0].state.terminated = api::ContainerStateTerminated{};
  });
  EXPECT_FALSE(handler_.StillCurrent(*r.log));
  source_.SetPods({pod_});
  EXPECT_TRUE(handler_.StillCurrent(*r.log));
  source_.SetLogPath("default", "web", "web", false, WriteLog("web-2.log", ""));
  EXPECT_FALSE(handler_.StillCurrent(*r.log));
}

}  // namespace
}  // namespace probelet::server
