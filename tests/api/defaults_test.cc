// SetDefaults: defaults.go (probe-semantics.md §1.2) and the uid/namespace the API server sets.
#include "api/defaults.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace probelet::api {
namespace {

TEST(DefaultsTest, ProbeZeroFieldsGetTheDefaults) {
  struct Case {
    int32_t timeout, period, success, failure;
    int32_t want_timeout, want_period, want_success, want_failure;
  } cases[] = {
      {0, 0, 0, 0, 1, 10, 1, 3},  // all defaulted (§1.2.1)
      {5, 7, 2, 9, 5, 7, 2, 9},   // set values kept
      {0, 1, 0, 1, 1, 1, 1, 1},   // an explicit 0 is the default (§1.2.5)
  };
  for (const auto& c : cases) {
    Probe p;
    p.timeout_seconds = c.timeout;
    p.period_seconds = c.period;
    p.success_threshold = c.success;
    p.failure_threshold = c.failure;
    SetDefaultsProbe(p);
    EXPECT_EQ(p.timeout_seconds, c.want_timeout);
    EXPECT_EQ(p.period_seconds, c.want_period);
    EXPECT_EQ(p.success_threshold, c.want_success);
    EXPECT_EQ(p.failure_threshold, c.want_failure);
    EXPECT_EQ(p.initial_delay_seconds, 0);                         // no default
    EXPECT_FALSE(p.termination_grace_period_seconds.has_value());  // no default
  }
}

TEST(DefaultsTest, HTTPGetPathAndSchemeInProbesAndLifecycle) {
  Pod pod;
  Container c;
  c.name = "a";
  Probe p;
  p.handler.http_get = HTTPGetAction{};
  c.readiness_probe = p;
  Probe g;
  g.handler.grpc = GRPCAction{9090, std::nullopt};
  c.liveness_probe = g;
  c.lifecycle = Lifecycle{std::nullopt, LifecycleHandler{std::nullopt, HTTPGetAction{}, {}, {}}};
  pod.spec.containers.push_back(c);
  UidGenerator uids(1);
  SetDefaults(pod, uids);
  const Container& d = pod.spec.containers[0];
  EXPECT_EQ(d.readiness_probe->handler.http_get->path, "/");
  EXPECT_EQ(d.readiness_probe->handler.http_get->scheme, "HTTP");
  EXPECT_EQ(d.lifecycle->pre_stop->http_get->path, "/");
  EXPECT_EQ(d.lifecycle->pre_stop->http_get->scheme, "HTTP");
  EXPECT_FALSE(d.liveness_probe->handler.grpc->service.has_value());  // no grpc defaults (§1.2.3)
}

TEST(DefaultsTest, PodSpecPortsEnvAndMetadata) {
  Pod pod;
  pod.metadata.name = "web";
  Container c;
  c.name = "a";
  c.ports.push_back({"http", 80, ""});
  c.env.push_back({"N", "", EnvVarSource{ObjectFieldSelector{"", "metadata.name"}}});
  pod.spec.init_containers.push_back(c);
  UidGenerator uids(1);
  SetDefaults(pod, uids);
  EXPECT_EQ(pod.metadata.namespace_, "default");
  EXPECT_EQ(pod.spec.restart_policy, "Always");
  EXPECT_EQ(pod.spec.termination_grace_period_seconds, 30);
  EXPECT_EQ(pod.spec.init_containers[0].ports[0].protocol, "TCP");
  EXPECT_EQ(pod.spec.init_containers[0].env[0].value_from->field_ref->api_version, "v1");
}

TEST(DefaultsTest, SetValuesAreKept) {
  Pod pod;
  pod.metadata.namespace_ = "team";
  pod.metadata.uid = "given";
  pod.spec.restart_policy = "Never";
  pod.spec.termination_grace_period_seconds = 0;
  UidGenerator uids(1);
  SetDefaults(pod, uids);
  EXPECT_EQ(pod.metadata.namespace_, "team");
  EXPECT_EQ(pod.metadata.uid, "given");
  EXPECT_EQ(pod.spec.restart_policy, "Never");
  EXPECT_EQ(pod.spec.termination_grace_period_seconds, 0);
}

TEST(DefaultsTest, UidIsAVersion4UuidDeterministicPerSeed) {
  UidGenerator a(42), b(42), c(43);
  std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string u = a.NewUid();
    EXPECT_TRUE(std::regex_match(u, v4)) << u;
    EXPECT_EQ(u, b.NewUid());
    EXPECT_TRUE(seen.insert(u).second);
  }
  EXPECT_FALSE(seen.count(c.NewUid()));
  Pod pod;
  SetDefaults(pod, c);
  EXPECT_TRUE(std::regex_match(pod.metadata.uid, v4));
}

}  // namespace
}  // namespace probelet::api

namespace probelet::api {
namespace {

TEST(DefaultsTest, ImagePullPolicyAsTheApiServer) {
  const std::pair<const char*, const char*> cases[] = {
      {"busybox", "Always"},
      {"busybox:latest", "Always"},
      {"localhost:5000/busybox", "Always"},  // a registry port is no tag
      {"localhost:5000/busybox:latest", "Always"},
      {"busybox:1.36", "IfNotPresent"},
      {"localhost/probelet-test:1", "IfNotPresent"},
      {"localhost:5000/busybox:1", "IfNotPresent"},
      {"busybox@sha256:0123456789abcdef", "IfNotPresent"},
      {"busybox:latest@sha256:0123456789abcdef", "Always"},
      {"", "IfNotPresent"},
  };
  for (const auto& [image, policy] : cases) {
    EXPECT_EQ(DefaultImagePullPolicy(image), policy) << image;
  }
  Pod pod;
  pod.spec.containers.resize(2);
  pod.spec.containers[0].image = "busybox";
  pod.spec.containers[1].image = "busybox";
  pod.spec.containers[1].image_pull_policy = "Never";
  UidGenerator uids(1);
  SetDefaults(pod, uids);
  EXPECT_EQ(pod.spec.containers[0].image_pull_policy, "Always");
  EXPECT_EQ(pod.spec.containers[1].image_pull_policy, "Never");  // set values are kept
}

TEST(DefaultsTest, RequestsDefaultToLimitsAndHostPathTypeToEmpty) {
  Pod pod;
  pod.spec.containers.resize(1);
  pod.spec.init_containers.resize(1);
  auto& r = pod.spec.containers[0].resources;
  r.limits = {{"cpu", *ParseQuantity("1")}, {"memory", *ParseQuantity("64Mi")}};
  r.requests = {{"cpu", *ParseQuantity("250m")}};
  pod.spec.init_containers[0].resources.limits = {{"memory", *ParseQuantity("1Gi")}};
  pod.spec.volumes = {{"h", std::nullopt, HostPathVolumeSource{"/x", std::nullopt}, {}}};
  UidGenerator uids(1);
  SetDefaults(pod, uids);
  EXPECT_EQ(r.requests.at("cpu").text, "250m");  // kept
  EXPECT_EQ(r.requests.at("memory").text, "64Mi");
  EXPECT_EQ(pod.spec.init_containers[0].resources.requests.at("memory").text, "1Gi");
  EXPECT_EQ(pod.spec.volumes[0].host_path->type, std::optional<std::string>(""));
}

}  // namespace
}  // namespace probelet::api
