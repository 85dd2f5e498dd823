// The probe timing checks (PL001-PL006), each with a manifest that triggers it and one that
// does not, and the numbers of the manifest in the message.
#include "lint/probe_timing_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/testing/lint_yaml.h"

namespace probelet::lint {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using testing::FindingWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LintYaml;
using testing::PodYaml;

TEST(ProbeTimingTest, LivenessSameAsReadinessRestartsOnReadinessFailure) {
  auto report =
      LintYaml(PodYaml("    ports: [{containerPort: 8080}]\n"
                       "    livenessProbe: {httpGet: {path: /healthz, port: 8080}}\n"
                       "    readinessProbe: {httpGet: {path: /healthz, port: 8080}}\n"));
  EXPECT_THAT(Codes(report), ElementsAre("PL001"));  // PL002 is not said again
  EXPECT_THAT(report.findings[0].message, HasSubstr("(3 x 10s = 30s)"));
  EXPECT_THAT(report.findings[0].message, HasSubstr("also restarts it after 30s"));
  EXPECT_EQ(report.findings[0].field, "spec.containers[0].livenessProbe");
  EXPECT_EQ(report.findings[0].severity, Severity::kWarning);
}

TEST(ProbeTimingTest, SameHandlerWithLongerLivenessIsFine) {
  auto report = LintYaml(
      PodYaml("    ports: [{containerPort: 8080}]\n"
              "    livenessProbe: {httpGet: {path: /healthz, port: 8080}, failureThreshold: 6}\n"
              "    readinessProbe: {httpGet: {path: /healthz, port: 8080}}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

TEST(ProbeTimingTest, LivenessGivingUpBeforeReadiness) {
  auto report = LintYaml(
      PodYaml("    ports: [{containerPort: 8080}]\n"
              "    livenessProbe: {httpGet: {path: /alive, port: 8080}}\n"
              "    readinessProbe: {httpGet: {path: /ready, port: 8080}, failureThreshold: 5}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL002"));
  EXPECT_EQ(report.findings[0].message,
            "liveness fails after 3 x 10s = 30s but readiness only after 5 x 10s = 50s: the "
            "container is restarted before it is taken out of traffic");
}

TEST(ProbeTimingTest, LivenessGivingUpAfterReadinessIsFine) {
  auto report = LintYaml(
      PodYaml("    ports: [{containerPort: 8080}]\n"
              "    livenessProbe: {httpGet: {path: /alive, port: 8080}, periodSeconds: 20}\n"
              "    readinessProbe: {httpGet: {path: /ready, port: 8080}}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

TEST(ProbeTimingTest, TimeoutOverPeriodOnEachProbeType) {
  auto report = LintYaml(
      PodYaml("    ports: [{containerPort: 8080}]\n"
              "    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2, timeoutSeconds: 5}\n"
              "    startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 1, timeoutSeconds: 3,"
              " failureThreshold: 30}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL003", "PL003"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("readiness timeoutSeconds 5s > periodSeconds 2s"));
  EXPECT_THAT(report.findings[0].message, HasSubstr("after 3 x 5s = 15s, not 3 x 2s = 6s"));
  EXPECT_EQ(report.findings[1].field, "spec.containers[0].startupProbe");
}

TEST(ProbeTimingTest, TimeoutEqualToPeriodIsFine) {
  auto report = LintYaml(PodYaml(
      "    ports: [{containerPort: 8080}]\n"
      "    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2, timeoutSeconds: 2}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

TEST(ProbeTimingTest, FastLivenessWithoutStartupProbeKillsSlowStarts) {
  auto report = LintYaml(PodYaml(
      "    ports: [{containerPort: 8080}]\n"
      "    livenessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 2, periodSeconds: 3,"
      " failureThreshold: 2}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL004"));
  EXPECT_THAT(report.findings[0].message, HasSubstr("within 2s + 2 x 3s = 8s of its start"));
  // The suggestion: the liveness period, and enough failures for 60 s.
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("periodSeconds: 3 and failureThreshold: 20 (up to 60s to start)"));
}

TEST(ProbeTimingTest, SlowStartIsFineWithTenSecondsOrAStartupProbe) {
  EXPECT_THAT(
      Codes(LintYaml(PodYaml("    ports: [{containerPort: 8080}]\n"
                             "    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 5,"
                             " failureThreshold: 2}\n"))),
      IsEmpty());  // exactly 10 s
  EXPECT_THAT(Codes(LintYaml(
                  PodYaml("    ports: [{containerPort: 8080}]\n"
                          "    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}\n"
                          "    startupProbe: {tcpSocket: {port: 8080}, failureThreshold: 6}\n"))),
              IsEmpty());
}

TEST(ProbeTimingTest, StartupBudgetOverTenMinutes) {
  auto report =
      LintYaml(PodYaml("    ports: [{containerPort: 8080}]\n"
                       "    startupProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 5, "
                       "failureThreshold: 60}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL005"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("allows 5s + 60 x 10s = 605s to start (over 600s)"));
  EXPECT_THAT(Codes(LintYaml(PodYaml("    ports: [{containerPort: 8080}]\n"
                                     "    startupProbe: {tcpSocket: {port: 8080},"
                                     " failureThreshold: 60}\n"))),
              IsEmpty());  // exactly 600 s
}

TEST(ProbeTimingTest, StartupBudgetShorterThanLivenessAlone) {
  auto report = LintYaml(PodYaml(
      "    ports: [{containerPort: 8080}]\n"
      "    livenessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 15}\n"
      "    startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 2, failureThreshold: 5}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL006"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("gives up after 5 x 2s = 10s, sooner than the liveness probe alone "
                        "would (15s + 3 x 10s = 45s)"));
  EXPECT_THAT(Codes(LintYaml(
                  PodYaml("    ports: [{containerPort: 8080}]\n"
                          "    livenessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 15}\n"
                          "    startupProbe: {tcpSocket: {port: 8080}, failureThreshold: 5}\n"))),
              IsEmpty());
}

}  // namespace
}  // namespace probelet::lint
