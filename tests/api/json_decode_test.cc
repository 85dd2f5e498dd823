// DecodePod: v1 JSON into the api types, errors and warnings with their field paths, and the
// decode -> encode -> decode round trip of every supported field.
#include <gtest/gtest.h>

#include "api/json_codec.h"
#include "api/manifest.h"
#include "testing/api_fixtures.h"

namespace probelet::api {
namespace {

using nlohmann::json;
using testing::ReadTestdata;

json PodJson(json spec_container) {
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "web"}}},
              {"spec", {{"containers", json::array({spec_container})}}}};
}

struct Decoded {
  bool ok;
  Pod pod;
  std::vector<std::string> errors, warnings;
};
Decoded Decode(const json& j) {
  Decoded d;
  d.ok = DecodePodInto(j, d.pod, d.errors, d.warnings);
  return d;
}

TEST(JsonDecodeTest, DecodesContainerProbeAndPorts) {
  auto d = Decode(PodJson(json::parse(R"({
    "name": "web", "command": ["srv"], "ports": [{"name": "http", "containerPort": 8080}],
    "livenessProbe": {"httpGet": {"path": "/hz", "port": "http"}, "periodSeconds": 5},
    "readinessProbe": {"tcpSocket": {"port": 8080}},
    "startupProbe": {"grpc": {"port": 9090, "service": null}}
  })")));
  ASSERT_TRUE(d.ok) << ::testing::PrintToString(d.errors);
  EXPECT_TRUE(d.warnings.empty());
  const Container& c = d.pod.spec.containers.at(0);
  EXPECT_EQ(c.ports.at(0).container_port, 8080);
  ASSERT_TRUE(c.liveness_probe && c.liveness_probe->handler.http_get);
  EXPECT_EQ(c.liveness_probe->handler.http_get->port, IntOrString::String("http"));
  EXPECT_EQ(c.liveness_probe->period_seconds, 5);
  EXPECT_EQ(c.readiness_probe->handler.tcp_socket->port, IntOrString::Int(8080));
  EXPECT_EQ(c.startup_probe->handler.grpc->port, 9090);
  EXPECT_FALSE(c.startup_probe->handler.grpc->service.has_value());  // null: not set
}

TEST(JsonDecodeTest, UnknownFieldIsAWarningNamingItsFullPath) {
  auto d = Decode(PodJson({{"name", "web"}, {"livenesProbe", {{"exec", {{"command", {"x"}}}}}}}));
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(d.warnings,
            std::vector<std::string>{"unknown field \"spec.containers[0].livenesProbe\""});
  EXPECT_FALSE(d.pod.spec.containers[0].liveness_probe.has_value());
}

TEST(JsonDecodeTest, KnownButUnsupportedFieldSaysItIsIgnored) {
  auto d = Decode(PodJson(json::parse(
      R"({"name": "web", "envFrom": [{"configMapRef": {"name": "c"}}], "imagePullPolicy": "Always"})")));
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(
      d.warnings,
      std::vector<std::string>{
          "field \"spec.containers[0].envFrom\" is not supported by probelet and is ignored"});
}

TEST(JsonDecodeTest, EmptyUnsupportedFieldAsksForNothingSoNoWarning) {
  auto d = Decode(PodJson({{"name", "web"},
                           {"resources", json::object()},
                           {"tty", false},
                           {"volumeMounts", json::array()},
                           {"envFrom", nullptr}}));
  EXPECT_TRUE(d.ok);
  EXPECT_TRUE(d.warnings.empty()) << ::testing::PrintToString(d.warnings);
}

TEST(JsonDecodeTest, WrongTypesAreErrorsWithTheirPathsAllReported) {
  auto d = Decode(PodJson(json::parse(R"({
    "name": "web", "command": "srv",
    "ports": [{"containerPort": "8080"}],
    "env": [{"name": "A", "value": 8080}],
    "livenessProbe": {"periodSeconds": 1.5, "httpGet": {"port": true}}
  })")));
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(
      d.errors,
      (std::vector<std::string>{
          "spec.containers[0].command: Invalid value: \"srv\": expected a list, got a string",
          "spec.containers[0].env[0].value: Invalid value: 8080: expected a string, got a number "
          "(quote it to make it a string)",
          "spec.containers[0].livenessProbe.httpGet.port: Invalid value: true: expected an integer "
          "or a string, got a boolean",
          "spec.containers[0].livenessProbe.periodSeconds: Invalid value: 1.5: expected an "
          "integer, "
          "got a number",
          "spec.containers[0].ports[0].containerPort: Invalid value: \"8080\": expected an "
          "integer, "
          "got a string",
      }));
}

TEST(JsonDecodeTest, IntegerOutOfInt32RangeIsAnError) {
  auto d = Decode(PodJson({{"name", "web"}, {"ports", {{{"containerPort", 4294967296LL}}}}}));
  EXPECT_EQ(d.errors, std::vector<std::string>{
                          "spec.containers[0].ports[0].containerPort: Invalid value: 4294967296: "
                          "out of range for a 32-bit integer"});
}

TEST(JsonDecodeTest, WholeFloatIsAcceptedAsInteger) {
  auto d = Decode(PodJson({{"name", "web"}, {"ports", {{{"containerPort", 8080.0}}}}}));
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(d.pod.spec.containers[0].ports[0].container_port, 8080);
}

TEST(JsonDecodeTest, NullMeansNotSet) {
  auto d = Decode(PodJson({{"name", "web"}, {"livenessProbe", nullptr}, {"command", nullptr}}));
  EXPECT_TRUE(d.ok);
  EXPECT_FALSE(d.pod.spec.containers[0].liveness_probe);
  EXPECT_TRUE(d.pod.spec.containers[0].command.empty());
}

TEST(JsonDecodeTest, EmptyProbeObjectIsSetWithNoHandler) {
  auto d = Decode(PodJson({{"name", "web"}, {"readinessProbe", json::object()}}));
  ASSERT_TRUE(d.ok);
  ASSERT_TRUE(d.pod.spec.containers[0].readiness_probe);
  EXPECT_EQ(d.pod.spec.containers[0].readiness_probe->handler, ProbeHandler{});
}

TEST(JsonDecodeTest, KindAndApiVersionAreRequiredAndChecked) {
  auto missing = Decode(json{{"metadata", {{"name", "x"}}}});
  EXPECT_EQ(missing.errors,
            (std::vector<std::string>{"kind: Required value: must be \"Pod\"",
                                      "apiVersion: Required value: must be \"v1\""}));
  auto wrong = Decode(json{{"kind", "Pod"}, {"apiVersion", "apps/v1"}});
  EXPECT_EQ(wrong.errors,
            std::vector<std::string>{
                "apiVersion: Unsupported value: \"apps/v1\": supported values: \"v1\""});
}

TEST(JsonDecodeTest, BadTimeIsAnError) {
  json j = PodJson({{"name", "web"}});
  j["metadata"]["creationTimestamp"] = "yesterday";
  EXPECT_EQ(Decode(j).errors,
            std::vector<std::string>{"metadata.creationTimestamp: Invalid value: \"yesterday\": "
                                     "expected an RFC 3339 time, e.g. \"2026-01-02T15:04:05Z\""});
}

TEST(JsonDecodeTest, ValueFromOtherThanFieldRefIsAnError) {
  auto d = Decode(PodJson(
      {{"name", "web"},
       {"env",
        {{{"name", "P"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "k"}}}}}}}}}));
  EXPECT_EQ(d.errors,
            std::vector<std::string>{
                "spec.containers[0].env[0].valueFrom.secretKeyRef: Forbidden: probelet "
                "has no API server to read it from; only valueFrom.fieldRef is supported"});
}

