// Where httpGet, tcpSocket and grpc probes connect (PL009 undeclared port, PL010 nothing to
// check against, PL011 a host other than the pod).
#include "lint/endpoint_checks.h"

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

TEST(EndpointChecksTest, PortThatNoContainerDeclares) {
  auto report =
      LintYaml(PodYaml("    ports: [{containerPort: 8080}, {containerPort: 9090}]\n"
                       "    readinessProbe: {grpc: {port: 5432}}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL009"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("readiness grpc probe on port 5432, which no container of the pod "
                        "declares (they declare 8080, 9090)"));
}

TEST(EndpointChecksTest, PortOfAnotherContainerOfThePodIsDeclared) {
  auto report = LintYaml(PodYaml("    readinessProbe: {tcpSocket: {port: 9090}}\n") +
                         "  - name: other\n"
                         "    command: [sleep, \"1000\"]\n"
                         "    ports: [{containerPort: 9090}]\n");
  EXPECT_THAT(Codes(report), IsEmpty());
}

TEST(EndpointChecksTest, NoDeclaredPortsIsOnlyAnInfo) {
  auto report = LintYaml(PodYaml("    readinessProbe: {httpGet: {path: /, port: 8080}}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL010"));
  EXPECT_EQ(report.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(report.warnings(), 0u);
}

TEST(EndpointChecksTest, NamedPortsAreNotChecked) {
  auto report =
      LintYaml(PodYaml("    ports: [{name: http, containerPort: 8080}]\n"
                       "    readinessProbe: {httpGet: {path: /, port: http}}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

TEST(EndpointChecksTest, HostOtherThanThePod) {
  auto report = LintYaml(PodYaml(
      "    ports: [{containerPort: 5432}]\n"
      "    livenessProbe: {tcpSocket: {port: 5432, host: db.example}, periodSeconds: 20}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL011"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("checks host \"db.example\" (port 5432), not the pod"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("after 3 x 20s = 60s of that dependency failing it restarts this "
                        "container"));
}

TEST(EndpointChecksTest, LoopbackHostIsThePod) {
  auto report =
      LintYaml(PodYaml("    ports: [{containerPort: 8080}]\n"
                       "    readinessProbe: {httpGet: {path: /, port: 8080, host: 127.0.0.1}}\n"
                       "    startupProbe: {tcpSocket: {port: 8080, host: localhost}}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

}  // namespace
}  // namespace probelet::lint
