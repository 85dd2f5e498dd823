// `probelet simulate` through the real binary: the examples, -o json, reproducibility with
// --seed, and the exit codes and messages of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/testing/probelet_command.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using SimRun = probelet::testing::ProbeletRun;

class SimulateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("probelet-simulate-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  // `probelet simulate ARGS...` from the source directory.
  static SimRun Simulate(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"simulate"};
    all.insert(all.end(), args.begin(), args.end());
    return probelet::testing::RunProbelet(all);
  }
  fs::path dir_;
};

const std::vector<std::string> kSlowStart = {"examples/simulate/slow-start.yaml", "--scenario",
                                             "examples/simulate/slow-start.scenario.yaml"};

std::vector<std::string> With(std::vector<std::string> base, std::vector<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

TEST_F(SimulateCliTest, SlowStartExampleIsKilledByLivenessAndLoops) {
  SimRun r = Simulate(With(kSlowStart, {"--duration", "10m"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("T+00:00.000  Started    default/slow-start/web  Started "
                               "container web\n"));
  EXPECT_THAT(r.out, HasSubstr("Killing    default/slow-start/web  Container web failed "
                               "liveness probe, will be restarted\n"));
  EXPECT_THAT(r.out, HasSubstr("Liveness probe failed: Get \"http://127.0.0.1:8080/\": dial tcp "
                               "127.0.0.1:8080: connect: connection refused\n"));
  EXPECT_THAT(r.out, HasSubstr("default/slow-start   7          never         0.0%    10m0s    "
                               "           CrashLoopBackOff (web)\n"));
}

TEST_F(SimulateCliTest, FlakyExampleRunsHours) {
  SimRun r = Simulate({"examples/simulate/flaky.yaml", "--scenario",
                       "examples/simulate/flaky.scenario.yaml", "--duration", "3h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("T+00:00:08.307  Ready      default/flaky  pod Ready=True\n"));
  EXPECT_THAT(r.out, HasSubstr("context deadline exceeded (Client.Timeout exceeded while "
                               "awaiting headers)"));
  EXPECT_THAT(r.out, HasSubstr("simulated 3h0m0s, "));
}

TEST_F(SimulateCliTest, JsonIsTheSameRunAsData) {
  SimRun text = Simulate(With(kSlowStart, {"--duration", "5m"}));
  SimRun r = Simulate(With(kSlowStart, {"--duration", "5m", "-o", "json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["durationSeconds"], 300.0);
  EXPECT_EQ(j["seed"], 1);
  ASSERT_EQ(j["pods"].size(), 1u);
  EXPECT_EQ(j["pods"][0]["pod"], "default/slow-start");
  EXPECT_TRUE(j["pods"][0]["firstReadySeconds"].is_null());
  size_t lines = 0;
  for (char c : text.out) lines += c == '\n';
  // The text is the timeline, a blank line, the table (header and one row), the totals line.
  EXPECT_EQ(j["timeline"].size(), lines - 4);
  bool killed = false;
  for (const auto& e : j["timeline"]) killed = killed || e["reason"] == "Killing";
  EXPECT_TRUE(killed);
}

TEST_F(SimulateCliTest, SameSeedSameOutputAndTheSeedMoves) {
  SimRun a = Simulate(With(kSlowStart, {"--duration", "5m"}));
  SimRun b = Simulate(With(kSlowStart, {"--duration", "5m", "--seed", "1"}));
  SimRun c = Simulate(With(kSlowStart, {"--duration", "5m", "--seed", "2"}));
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
}

TEST_F(SimulateCliTest, NoTimelinePrintsOnlyTheSummary) {
  SimRun r = Simulate(With(kSlowStart, {"--no-timeline"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("POD ", 0), 0u) << r.out;
}

TEST_F(SimulateCliTest, BadScenarioNamesTheFieldAndExitsOne) {
  std::string s = Write("bad.yaml", "containers:\n  web:\n    liveness: {fail: [{from: 1m}]}\n");
  SimRun r = Simulate({"examples/simulate/slow-start.yaml", "--scenario", s});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, s + ": containers.web.liveness.fail[0].for: required\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(SimulateCliTest, ScenarioForAnotherPodExitsOne) {
  std::string s = Write("other.yaml", "containers: {db: {startupSeconds: 3}}\n");
  SimRun r = Simulate({"examples/simulate/slow-start.yaml", "--scenario", s});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "probelet simulate: scenario: containers.db: no container \"db\" in the manifest\n");
}

TEST_F(SimulateCliTest, BadArgumentsAndUnreadableFilesExitTwo) {
  EXPECT_EQ(Simulate({"examples/simulate/slow-start.yaml"}).exit_code, 2);  // no --scenario
  SimRun d = Simulate(With(kSlowStart, {"--duration", "soon"}));
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_THAT(d.err, HasSubstr("--duration: time: invalid duration \"soon\""));
  EXPECT_EQ(Simulate(With(kSlowStart, {"-o", "yaml"})).exit_code, 2);
  EXPECT_EQ(Simulate({"examples/simulate/slow-start.yaml", "--scenario", "/nonexistent"}).exit_code,
            2);
  EXPECT_EQ(
      Simulate({"/nonexistent.yaml", "--scenario", "examples/simulate/slow-start.scenario.yaml"})
          .exit_code,
      2);
}

TEST_F(SimulateCliTest, InvalidManifestIsReportedAsValidateDoesAndExitsOne) {
  std::string pod = Write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n");
  SimRun r = Simulate({pod, "--scenario", "examples/simulate/slow-start.scenario.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("spec.containers: Required value"));
  EXPECT_THAT(r.err, HasSubstr("probelet simulate: invalid manifests: nothing simulated\n"));
}

}  // namespace
