// `probelet lint` on the real binary (issue 15 §1): exit 0 with no warning, 1 with one, 2 for
// unreadable input or bad arguments; the FILE:LINE: NS/POD/CONTAINER: CODE SEVERITY: message
// lines; -o json; and no warning on the repository's examples.
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

using probelet::testing::ProbeletRun;

// `probelet lint ARGS...` from the source directory.
ProbeletRun Lint(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"lint"};
  all.insert(all.end(), args.begin(), args.end());
  return probelet::testing::RunProbelet(all);
}

class LintCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("probelet-lint-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

constexpr const char* kWarned = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    command: [sleep, "1000"]
    ports: [{containerPort: 8080}]
    livenessProbe:
      httpGet: {path: /alive, port: 8080}
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
      failureThreshold: 5
)";

TEST_F(LintCliTest, ExamplesHaveNoWarning) {
  ProbeletRun r = Lint({"examples/", "examples/demo/"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("pod(s) linted: 0 error(s), 0 warning(s), 0 info(s)"));
}

TEST_F(LintCliTest, WarningExitsOneWithTheLineOfTheProbe) {
  std::string file = Write("web.yaml", kWarned);
  ProbeletRun r = Lint({file});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, file +
                       ":10: default/web/app: PL002 warning: liveness fails after 3 x 10s = 30s "
                       "but readiness only after 5 x 10s = 50s: the container is restarted "
                       "before it is taken out of traffic\n");
  EXPECT_EQ(r.err, "1 pod(s) linted: 0 error(s), 1 warning(s), 0 info(s)\n");
}

TEST_F(LintCliTest, DisabledOrAnnotatedIsClean) {
  std::string file = Write("web.yaml", kWarned);
  EXPECT_EQ(Lint({"--disable", "PL002,PL004", file}).exit_code, 0);
  std::string annotated = kWarned;
  annotated.replace(annotated.find("spec:"), 0,
                    "  annotations: {probelet.dev/lint-disable: PL002}\n");
  ProbeletRun r = Lint({Write("annotated.yaml", annotated)});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "");
}

TEST_F(LintCliTest, Json) {
  std::string file = Write("web.yaml", kWarned);
  ProbeletRun r = Lint({"-o", "json", file});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["code"], "PL002");
  EXPECT_EQ(j["findings"][0]["line"], 10);
  EXPECT_EQ(j["findings"][0]["field"], "spec.containers[0].livenessProbe");
  EXPECT_EQ(j["summary"]["warnings"], 1);
}

TEST_F(LintCliTest, ValidationErrorsAsValidatePrintsThem) {
  std::string file = Write("bad.yaml", std::string(kWarned) + "    restartPolicy: Sometimes\n");
  ProbeletRun lint = Lint({file});
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_THAT(lint.out, HasSubstr(file + ": pod \"web\": spec.containers[0].restartPolicy"));
  EXPECT_THAT(lint.out, ::testing::Not(HasSubstr("PL002")));  // that pod is not linted
}

TEST_F(LintCliTest, UnreadableInputAndBadArgumentsExitTwo) {
  ProbeletRun missing = Lint({(dir_ / "missing.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("cannot read"));
  ProbeletRun unknown = Lint({"--disable", "PL999", "examples/"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown code \"PL999\""));
  EXPECT_EQ(Lint({}).exit_code, 2);
  EXPECT_EQ(Lint({"-o", "yaml", "examples/"}).exit_code, 2);
  ProbeletRun help = Lint({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: probelet lint FILE_OR_DIR..."));
  EXPECT_THAT(help.out, HasSubstr("PL004 warning"));
}

}  // namespace
