// The simulate report: text lines as `T+MM:SS.mmm  REASON  POD/CONTAINER  MESSAGE`, the summary
// table, and the same as JSON data.
#include "sim/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace probelet::sim {
namespace {

using namespace std::chrono_literals;

SimulationResult Sample() {
  SimulationResult r;
  r.duration = 10min;
  r.events = 2;
  r.timeline.push_back({12s, "default/web", "web", "Warning", "Unhealthy",
                        "Liveness probe failed: HTTP probe failed with statuscode: 500"});
  r.timeline.push_back({65500ms, "default/web", "", "Normal", "Ready", "pod Ready=True"});
  PodSummary p;
  p.pod = "default/web";
  p.restarts = 4;
  p.first_ready = 65500ms;
  p.ready_fraction = 0.5;
  p.longest_not_ready = 130s;
  p.crash_loop = true;
  p.phase = "Running";
  p.containers.push_back({"web", 4, false, "waiting", "CrashLoopBackOff"});
  r.pods.push_back(p);
  PodSummary never;
  never.pod = "default/idle";
  never.phase = "Pending";
  never.longest_not_ready = 10min;
  r.pods.push_back(never);
  return r;
}

TEST(ReportTest, FormatsOffsetsWithHoursOnlyForLongRuns) {
  EXPECT_EQ(FormatOffset(12s, false), "T+00:12.000");
  EXPECT_EQ(FormatOffset(61001ms, false), "T+01:01.001");
  EXPECT_EQ(FormatOffset(2h + 3s, false), "T+120:03.000");
  EXPECT_EQ(FormatOffset(2h + 3s, true), "T+02:00:03.000");
}

TEST(ReportTest, TextIsTheTimelineThenTheSummaryTable) {
  EXPECT_EQ(FormatText(Sample()),
            "T+00:12.000  Unhealthy  default/web/web  Liveness probe failed: HTTP probe failed "
            "with statuscode: 500\n"
            "T+01:05.500  Ready      default/web  pod Ready=True\n"
            "\n"
            "POD            RESTARTS   FIRST READY   READY   LONGEST NOT READY   AT THE END\n"
            "default/web    4          T+01:05.500   50.0%   2m10s               "
            "CrashLoopBackOff (web)\n"
            "default/idle   0          never         0.0%    10m0s               Pending\n"
            "simulated 10m0s, 2 events, 2 pod(s)\n");
}

TEST(ReportTest, JsonCarriesTheSameData) {
  auto j = nlohmann::json::parse(FormatJson(Sample(), 42));
  EXPECT_EQ(j["durationSeconds"], 600.0);
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["eventCount"], 2);
  ASSERT_EQ(j["timeline"].size(), 2u);
  EXPECT_EQ(j["timeline"][0]["at"], "T+00:12.000");
  EXPECT_EQ(j["timeline"][0]["atSeconds"], 12.0);
  EXPECT_EQ(j["timeline"][0]["pod"], "default/web");
  EXPECT_EQ(j["timeline"][0]["container"], "web");
  EXPECT_EQ(j["timeline"][0]["type"], "Warning");
  EXPECT_EQ(j["timeline"][0]["reason"], "Unhealthy");
  EXPECT_EQ(j["timeline"][1]["atSeconds"], 65.5);
  ASSERT_EQ(j["pods"].size(), 2u);
  const auto& p = j["pods"][0];
  EXPECT_EQ(p["restarts"], 4);
  EXPECT_EQ(p["firstReadySeconds"], 65.5);
  EXPECT_EQ(p["readyFraction"], 0.5);
  EXPECT_EQ(p["longestNotReadySeconds"], 130.0);
  EXPECT_EQ(p["crashLoop"], true);
  EXPECT_EQ(p["containers"][0]["reason"], "CrashLoopBackOff");
  EXPECT_TRUE(j["pods"][1]["firstReadySeconds"].is_null());
}

}  // namespace
}  // namespace probelet::sim
