// ExitWatch against real processes: the exit is told on the loop, never from the constructor,
// never after the watch is destroyed, and the process is left unreaped for its owner.
#include "base/exit_watch.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "base/process.h"
#include "base/testing/process_wait.h"
#include "gtest/gtest.h"

namespace probelet::base {
namespace {

using ::probelet::base::testing::EndsWithin;

TEST(ExitWatchTest, ExitIsToldOnTheLoopAndTheProcessIsLeftForItsOwnerToReap) {
  boost::asio::io_context io;
  auto child = ChildProcess::Spawn({.argv = {"sh", "-c", "exit 3"}});
  ASSERT_TRUE(child.ok()) << child.error().message;
  bool exited = false;
  ExitWatch watch(io, child->pidfd(), [&] {
    exited = true;
    io.stop();
  });
  EXPECT_FALSE(exited) << "never called from inside the constructor";
  io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(exited);
  EXPECT_TRUE(child->HasExited());
  EXPECT_FALSE(child->reaped()) << "a zombie until its owner reaps it";
  std::optional<int> status = child->TryReap();
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 3);
}

TEST(ExitWatchTest, DestroyedWatchNeverCalls) {
  boost::asio::io_context io;
  auto child = ChildProcess::Spawn({.argv = {"true"}});
  ASSERT_TRUE(child.ok());
  bool called = false;
  {
    ExitWatch watch(io, child->pidfd(), [&] { called = true; });
    ASSERT_TRUE(EndsWithin(child->pid(), 5000));
  }
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(called);
  EXPECT_EQ(WEXITSTATUS(child->KillAndReap()), 0);
}

TEST(ExitWatchTest, CallbackMayDestroyTheChildAndTheWatch) {
  boost::asio::io_context io;
  auto child = std::make_unique<ChildProcess>(ChildProcess::Spawn({.argv = {"true"}}).value());
  std::unique_ptr<ExitWatch> watch;
  bool called = false;
  watch = std::make_unique<ExitWatch>(io, child->pidfd(), [&] {
    called = true;
    child.reset();  // closes the pidfd (the watch holds its own duplicate)
    watch.reset();
  });
  io.run_for(std::chrono::seconds(10));
  EXPECT_TRUE(called);
  EXPECT_EQ(child, nullptr);
  EXPECT_EQ(watch, nullptr);
}

}  // namespace
}  // namespace probelet::base
