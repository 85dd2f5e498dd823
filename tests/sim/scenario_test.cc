// Scenario parsing: the format of the README, and errors that name the field.
#include "sim/scenario.h"

#include <gtest/gtest.h>

namespace probelet::sim {
namespace {

using namespace std::chrono_literals;

TEST(ScenarioTest, ParsesEveryField) {
  auto s = ParseScenario(R"(
containers:
  web:
    startupSeconds: 45
    exitAfter: {after: 5m, code: 3}
    shutdownSeconds: 2.5
    probeLatency: 100ms
    afterRestart: healthy
    liveness:
      latency: 2s
      fail:
        - {from: 2m, for: 30s, every: 10m}
        - {from: 20m, for: 1m, latency: 5s}
    readiness: {fail: [{for: 10s}]}
    startup: {latency: 1s}
  api/db: {}
)",
                         "s.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  const ContainerBehaviour& b = s->Find("any", "web");
  EXPECT_EQ(b.startup, 45s);
  ASSERT_TRUE(b.exit_after.has_value());
  EXPECT_EQ(b.exit_after->after, 5min);
  EXPECT_EQ(b.exit_after->code, 3);
  EXPECT_EQ(b.shutdown, 2500ms);
  EXPECT_EQ(b.probe_latency, 100ms);
  EXPECT_EQ(b.after_restart, AfterRestart::kHealthy);
  ASSERT_EQ(b.liveness.fail.size(), 2u);
  EXPECT_EQ(b.liveness.fail[0].every, base::Duration(10min));
  EXPECT_EQ(b.liveness.fail[1].latency, base::Duration(5s));
  EXPECT_EQ(b.readiness.fail[0].from, 0s);
  EXPECT_EQ(b.startup_probe.latency, base::Duration(1s));
  EXPECT_EQ(&s->Find("api", "db"), &s->containers.at("api/db"));
  EXPECT_EQ(s->Find("other", "db").startup, 0s);  // unnamed: well behaved
}

TEST(ScenarioTest, AnswersFollowTheTimelineOfEachInstance) {
  ContainerBehaviour b;
  b.startup = 10s;
  b.probe_latency = 50ms;
  b.liveness.fail.push_back({2min, 30s, 10min, std::nullopt});
  b.readiness.fail.push_back({1min, 10s, std::nullopt, 3s});
  using prober::ProbeType;
  EXPECT_FALSE(Answer(b, ProbeType::kLiveness, 9s, 0).listening);
  EXPECT_TRUE(Answer(b, ProbeType::kLiveness, 10s, 0).healthy);
  EXPECT_FALSE(Answer(b, ProbeType::kLiveness, 2min, 0).healthy);
  EXPECT_TRUE(Answer(b, ProbeType::kLiveness, 2min + 30s, 0).healthy);
  EXPECT_FALSE(Answer(b, ProbeType::kLiveness, 12min + 29s, 0).healthy);
  EXPECT_TRUE(Answer(b, ProbeType::kReadiness, 65s, 0).healthy);
  EXPECT_EQ(Answer(b, ProbeType::kReadiness, 65s, 0).latency, 3s);
  EXPECT_EQ(Answer(b, ProbeType::kReadiness, 75s, 0).latency, 50ms);
  b.after_restart = AfterRestart::kHealthy;
  b.exit_after = ExitAfter{1min, 1};
  EXPECT_TRUE(Answer(b, ProbeType::kLiveness, 2min, 1).healthy);
  EXPECT_FALSE(Answer(b, ProbeType::kLiveness, 5s, 1).listening);  // still starts slowly
  EXPECT_TRUE(ExitOf(b, 0).has_value());
  EXPECT_FALSE(ExitOf(b, 1).has_value());
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* error;
};

class ScenarioErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ScenarioErrorTest, NamesTheField) {
  auto s = ParseScenario(GetParam().yaml, "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ScenarioErrorTest,
    ::testing::Values(
        BadCase{"Empty", "", "s.yaml: containers: required"},
        BadCase{"UnknownTopLevel", "containers: {}\npods: {}", "s.yaml: pods: unknown field"},
        BadCase{"ContainersNotAMap", "containers: [web]",
                "s.yaml: containers: must be a map from container name to its behaviour"},
        BadCase{"UnknownContainerField", "containers: {web: {startupSecond: 3}}",
                "s.yaml: containers.web.startupSecond: unknown field"},
        BadCase{"BadDuration", "containers: {web: {startupSeconds: soon}}",
                "s.yaml: containers.web.startupSeconds: invalid duration \"soon\" (e.g. 30s, 2m, "
                "1h30m, or seconds)"},
        BadCase{"NegativeDuration", "containers: {web: {probeLatency: -1s}}",
                "s.yaml: containers.web.probeLatency: must not be negative"},
        BadCase{"ExitWithoutAfter", "containers: {web: {exitAfter: {code: 1}}}",
                "s.yaml: containers.web.exitAfter.after: required"},
        BadCase{"ExitCodeRange", "containers: {web: {exitAfter: {after: 1s, code: 300}}}",
                "s.yaml: containers.web.exitAfter.code: must be between 0 and 255"},
        BadCase{"AfterRestart", "containers: {web: {afterRestart: never}}",
                "s.yaml: containers.web.afterRestart: must be repeat or healthy"},
        BadCase{"WindowWithoutFor", "containers: {web: {liveness: {fail: [{from: 1m}]}}}",
                "s.yaml: containers.web.liveness.fail[0].for: required"},
        BadCase{"WindowZeroFor", "containers: {web: {readiness: {fail: [{for: 0s}]}}}",
                "s.yaml: containers.web.readiness.fail[0].for: must be greater than 0"},
        BadCase{"EveryNotLonger", "containers: {web: {startup: {fail: [{for: 1m, every: 1m}]}}}",
                "s.yaml: containers.web.startup.fail[0].every: must be longer than `for` (the "
                "window would never end)"},
        BadCase{"FailNotAList", "containers: {web: {liveness: {fail: {for: 1m}}}}",
                "s.yaml: containers.web.liveness.fail: must be a list of windows such as {from: "
                "2m, for: 30s}"},
        BadCase{"SeveralErrors", "containers: {a: {x: 1}, b: {y: 2}}",
                "s.yaml: containers.a.x: unknown field\ns.yaml: containers.b.y: unknown field"},
        BadCase{"YamlSyntax", "containers: {web: [",
                "s.yaml: line 1: end of sequence flow not found"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace probelet::sim
