// The local CommandRunner (`probelet probe exec`, over base::CapturedCommand) against real
// processes: argv unchanged (T21), output capture and limits (T23), exit codes, timeouts that kill
// the whole group, grandchildren holding the pipe, and no zombie or fd left behind after 1,000
// timed-out probes.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "base/testing/process_wait.h"
#include "base/virtual_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "probe/probers.h"

namespace probelet::probe {
namespace {

using ::probelet::base::testing::EndsWithin;

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::vector<pid_t> Children();

struct RunResult {
  ExecResult result;
  base::Duration elapsed{};
  bool called = false;
};

class LocalRunnerTest : public ::testing::Test {
 protected:
  RunResult RunOne(const std::vector<std::string>& argv, base::Duration timeout) {
    RunResult run;
    auto start = clock_.Now();
    runner_->Run(argv, timeout, [&](ExecResult r) {
      run.result = std::move(r);
      run.called = true;
      run.elapsed = clock_.Now() - start;
    });
    EXPECT_FALSE(run.called) << "never called back from inside Run";
    io_.restart();
    while (!run.called && clock_.Now() - start < timeout + 10s) io_.run_one_for(1s);
    EXPECT_TRUE(run.called);
    return run;
  }

  // Runs the loop until every child has been reaped (a timed-out command is reaped once its
  // SIGKILL has taken it, a moment after its result), or 10 s.
  void Settle() {
    auto end = clock_.Now() + 10s;
    io_.restart();
    while (!Children().empty() && clock_.Now() < end) io_.run_one_for(10ms);
  }

  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  std::unique_ptr<CommandRunner> runner_ = NewLocalCommandRunner(io_, clock_);
};

// Our children (and zombies) according to /proc: every process whose parent is this one.
std::vector<pid_t> Children() {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state;
    int ppid;
    if (sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == ::getpid()) {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

std::chrono::milliseconds::rep Ms(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::vector<std::string> OpenFds() {
  std::vector<std::string> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    fds.push_back(e.path().filename().string() + " -> " +
                  std::filesystem::read_symlink(e.path(), ec).string());
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

TEST_F(LocalRunnerTest, ExitZeroWithOutput) {
  RunResult run = RunOne({"echo", "OK"}, 5s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kExited);
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.output, "OK\n");
}

TEST_F(LocalRunnerTest, T21_ArgvReachesTheCommandUnchangedWithoutAShell) {
  RunResult run =
      RunOne({"/usr/bin/printf", "%s|", "/bin/bash", "-c", "some script", "$(A) $B", "*"}, 5s);
  EXPECT_EQ(run.result.output, "/bin/bash|-c|some script|$(A) $B|*|");
}

TEST_F(LocalRunnerTest, NonZeroExitKeepsCodeAndOutput) {
  RunResult run = RunOne({"sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kExited);
  EXPECT_EQ(run.result.exit_code, 3);
  EXPECT_EQ(run.result.output, "out\nerr\n");
  Outcome o = ExecOutcome({"sh"}, 5s, run.result);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "out\nerr\n");
}

TEST_F(LocalRunnerTest, KilledBySignalIs128PlusSignal) {
  RunResult run = RunOne({"sh", "-c", "kill -9 $$"}, 5s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kExited);
  EXPECT_EQ(run.result.exit_code, 128 + SIGKILL);
}

TEST_F(LocalRunnerTest, T23_StdoutThenStderrNotInterleaved) {
  RunResult run = RunOne({"sh", "-c", "echo e1 >&2; echo o1; echo e2 >&2; echo o2"}, 5s);
  EXPECT_EQ(run.result.output, "o1\no2\ne1\ne2\n");
}

TEST_F(LocalRunnerTest, T23_OutputIsCutAt10KiBTotal) {
  RunResult run = RunOne({"sh", "-c", "head -c 11264 /dev/zero | tr '\\0' a"}, 5s);
  EXPECT_EQ(run.result.output, std::string(10240, 'a'));
  run = RunOne(
      {"sh", "-c", "head -c 8000 /dev/zero | tr '\\0' o; head -c 8000 /dev/zero | tr '\\0' e >&2"},
      5s);
  EXPECT_EQ(run.result.output, std::string(8000, 'o') + std::string(2240, 'e'));
}

TEST_F(LocalRunnerTest, T23_HugeOutputIsDrainedAndDropped) {
  // 64 MiB on both streams: a runner that stopped reading would block the command forever.
  RunResult run =
      RunOne({"sh", "-c", "head -c 67108864 /dev/zero; head -c 67108864 /dev/zero >&2"}, 30s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kExited);
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.output, std::string(10240, '\0'));
}

TEST_F(LocalRunnerTest, MissingCommandIsAnErrorNamingIt) {
  RunResult run = RunOne({"probelet-no-such-command", "x"}, 5s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kError);
  EXPECT_THAT(run.result.error, HasSubstr("\"probelet-no-such-command\""));
  Outcome o = ExecOutcome({"probelet-no-such-command", "x"}, 5s, run.result);
  EXPECT_EQ(o.result, Result::kUnknown);
  ASSERT_TRUE(o.error);
  EXPECT_THAT(*o.error, HasSubstr("probelet-no-such-command"));
}

TEST_F(LocalRunnerTest, NotExecutableIsAnErrorNamingIt) {
  std::string path = ::testing::TempDir() + "probelet-exec-not-executable";
  { std::ofstream(path) << "#!/bin/sh\n"; }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  RunResult run = RunOne({path}, 5s);
  std::filesystem::remove(path);
  EXPECT_EQ(run.result.status, ExecResult::Status::kError);
  EXPECT_THAT(run.result.error, HasSubstr(path));
  EXPECT_THAT(run.result.error, HasSubstr(": permission denied"));
}

// The upper bounds on `elapsed` below tell "ends at its timeout" from "waits for the 30 s
// child" with room for a loaded machine (CI runs tests in parallel, ASan makes them slower);
// how fast the runner is belongs in bench/, not here.
constexpr base::Duration kSlack = 1500ms;

TEST_F(LocalRunnerTest, TimeoutKillsAProcessThatIgnoresSigterm) {
  RunResult run = RunOne({"sh", "-c", "trap '' TERM; echo started; sleep 30"}, 300ms);
  EXPECT_EQ(run.result.status, ExecResult::Status::kTimedOut);
  EXPECT_GE(run.elapsed, 300ms);
  EXPECT_LT(run.elapsed, 300ms + kSlack) << Ms(run.elapsed) << " ms";
  EXPECT_EQ(ExecOutcome({"sh", "-c", "x"}, 300ms, run.result).output,
            "command timed out: \"sh -c x\" timed out after 300ms");
  Settle();
  EXPECT_TRUE(Children().empty());
}

TEST_F(LocalRunnerTest, GrandchildHoldingThePipeEndsAtTheTimeoutAndIsKilled) {
  // The shell exits at once; its background child keeps stdout open (containerd would wait
  // for it without limit, §5.2.2). The probe must end at its timeout, the group killed.
  // The timeout leaves a loaded machine time to run the shell up to its `echo`.
  RunResult run = RunOne({"sh", "-c", "sleep 30 & echo $!; exit 0"}, 1s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kTimedOut);
  EXPECT_GE(run.elapsed, 1s);
  EXPECT_LT(run.elapsed, 1s + kSlack) << Ms(run.elapsed) << " ms";
  ASSERT_THAT(run.result.output, ::testing::MatchesRegex("[0-9]+\n"));
  pid_t grandchild = std::stoi(run.result.output);
  EXPECT_TRUE(EndsWithin(grandchild, 2000)) << "grandchild " << grandchild << " survived";
}

TEST_F(LocalRunnerTest, GrandchildThatLeftTheGroupStillCannotHoldTheProbe) {
  RunResult run = RunOne({"sh", "-c", "setsid sleep 30 & echo $!; exit 0"}, 1s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kTimedOut);
  EXPECT_LT(run.elapsed, 1s + kSlack) << Ms(run.elapsed) << " ms";
  ASSERT_THAT(run.result.output, ::testing::MatchesRegex("[0-9]+\n"));
  ::kill(std::stoi(run.result.output), SIGKILL);  // escaped the group: ours to clean up
}

TEST_F(LocalRunnerTest, BackgroundChildWithClosedOutputDoesNotHoldTheProbe) {
  RunResult run = RunOne({"sh", "-c", "sleep 30 >/dev/null 2>&1 & echo done"}, 30s);
  EXPECT_EQ(run.result.status, ExecResult::Status::kExited);
  EXPECT_EQ(run.result.output, "done\n");
  EXPECT_LT(run.elapsed, 5s) << Ms(run.elapsed) << " ms: waited for the background child?";
}

TEST_F(LocalRunnerTest, ThousandTimedOutProbesLeaveNoZombieAndNoFd) {
  RunOne({"true"}, 5s);  // warm up lazily created fds (epoll, eventfd)
  auto fds_before = OpenFds();
  int timed_out = 0;
  for (int i = 0; i < 1000; ++i) {
    RunResult run = RunOne({"sleep", "30"}, 2ms);
    timed_out += run.result.status == ExecResult::Status::kTimedOut;
  }
  EXPECT_EQ(timed_out, 1000);
  Settle();
  EXPECT_TRUE(Children().empty()) << Children().size() << " children left";
  EXPECT_EQ(OpenFds(), fds_before);
  RecordProperty("open_fds_before", static_cast<int>(fds_before.size()));
  RecordProperty("open_fds_after", static_cast<int>(OpenFds().size()));
}

TEST_F(LocalRunnerTest, DestroyingTheRunnerCancelsWithoutCallingAndKillsTheChild) {
  bool called = false;
  runner_->Run({"sleep", "30"}, 10s, [&](ExecResult) { called = true; });
  runner_->Run({"probelet-no-such-command"}, 10s, [&](ExecResult) { called = true; });
  EXPECT_EQ(Children().size(), 1u);
  runner_.reset();
  io_.run_for(50ms);
  EXPECT_FALSE(called);
  EXPECT_TRUE(Children().empty());
}

TEST_F(LocalRunnerTest, ConcurrentCommandsCompleteIndependently) {
  std::vector<std::optional<ExecResult>> results(20);
  for (int i = 0; i < 20; ++i) {
    runner_->Run({"sh", "-c", "echo " + std::to_string(i) + "; exit " + std::to_string(i % 2)}, 5s,
                 [&results, i](ExecResult r) { results[i] = std::move(r); });
  }
  io_.run_for(30s);  // returns as soon as all 20 are done
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(results[i]) << i;
    EXPECT_EQ(results[i]->output, std::to_string(i) + "\n");
    EXPECT_EQ(results[i]->exit_code, i % 2);
  }
}

// Point 3 of issue 9: the runner takes the clock it is given, so its timeout is tested on
// virtual time: the result comes at exactly the timeout, not a tick before.
TEST(LocalRunnerVirtualClockTest, TimeoutIsExactlyTheTimeoutOnTheGivenClock) {
  boost::asio::io_context io;
  base::VirtualClock clock;
  auto runner = NewLocalCommandRunner(io, clock);
  std::optional<ExecResult> result;
  runner->Run({"sleep", "30"}, 1s, [&](ExecResult r) { result = std::move(r); });
  io.run_for(20ms);  // real time passes; virtual time does not
  clock.Advance(999ms);
  io.run_for(20ms);
  EXPECT_FALSE(result) << "called before the timeout";
  clock.Advance(1ms);
  io.run_for(20ms);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, ExecResult::Status::kTimedOut);
  EXPECT_EQ(ExecOutcome({"sleep", "30"}, 1s, *result).output,
            "command timed out: \"sleep 30\" timed out after 1s");
}

}  // namespace
}  // namespace probelet::probe
