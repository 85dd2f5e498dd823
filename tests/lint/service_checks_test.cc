// Checks with the Services of the same manifests (PL012 traffic without readiness, PL015 a
// named targetPort no container declares).
#include "lint/service_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/testing/lint_yaml.h"

namespace probelet::lint {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LintYaml;
using testing::PodYaml;

std::string Service(std::string_view target_port, std::string_view selector = "{app: web}") {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: front}\nspec:\n  selector: " +
         std::string(selector) +
         "\n  ports:\n  - port: 80\n    targetPort: " + std::string(target_port) + "\n---\n";
}

constexpr const char* kLivenessOnly =
    "    ports: [{name: http, containerPort: 8080}]\n"
    "    livenessProbe: {httpGet: {path: /healthz, port: 8080}}\n";

TEST(ServiceChecksTest, SelectedContainerWithLivenessAndNoReadiness) {
  auto report = LintYaml(Service("http") + PodYaml(kLivenessOnly));
  ASSERT_THAT(Codes(report), ElementsAre("PL012"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("service \"front\" (port 80 -> \"http\") sends traffic to this container "
                        "from the moment it runs"));
  EXPECT_THAT(report.findings[0].message, HasSubstr("for 3 x 10s = 30s before the restart"));
}

TEST(ServiceChecksTest, NumericTargetPortThatNoContainerDeclaresReachesTheContainers) {
  auto report = LintYaml(Service("9999") + PodYaml(kLivenessOnly));
  EXPECT_THAT(Codes(report), ElementsAre("PL012"));
}

TEST(ServiceChecksTest, NotSelectedOrWithReadinessIsFine) {
  EXPECT_THAT(Codes(LintYaml(Service("http", "{app: other}") + PodYaml(kLivenessOnly))), IsEmpty());
  EXPECT_THAT(
      Codes(LintYaml(Service("http") + PodYaml(std::string(kLivenessOnly) +
                                               "    readinessProbe: {httpGet: {path: "
                                               "/ready, port: 8080}, periodSeconds: 5}\n"))),
      IsEmpty());
  EXPECT_THAT(Codes(LintYaml(PodYaml(kLivenessOnly))), IsEmpty());  // no Service at all
}

TEST(ServiceChecksTest, NamedTargetPortThatNoContainerDeclares) {
  auto report =
      LintYaml(Service("metrics") + PodYaml("    ports: [{name: http, containerPort: 8080}]\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL015"));
  EXPECT_EQ(report.findings[0].message,
            "service \"front\" port 80 targets port \"metrics\", which no container of this pod "
            "declares: the pod is no endpoint of that port and gets none of its traffic");
  EXPECT_EQ(report.findings[0].field, "spec.containers[0].ports");
  EXPECT_THAT(Codes(LintYaml(Service("http") +
                             PodYaml("    ports: [{name: http, containerPort: 8080}]\n"))),
              IsEmpty());
}

}  // namespace
}  // namespace probelet::lint
