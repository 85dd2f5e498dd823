// T50 (TestKillContainerGracePeriod) and §6.3.4-6.3.5.
#include "kubelet/grace_period.h"

#include <gtest/gtest.h>

namespace probelet::kubelet {
namespace {

struct Case {
  const char* name;
  std::optional<int64_t> pod_tgps;
  std::optional<int64_t> startup_tgps;
  std::optional<int64_t> liveness_tgps;
  KillReason reason;
  int64_t want;
};

TEST(GracePeriodTest, T50_KillContainerGracePeriod) {
  const Case cases[] = {
      {"pod unset, reason unknown", std::nullopt, std::nullopt, std::nullopt, KillReason::kUnknown,
       2},
      {"pod 60, unknown", 60, std::nullopt, std::nullopt, KillReason::kUnknown, 60},
      {"liveness 10 wins on liveness", 60, std::nullopt, 10, KillReason::kLivenessProbe, 10},
      {"startup 10 wins on startup", 60, 10, std::nullopt, KillReason::kStartupProbe, 10},
      {"larger startup value still wins", 10, 60, std::nullopt, KillReason::kStartupProbe, 60},
      {"larger liveness value still wins", 10, std::nullopt, 60, KillReason::kLivenessProbe, 60},
      {"liveness set, reason unknown", 60, std::nullopt, 10, KillReason::kUnknown, 60},
      {"startup set, reason unknown", 60, 10, std::nullopt, KillReason::kUnknown, 60},
      {"both set, reason unknown", 60, 10, 30, KillReason::kUnknown, 60},
      {"both set, startup", 60, 10, 30, KillReason::kStartupProbe, 10},
      {"both set, liveness", 60, 10, 30, KillReason::kLivenessProbe, 30},
  };
  for (const Case& c : cases) {
    api::Pod pod;
    pod.spec.termination_grace_period_seconds = c.pod_tgps;
    api::Container container;
    container.name = "app";
    if (c.startup_tgps) {
      container.startup_probe = api::Probe{};
      container.startup_probe->termination_grace_period_seconds = c.startup_tgps;
    }
    if (c.liveness_tgps) {
      container.liveness_probe = api::Probe{};
      container.liveness_probe->termination_grace_period_seconds = c.liveness_tgps;
    }
    EXPECT_EQ(TerminationGracePeriodSeconds(pod, container, c.reason), c.want) << c.name;
  }
}

TEST(GracePeriodTest, ProbeWithoutItsOwnValueUsesThePods) {
  api::Pod pod;
  pod.spec.termination_grace_period_seconds = 30;
  api::Container container;
  container.liveness_probe = api::Probe{};
  EXPECT_EQ(TerminationGracePeriodSeconds(pod, container, KillReason::kLivenessProbe), 30);
}

TEST(GracePeriodTest, DeletionGracePeriodWinsWhateverTheReason) {
  api::Pod pod;
  pod.spec.termination_grace_period_seconds = 30;
  pod.metadata.deletion_grace_period_seconds = 5;
  api::Container container;
  container.liveness_probe = api::Probe{};
  container.liveness_probe->termination_grace_period_seconds = 10;
  EXPECT_EQ(TerminationGracePeriodSeconds(pod, container, KillReason::kLivenessProbe), 5);
}

TEST(GracePeriodTest, PreStopTimeIsSubtractedDownToTheMinimum) {
  using std::chrono::seconds;
  EXPECT_EQ(GraceAfterPreStop(30, seconds(10)), seconds(20));
  EXPECT_EQ(GraceAfterPreStop(30, seconds(29)), seconds(2));
  EXPECT_EQ(GraceAfterPreStop(0, seconds(0)), seconds(2));
  EXPECT_EQ(GraceAfterPreStop(10, base::Duration::zero()), seconds(10));
}

}  // namespace
}  // namespace probelet::kubelet
