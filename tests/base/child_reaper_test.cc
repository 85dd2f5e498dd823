#include "base/child_reaper.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

#include "base/asio_clock.h"
#include "base/process.h"
#include "gtest/gtest.h"

extern char** environ;

namespace probelet::base {
namespace {

using namespace std::chrono_literals;

// A child nobody claims (posix_spawn's, as a library of the process would make).
pid_t SpawnUnclaimed(std::vector<const char*> argv) {
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(
      ::posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char**>(argv.data()), environ), 0);
  return pid;
}

bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
              std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(5ms);
  }
  return done();
}

bool Reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD; }

TEST(ChildReaperTest, ReapsAnUnclaimedChildSoonAfterItsExit) {
  boost::asio::io_context io;
  AsioClock clock(io);
  ChildReaper reaper(io, clock);
  pid_t pid = SpawnUnclaimed({"/bin/true"});
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(RunUntil(
      io, [&] { return reaper.reaped() == 1; }, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_TRUE(Reaped(pid));
}

TEST(ChildReaperTest, NeverTakesAClaimedChildAndFindsTheOrphansBehindIt) {
  boost::asio::io_context io;
  AsioClock clock(io);
  ChildReaper reaper(io, clock);
  // The claimed child exits first and stays a zombie (its owner has not reaped it): the
  // unclaimed one exits behind it.
  auto owned = ChildProcess::Spawn({.argv = {"true"}});
  ASSERT_TRUE(owned.ok());
  pid_t unclaimed = SpawnUnclaimed({"/bin/sleep", "0.05"});
  EXPECT_TRUE(RunUntil(
      io, [&] { return reaper.reaped() == 1; }, 2s));
  EXPECT_TRUE(Reaped(unclaimed));
  ASSERT_TRUE(owned->HasExited());
  auto status = owned->TryReap();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST(ChildReaperTest, ReapsWhatExitedBeforeItWasMade) {
  pid_t pid = SpawnUnclaimed({"/bin/true"});
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  boost::asio::io_context io;
  AsioClock clock(io);
  ChildReaper reaper(io, clock);
  EXPECT_EQ(reaper.reaped(), 1u);
  EXPECT_TRUE(Reaped(pid));
}

}  // namespace
}  // namespace probelet::base
