// CapturedCommand, the one engine behind `probelet probe exec` and the runtime's ExecSync,
// against real processes: output capture (stdout then stderr, cut but drained), exit codes,
// timeouts on the virtual clock (exact), commands that never exit and grandchildren that hold
// the pipes, spawn errors, Kill, and callbacks that destroy the command.
#include "base/captured_command.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "base/testing/process_wait.h"
#include "base/virtual_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probelet::base {
namespace {

using ::probelet::base::testing::EndsWithin;

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class CapturedCommandTest : public ::testing::Test {
 protected:
  // Starts argv; the result and the reap are recorded.
  void Start(std::vector<std::string> argv, Duration timeout = 10s, Clock* clock = nullptr,
             size_t max_output = 10 * 1024) {
    command_ = CapturedCommand::Start(
        io_, clock != nullptr ? *clock : clock_,
        {.spawn = {.argv = std::move(argv)}, .timeout = timeout, .max_output = max_output},
        [this](CommandResult r) {
          EXPECT_FALSE(reaped_) << "reaped before done";
          result_ = std::move(r);
        },
        [this] { reaped_ = true; });
    EXPECT_FALSE(result_) << "never called back from inside Start";
  }
  // Runs the (real) loop until the command is reaped, at most 20 s.
  void RunUntilReaped() {
    auto end = std::chrono::steady_clock::now() + 20s;
    while (!reaped_ && std::chrono::steady_clock::now() < end) io_.run_one_for(50ms);
    EXPECT_TRUE(reaped_);
  }

  boost::asio::io_context io_;
  AsioClock clock_{io_};
  std::unique_ptr<CapturedCommand> command_;
  std::optional<CommandResult> result_;
  bool reaped_ = false;
};

TEST_F(CapturedCommandTest, ExitCodeAndOutputStdoutThenStderr) {
  Start({"sh", "-c", "echo e1 >&2; echo o1; echo e2 >&2; exit 3"});
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kExited);
  EXPECT_EQ(result_->exit_code, 3);
  EXPECT_EQ(result_->output, "o1\ne1\ne2\n");
}

TEST_F(CapturedCommandTest, ExitBySignalIs128PlusTheSignal) {
  Start({"sh", "-c", "kill -TERM $$"});
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->exit_code, 128 + SIGTERM);
}

TEST_F(CapturedCommandTest, OutputIsCutAtTheCapButDrainedToTheEnd) {
  // 8 MiB on stdout: an engine that stopped reading at the cap would block the command.
  Start({"sh", "-c", "head -c 8388608 /dev/zero | tr '\\0' a; echo tail >&2"}, 30s, nullptr, 100);
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kExited);
  EXPECT_EQ(result_->exit_code, 0);
  EXPECT_EQ(result_->output, std::string(100, 'a'));
}

TEST_F(CapturedCommandTest, TimeoutComesAtExactlyTheTimeoutOnTheGivenClock) {
  VirtualClock virtual_clock;
  Start({"sleep", "30"}, 2s, &virtual_clock);
  pid_t pid = command_->pid();
  ASSERT_GT(pid, 0);
  io_.run_for(20ms);
  virtual_clock.Advance(2s - 1ns);
  io_.run_for(20ms);
  EXPECT_FALSE(result_) << "timed out early";
  virtual_clock.Advance(1ns);
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kTimedOut);
  RunUntilReaped();
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << "the leader is reaped";
}

TEST_F(CapturedCommandTest, CommandThatNeverExitsIsKilledAtTheTimeoutEvenIgnoringSigterm) {
  Start({"sh", "-c", "trap '' TERM; while :; do sleep 1; done"}, 200ms);
  pid_t pid = command_->pid();
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kTimedOut);
  EXPECT_TRUE(EndsWithin(pid, 0));
}

TEST_F(CapturedCommandTest, GrandchildHoldingThePipeHoldsOnlyUntilTheTimeoutAndIsKilled) {
  // The shell exits at once; its background child keeps stdout open.
  Start({"sh", "-c", "sleep 30 & echo $!; exit 0"}, 500ms);
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kTimedOut);
  ASSERT_THAT(result_->output, ::testing::MatchesRegex("[0-9]+\n"));
  pid_t grandchild = std::stoi(result_->output);
  EXPECT_TRUE(EndsWithin(grandchild, 5000)) << "grandchild " << grandchild << " survived";
}

TEST_F(CapturedCommandTest, BackgroundChildLeftAfterANormalExitIsKilled) {
  Start({"sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"}, 30s);
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kExited);
  pid_t background = std::stoi(result_->output);
  EXPECT_TRUE(EndsWithin(background, 5000)) << "left running: " << background;
}

TEST_F(CapturedCommandTest, SpawnErrorComesLaterAsAnErrorNamingTheCommand) {
  Start({"probelet-no-such-command"});
  EXPECT_EQ(command_->pid(), 0);
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kError);
  EXPECT_THAT(result_->error, HasSubstr("\"probelet-no-such-command\""));
}

TEST_F(CapturedCommandTest, KillEndsTheCommandAs137) {
  Start({"sleep", "30"});
  io_.run_for(20ms);
  command_->Kill();
  RunUntilReaped();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, CommandResult::Status::kExited);
  EXPECT_EQ(result_->exit_code, 137);
}

TEST_F(CapturedCommandTest, DestroyingItCancelsWithoutCallingAndKillsTheGroup) {
  Start({"sh", "-c", "sleep 30 & echo $! > /dev/null; wait"});
  pid_t pid = command_->pid();
  command_.reset();
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << "reaped, no zombie";
  io_.run_for(50ms);
  EXPECT_FALSE(result_);
  EXPECT_FALSE(reaped_);
}

TEST_F(CapturedCommandTest, DoneMayDestroyTheCommand) {
  bool called = false;
  command_ = CapturedCommand::Start(
      io_, clock_, {.spawn = {.argv = {"sleep", "30"}}, .timeout = 50ms}, [&](CommandResult) {
        called = true;
        command_.reset();  // e.g. its owner goes away
      });
  auto end = std::chrono::steady_clock::now() + 10s;
  while (!called && std::chrono::steady_clock::now() < end) io_.run_one_for(50ms);
  EXPECT_TRUE(called);
  EXPECT_EQ(command_, nullptr);
}

}  // namespace
}  // namespace probelet::base
