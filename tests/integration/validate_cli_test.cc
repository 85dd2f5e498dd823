// `probelet validate` on the real binary (issue #3 §6): one line per problem prefixed by the
// file and the pod, exit 0 valid (warnings allowed), 1 on any error, 2 when a file cannot be
// read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs the probelet binary with `args`, `input` on stdin, and returns its exit code and output.
// Bounded: a run longer than 30 s is killed and fails the test.
RunResult RunProbelet(const std::vector<std::string>& args, const std::string& input = "") {
  int in[2], out[2], err[2];
  EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> argv;
    std::string binary = PROBELET_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!input.empty()) {
    EXPECT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  }
  ::close(in[1]);
  RunResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << "probelet did not finish in 30 s";
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, n);
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
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
