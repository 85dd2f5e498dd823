// Probe-level terminationGracePeriodSeconds (PL013 longer than the pod's, PL014 no longer than
// the preStop sleep).
#include "lint/grace_checks.h"

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

constexpr const char* kPorts = "    ports: [{containerPort: 8080}]\n";

TEST(GraceChecksTest, ProbeGraceLongerThanThePods) {
  auto report =
      LintYaml(PodYaml(std::string(kPorts) + "    livenessProbe: {tcpSocket: {port: 8080},"
                                             " terminationGracePeriodSeconds: 60}\n",
                       "  terminationGracePeriodSeconds: 20\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL013"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("terminationGracePeriodSeconds 60s is longer than the pod's 20s"));
  // Against the pod's default of 30 s.
  EXPECT_THAT(
      Codes(LintYaml(PodYaml(std::string(kPorts) +
                             "    startupProbe: {tcpSocket: {port: 8080},"
                             " failureThreshold: 6, terminationGracePeriodSeconds: 31}\n"))),
      ElementsAre("PL013"));
}

TEST(GraceChecksTest, ProbeGraceWithinThePodsIsFine) {
  auto report =
      LintYaml(PodYaml(std::string(kPorts) + "    livenessProbe: {tcpSocket: {port: 8080},"
                                             " terminationGracePeriodSeconds: 5}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

TEST(GraceChecksTest, PreStopSleepTakesTheWholeProbeGrace) {
  auto report =
      LintYaml(PodYaml(std::string(kPorts) + "    livenessProbe: {tcpSocket: {port: 8080},"
                                             " terminationGracePeriodSeconds: 5}\n"
                                             "    lifecycle: {preStop: {sleep: {seconds: 5}}}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL014"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("the preStop hook sleeps 5s but a liveness kill gives the container only "
                        "5s"));
  EXPECT_THAT(Codes(LintYaml(PodYaml(std::string(kPorts) +
                                     "    livenessProbe: {tcpSocket: {port: 8080},"
                                     " terminationGracePeriodSeconds: 10}\n"
                                     "    lifecycle: {preStop: {sleep: {seconds: 5}}}\n"))),
              IsEmpty());
}

}  // namespace
}  // namespace probelet::lint
