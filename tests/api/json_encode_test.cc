// EncodePod / EncodeEvent: v1 field names, RFC 3339 times and Go's omitempty (contract C5).
#include <gtest/gtest.h>

#include <chrono>

#include "api/json_codec.h"

namespace probelet::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

Time At(int64_t unix_seconds) { return Time(std::chrono::seconds(unix_seconds)); }

TEST(JsonEncodeTest, MinimalPodOmitsEmptyFieldsLikeGo) {
  Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  Container c;
  c.name = "app";
  pod.spec.containers.push_back(c);
  json j = EncodePod(pod);
  EXPECT_EQ(j, json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
    "spec": {"containers": [{"name": "app"}]},
    "status": {}
  })"))
      << j.dump(2);
}

TEST(JsonEncodeTest, EmptySpecStillHasContainersList) {
  json j = EncodePod(Pod{});
  ASSERT_TRUE(j["spec"].contains("containers"));
  EXPECT_TRUE(j["spec"]["containers"].is_array());
  EXPECT_TRUE(j["status"].is_object());
  EXPECT_TRUE(j["status"].empty());
}

TEST(JsonEncodeTest, ContainerWithProbesAndPortsUsesV1Names) {
  Pod pod;
  Container c;
  c.name = "web";
  c.image = "nginx";
  c.command = {"/bin/server", "--port=8080"};
  c.working_dir = "/srv";
  c.ports.push_back({"http", 8080, "TCP"});
  c.env.push_back({"A", "1", std::nullopt});
  c.env.push_back({"POD", "", EnvVarSource{ObjectFieldSelector{"v1", "metadata.name"}}});
  Probe live;
  live.handler.http_get =
      HTTPGetAction{"/healthz", IntOrString::String("http"), "", "HTTP", {{"X-Probe", "1"}}};
  live.period_seconds = 5;
  live.failure_threshold = 3;
  live.success_threshold = 1;
  live.timeout_seconds = 1;
  c.liveness_probe = live;
  Probe ready;
  ready.handler.tcp_socket = TCPSocketAction{IntOrString::Int(8080), ""};
  c.readiness_probe = ready;
  Probe startup;
  startup.handler.grpc = GRPCAction{9090, std::nullopt};
  startup.termination_grace_period_seconds = 7;
  c.startup_probe = startup;
  c.restart_policy = "Always";
  c.lifecycle = Lifecycle{std::nullopt, LifecycleHandler{{}, {}, {}, SleepAction{3}}};
  c.security_context = [] {
    SecurityContext sc;
    sc.run_as_user = 1000;
    return sc;
  }();
  pod.spec.init_containers.push_back(c);
  pod.spec.restart_policy = "Never";
  pod.spec.termination_grace_period_seconds = 0;
  pod.spec.host_network = true;
  pod.spec.readiness_gates.push_back({"example.com/gate"});
  json j = EncodePod(pod);
  const json& cj = j["spec"]["initContainers"][0];
  EXPECT_EQ(cj, json::parse(R"({
    "name": "web", "image": "nginx", "command": ["/bin/server", "--port=8080"],
    "workingDir": "/srv",
    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
    "env": [{"name": "A", "value": "1"},
            {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP",
                                  "httpHeaders": [{"name": "X-Probe", "value": "1"}]},
                      "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1,
                      "failureThreshold": 3},
    "readinessProbe": {"tcpSocket": {"port": 8080}},
    "startupProbe": {"grpc": {"port": 9090, "service": null}, "terminationGracePeriodSeconds": 7},
    "lifecycle": {"preStop": {"sleep": {"seconds": 3}}},
    "restartPolicy": "Always",
    "securityContext": {"runAsUser": 1000}
  })"))
      << cj.dump(2);
  EXPECT_EQ(j["spec"]["restartPolicy"], "Never");
  // *int64 with omitempty: a set zero is written.
  EXPECT_EQ(j["spec"]["terminationGracePeriodSeconds"], 0);
  EXPECT_EQ(j["spec"]["hostNetwork"], true);
  EXPECT_EQ(j["spec"]["readinessGates"], json::parse(R"([{"conditionType": "example.com/gate"}])"));
  EXPECT_TRUE(j["spec"]["containers"].is_array());
}

