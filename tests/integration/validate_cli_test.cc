// `probelet validate` on the real binary (issue #3 §6): one line per problem prefixed by the
// file and the pod, exit 0 valid (warnings allowed), 1 on any error, 2 when a file cannot be
// read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/testing/probelet_command.h"

namespace {

using RunResult = probelet::testing::ProbeletRun;

RunResult RunProbelet(const std::vector<std::string>& args, const std::string& input = "") {
  return probelet::testing::RunProbelet(args, {.input = input});
}

std::string Source(const std::string& rel) { return std::string(PROBELET_SOURCE_DIR) + "/" + rel; }

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "probelet-validate-XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    ::close(fd);
    path_ = tmpl + ".yaml";
    std::filesystem::rename(tmpl, path_);
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ValidateCliTest, ExamplesAreValidExitZero) {
  RunResult r = RunProbelet({"validate", Source("examples")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error(s)"), std::string::npos);
}

TEST(ValidateCliTest, ErrorsOnePerLinePrefixedByFileAndPodExitOne) {
  std::string file = Source("tests/api/testdata/invalid_probes.yaml");
  RunResult r = RunProbelet({"validate", file});
  EXPECT_EQ(r.exit_code, 1);
  std::string p = file + ": pod \"invalid\": ";
  EXPECT_EQ(r.out,
            p + "warning: unknown field \"spec.containers[0].livenesProbe\"\n" + p +
                "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1\n" +
                p +
                "spec.containers[0].readinessProbe: Required value: must specify a handler "
                "type\n" +
                p + "spec.containers[1].name: Duplicate value: \"web\"\n");
  EXPECT_EQ(r.err, "0 pod(s) valid, 3 error(s), 1 warning(s)\n");
}

TEST(ValidateCliTest, WarningsAloneExitZero) {
  TempFile f(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  containers:\n"
      "  - name: a\n    command: [sleep, \"1\"]\n    livenesProbe: {}\n");
  RunResult r = RunProbelet({"validate", f.path()});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            f.path() + ": pod \"w\": warning: unknown field \"spec.containers[0].livenesProbe\"\n");
}

TEST(ValidateCliTest, UnreadableFileExitTwoEvenWithOtherErrors) {
  RunResult r = RunProbelet(
      {"validate", Source("tests/api/testdata/deployment.yaml"), "/nonexistent/pod.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("/nonexistent/pod.yaml: cannot read: No such file or directory\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("Deployment \"web\": probelet runs only Pods; take the pod template at "
                       ".spec.template"),
            std::string::npos);
}

TEST(ValidateCliTest, StandardInput) {
  RunResult r = RunProbelet({"validate", "-"},
                            "apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n"
                            "  containers: [{name: a}]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "-: pod \"s\": spec.containers[0].command: Required value: probelet runs the command "
            "directly and has no image entrypoint to fall back on: set command (and args)\n");
}

TEST(ValidateCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunProbelet({"validate"}).exit_code, 2);
  EXPECT_EQ(RunProbelet({"validate", "--bogus"}).exit_code, 2);
  RunResult help = RunProbelet({"validate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: probelet validate FILE_OR_DIR..."), std::string::npos);
}

}  // namespace
