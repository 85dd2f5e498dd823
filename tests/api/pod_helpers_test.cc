// ContainerShouldRestart as a table (§3.6.3, pkg/api/v1/pod/util.go): container policy x pod
// policy x exit code, with unset, empty and unknown policies; and FormatPod.
#include "api/pod_helpers.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace probelet::api {
namespace {

constexpr std::nullopt_t kUnset = std::nullopt;

struct RestartCase {
  std::optional<std::string> container;  // the container's restartPolicy (unset: nullopt)
  std::string pod;                       // the pod's restartPolicy
  int32_t exit_code;
  bool restart;
};

std::string Describe(const RestartCase& c) {
  return "container=" + (c.container ? "\"" + *c.container + "\"" : std::string("unset")) +
         " pod=\"" + c.pod + "\" exit=" + std::to_string(c.exit_code);
}

TEST(ContainerShouldRestartTest, Table) {
  const RestartCase kCases[] = {
      // No container policy: the pod's decides.
      {kUnset, "Always", 0, true},
      {kUnset, "Always", 1, true},
      {kUnset, "Always", 137, true},
      {kUnset, "OnFailure", 0, false},
      {kUnset, "OnFailure", 1, true},
      {kUnset, "OnFailure", 137, true},
      {kUnset, "Never", 0, false},
      {kUnset, "Never", 1, false},
      {kUnset, "Never", 137, false},
      // An empty or unknown pod policy: the default, Always.
      {kUnset, "", 0, true},
      {kUnset, "", 1, true},
      {kUnset, "Sometimes", 0, true},
      {kUnset, "Sometimes", 137, true},
      // A known container policy wins over every pod policy.
      {"Always", "Never", 0, true},
      {"Always", "OnFailure", 0, true},
      {"Always", "", 1, true},
      {"OnFailure", "Never", 1, true},
      {"OnFailure", "Never", 0, false},
      {"OnFailure", "Always", 0, false},
      {"OnFailure", "Always", 137, true},
      {"Never", "Always", 1, false},
      {"Never", "Always", 0, false},
      {"Never", "OnFailure", 137, false},
      {"Never", "", 1, false},
      // An unknown or empty container policy falls back to the pod's (the Go switch's default
      // branch); the kubelet stage's former copy restarted here whatever the pod said.
      {"Sometimes", "Never", 1, false},
      {"Sometimes", "OnFailure", 0, false},
      {"Sometimes", "OnFailure", 1, true},
      {"Sometimes", "Always", 0, true},
      {"", "Never", 0, false},
      {"", "OnFailure", 0, false},
      {"", "OnFailure", 2, true},
      // Unknown at both levels: Always.
      {"Sometimes", "", 0, true},
      {"Sometimes", "Sometimes", 1, true},
  };
  for (const RestartCase& c : kCases) {
    EXPECT_EQ(ContainerShouldRestart(c.container, c.pod, c.exit_code), c.restart) << Describe(c);
    // The kubelet-shaped overload reads the same fields.
    Container container;
    container.restart_policy = c.container;
    PodSpec spec;
    spec.restart_policy = c.pod;
    EXPECT_EQ(ContainerShouldRestart(container, spec, c.exit_code), c.restart) << Describe(c);
  }
}

TEST(FormatPodTest, NameNamespaceAndUid) {
  EXPECT_EQ(FormatPod("web", "default", "uid-1"), "web_default(uid-1)");
  Pod pod;
  pod.metadata.name = "db";
  pod.metadata.namespace_ = "prod";
  pod.metadata.uid = "1234";
  EXPECT_EQ(FormatPod(pod), "db_prod(1234)");
  EXPECT_EQ(FormatPod("", "", ""), "_()");
}

}  // namespace
}  // namespace probelet::api