TEST(JsonEncodeTest, StatusHasContainerStatusesConditionsAndRFC3339Times) {
  Pod pod;
  pod.metadata.creation_timestamp = At(1795853750);  // 2026-11-28T08:15:50Z
  PodStatus& s = pod.status;
  s.phase = kPodRunning;
  s.pod_ip = "127.0.0.1";
  s.pod_ips = {{"127.0.0.1"}};
  s.host_ip = "127.0.0.1";
  s.start_time = At(1795853750);
  s.conditions.push_back({"Ready", "False", "ContainersNotReady",
                          "containers with unready status: [web]", std::nullopt, At(1795853751)});
  ContainerStatus cs;
  cs.name = "web";
  cs.state.running = ContainerStateRunning{At(1795853752)};
  cs.last_state.terminated = ContainerStateTerminated{
      137, 9, "Error", "", At(1795853700), At(1795853740), "probelet://ab"};
  cs.restart_count = 1;
  cs.container_id = "probelet://cd";
  cs.started = true;
  s.container_statuses.push_back(cs);
  ContainerStatus waiting;
  waiting.name = "side";
  waiting.state.waiting = ContainerStateWaiting{"CrashLoopBackOff", "back-off 10s"};
  s.init_container_statuses.push_back(waiting);

  json j = EncodePod(pod);
  EXPECT_EQ(j["metadata"]["creationTimestamp"], "2026-11-28T08:15:50Z");
  EXPECT_EQ(j["status"], json::parse(R"({
    "phase": "Running",
    "conditions": [{"type": "Ready", "status": "False", "lastProbeTime": null,
                    "lastTransitionTime": "2026-11-28T08:15:51Z", "reason": "ContainersNotReady",
                    "message": "containers with unready status: [web]"}],
    "hostIP": "127.0.0.1", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}],
    "startTime": "2026-11-28T08:15:50Z",
    "initContainerStatuses": [{"name": "side",
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}},
        "lastState": {}, "ready": false, "restartCount": 0, "image": "", "imageID": ""}],
    "containerStatuses": [{"name": "web",
        "state": {"running": {"startedAt": "2026-11-28T08:15:52Z"}},
        "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "Error",
            "startedAt": "2026-11-28T08:15:00Z", "finishedAt": "2026-11-28T08:15:40Z",
            "containerID": "probelet://ab"}},
        "ready": false, "restartCount": 1, "image": "", "imageID": "",
        "containerID": "probelet://cd", "started": true}]
  })"))
      << j["status"].dump(2);
}

TEST(JsonEncodeTest, ContainerStatusAlwaysHasReadyRestartCountAndState) {
  PodStatus s;
  ContainerStatus a;
  a.name = "a";
  s.container_statuses.push_back(a);
  json cs = EncodePodStatus(s)["containerStatuses"][0];
  EXPECT_EQ(cs["ready"], false);
  EXPECT_EQ(cs["restartCount"], 0);
  EXPECT_EQ(cs["state"], json::object());
  EXPECT_EQ(cs["lastState"], json::object());
  EXPECT_FALSE(cs.contains("started"));
  EXPECT_FALSE(cs.contains("containerID"));
}

TEST(JsonEncodeTest, ConditionAlwaysHasLastTransitionTime) {
  PodStatus s;
  PodCondition c0;
  c0.type = "PodScheduled";
  c0.status = "True";
  s.conditions.push_back(c0);
  json c = EncodePodStatus(s)["conditions"][0];
  ASSERT_TRUE(c.contains("lastTransitionTime"));
  EXPECT_TRUE(c["lastTransitionTime"].is_null());  // zero metav1.Time
  EXPECT_FALSE(c.contains("reason"));
}

TEST(JsonEncodeTest, EventHasInvolvedObjectTimestampsCountAndSource) {
  Event e;
  e.name = "web.1a2b";
  e.involved_object = ContainerRef("default", "web", "uid-1", "app", false);
  e.type = std::string(kEventWarning);
  e.reason = "Unhealthy";
  e.message = "Liveness probe failed: HTTP probe failed with statuscode: 500";
  e.count = 3;
  e.first_timestamp = At(1795853750);
  e.last_timestamp = At(1795853790);
  e.source_host = "box";
  json j = EncodeEvent(e);
  EXPECT_EQ(j, json::parse(R"({
    "apiVersion": "v1", "kind": "Event",
    "metadata": {"name": "web.1a2b", "namespace": "default",
                 "creationTimestamp": "2026-11-28T08:15:50Z"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "uid-1",
                       "apiVersion": "v1", "fieldPath": "spec.containers{app}"},
    "reason": "Unhealthy",
    "message": "Liveness probe failed: HTTP probe failed with statuscode: 500",
    "source": {"component": "kubelet", "host": "box"},
    "firstTimestamp": "2026-11-28T08:15:50Z", "lastTimestamp": "2026-11-28T08:16:30Z",
    "count": 3, "type": "Warning",
    "eventTime": null, "reportingComponent": "kubelet", "reportingInstance": "box"
  })"))
      << j.dump(2);
}

TEST(JsonEncodeTest, TimeIsRFC3339SecondsInUtcAndZeroIsNull) {
  EXPECT_EQ(EncodeTime(At(0)), json());
  EXPECT_EQ(EncodeTime(At(1795853750) + 999ms), "2026-11-28T08:15:50Z");
}

}  // namespace
}  // namespace probelet::api