TEST(JsonDecodeTest, DecodePodJoinsErrorsAndReturnsWarnings) {
  std::vector<std::string> warnings;
  auto ok = DecodePod(PodJson({{"name", "web"}, {"x", 1}}), &warnings);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(warnings, std::vector<std::string>{"unknown field \"spec.containers[0].x\""});
  auto bad = DecodePod(json::array(), nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "Invalid value: [...]: expected an object, got a list");
}

// Decode -> encode -> decode keeps every supported field (full_pod.yaml sets them all).
TEST(JsonDecodeTest, RoundTripKeepsEveryField) {
  auto manifest = DecodeManifest(ReadTestdata("full_pod.yaml"), ManifestFormat::kYaml, "full");
  ASSERT_EQ(manifest.pods.size(), 1u);
  for (const auto& d : manifest.diagnostics) ADD_FAILURE() << d.ToString();
  const Pod& pod = manifest.pods[0].pod;
  // Spot checks that the file did set what the round trip is meant to keep.
  EXPECT_EQ(pod.spec.init_containers.at(0).startup_probe->handler.grpc->service, "health");
  EXPECT_EQ(pod.spec.containers.at(0).env.at(3).value_from->field_ref->field_path, "status.podIP");
  EXPECT_EQ(pod.spec.containers.at(1).lifecycle->pre_stop->sleep->seconds, 2);
  EXPECT_EQ(pod.status.init_container_statuses.at(0).last_state.terminated->signal, 9);
  EXPECT_EQ(pod.metadata.labels.at("example.com/tier"), "backend");
  const Container& web = pod.spec.containers.at(0);
  EXPECT_EQ(web.resources.requests.at("cpu").milli_value, 250);  // a YAML number
  EXPECT_EQ(web.resources.requests.at("memory").value, 1000000);
  EXPECT_EQ(web.volume_mounts.at(1).read_only, true);
  EXPECT_EQ(web.security_context->capabilities->drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(web.security_context->allow_privilege_escalation, false);
  EXPECT_EQ(pod.spec.volumes.at(1).host_path->type, "DirectoryOrCreate");
  EXPECT_EQ(pod.spec.volumes.at(2).other_sources, std::vector<std::string>{"configMap"});
  EXPECT_EQ(pod.spec.security_context->run_as_group, 2000);
  EXPECT_TRUE(pod.spec.host_ipc);

  json encoded = EncodePod(pod);
  std::vector<std::string> warnings;
  auto again = DecodePod(encoded, &warnings);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(*again, pod) << encoded.dump(2);
  EXPECT_EQ(EncodePod(*again), encoded);
}

TEST(JsonDecodeTest, QuantitiesAreStringsOrNumbersAndMalformedOnesAreErrorsAtTheirPath) {
  auto d = Decode(PodJson(json::parse(
      R"({"name": "web", "resources": {"limits": {"cpu": 2, "memory": "1GB"},
                                       "requests": {"cpu": true}}})")));
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.errors,
            (std::vector<std::string>{
                "spec.containers[0].resources.limits[memory]: Invalid value: \"1GB\": " +
                    std::string(kQuantityFormatError),
                "spec.containers[0].resources.requests[cpu]: Invalid value: true: expected a "
                "quantity (string or number), got a boolean"}));
  EXPECT_EQ(d.pod.spec.containers[0].resources.limits.at("cpu").milli_value, 2000);
}

