#include "server/loop_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/virtual_clock.h"
#include "server/testing/offset_clock.h"

namespace probelet::server {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

class LoopMonitorTest : public ::testing::Test {
 protected:
  base::VirtualClock vclock_;
  testing::OffsetClock clock_{vclock_};
  LoopMonitor monitor_{clock_, seconds(10), seconds(1), seconds(60)};
};

TEST_F(LoopMonitorTest, HealthyWhileTicksRunOnTime) {
  monitor_.Start();
  vclock_.Advance(seconds(30));
  EXPECT_EQ(monitor_.Unhealthy(), std::nullopt);
  EXPECT_EQ(monitor_.last_lag(), base::Duration::zero());
}

TEST_F(LoopMonitorTest, ReportsALoopThatHasNotTickedForOverTheThreshold) {
  monitor_.Start();
  vclock_.Advance(seconds(3));
  clock_.set_offset(seconds(12));  // 12 s pass with no timer run
  auto reason = monitor_.Unhealthy();
  ASSERT_TRUE(reason.has_value());
  EXPECT_THAT(*reason, HasSubstr("no timer has run for 12"));
}

TEST_F(LoopMonitorTest, StallUnderTheThresholdIsHealthy) {
  monitor_.Start();
  vclock_.Advance(seconds(3));
  clock_.set_offset(seconds(9));
  EXPECT_EQ(monitor_.Unhealthy(), std::nullopt);
  vclock_.Advance(seconds(1));  // the late tick
  EXPECT_EQ(monitor_.Unhealthy(), std::nullopt);
  EXPECT_GE(monitor_.max_lag(), seconds(9));
}

TEST_F(LoopMonitorTest, LateTickIsReportedForTheReportWindowThenClears) {
  monitor_.Start();
  vclock_.Advance(seconds(3));
  clock_.set_offset(seconds(12));
  vclock_.Advance(seconds(1));  // the tick due now runs 12 s late
  EXPECT_GE(monitor_.last_lag(), seconds(12));
  auto reason = monitor_.Unhealthy();
  ASSERT_TRUE(reason.has_value());
  EXPECT_THAT(*reason, HasSubstr("stalled for 12.0s"));
  vclock_.Advance(seconds(50));
  EXPECT_TRUE(monitor_.Unhealthy().has_value());  // still within the 60 s window
  vclock_.Advance(seconds(30));
  EXPECT_EQ(monitor_.Unhealthy(), std::nullopt);
  EXPECT_LT(monitor_.last_lag(), seconds(1));
}

TEST_F(LoopMonitorTest, StoppedMonitorCancelsItsTimerAndReportsNothing) {
  monitor_.Start();
  monitor_.Stop();
  EXPECT_EQ(vclock_.pending(), 0u);
  clock_.set_offset(seconds(100));
  EXPECT_EQ(monitor_.Unhealthy(), std::nullopt);
}

TEST_F(LoopMonitorTest, MetricsAreGauges) {
  monitor_.Start();
  std::string out;
  monitor_.WriteMetrics(out);
  EXPECT_THAT(out, HasSubstr("# TYPE probelet_event_loop_lag_seconds gauge\n"));
  EXPECT_THAT(out, HasSubstr("probelet_event_loop_max_lag_seconds 0.000000\n"));
}

}  // namespace
}  // namespace probelet::server