TEST(JsonDecodeTest, VolumesOfOtherKindsAreKeptByNameWithoutAWarning) {
  json j = PodJson(json::parse(R"({"name": "web"})"));
  j["spec"]["volumes"] = json::parse(
      R"([{"name": "a", "secret": {"secretName": "s"}}, {"name": "b", "emptyDir": {"sizeLimit": "1Gi"}}])");
  auto d = Decode(j);
  ASSERT_TRUE(d.ok) << ::testing::PrintToString(d.errors);
  EXPECT_EQ(d.pod.spec.volumes.at(0).other_sources, std::vector<std::string>{"secret"});
  EXPECT_EQ(d.warnings, (std::vector<std::string>{"field \"spec.volumes[1].emptyDir.sizeLimit\" is "
                                                  "not supported by probelet and is ignored"}));
}

TEST(JsonDecodeTest, YamlAndJsonFormsOfAManifestDecodeAlike) {
  auto from_yaml = DecodeManifest(ReadTestdata("full_pod.yaml"), ManifestFormat::kYaml, "y");
  auto from_json = DecodeManifest(ReadTestdata("full_pod.json"), ManifestFormat::kJson, "j");
  ASSERT_EQ(from_yaml.pods.size(), 1u);
  ASSERT_EQ(from_json.pods.size(), 1u);
  EXPECT_TRUE(from_json.diagnostics.empty());
  EXPECT_EQ(from_json.pods[0].pod, from_yaml.pods[0].pod);
}

}  // namespace
}  // namespace probelet::api
