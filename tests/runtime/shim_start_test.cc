// Starts in shim mode read the shim's report on the loop (issue 13 point 4): two starts overlap
// instead of running one after the other, the loop keeps turning while a shim is slow to report,
// a shim that exits without a report fails the start (StartError, no exit handler), and a stop
// asked for while a container starts is carried out once it runs. The shim is the real
// probelet-shim behind a wrapper script that delays it or replaces it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "base/asio_clock.h"
#include "runtime/process_runtime.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime {
namespace {

using namespace std::chrono_literals;
using testing::RunUntil;
using testing::TempDir;

class ShimStartTest : public ::testing::Test {
 protected:
  ~ShimStartTest() override {
    rt_.reset();  // kills what is left (not detached); its shims exit and are reaped here
    for (int i = 0; i < 200; ++i) {
      pid_t r = ::waitpid(-1, nullptr, WNOHANG);
      if (r < 0 && errno == ECHILD) break;
      if (r == 0) std::this_thread::sleep_for(10ms);
    }
  }
  // A runtime whose shim is `script` (a shell script; "$@" holds the real shim's arguments).
  void Make(const std::string& script, size_t max_concurrent_starts = 16,
            base::Duration report_timeout = std::chrono::seconds(10)) {
    std::string shim = dir_ / "shim.sh";
    {
      std::ofstream f(shim);
      f << "#!/bin/sh\n" << script << "\n";
    }
    ::chmod(shim.c_str(), 0755);
    ProcessRuntimeOptions options;
    options.use_cgroups = false;
    options.state_dir = dir_ / "state";
    options.shim_path = shim;
    options.max_concurrent_starts = max_concurrent_starts;
    options.shim_report_timeout = report_timeout;
    rt_ = std::make_unique<ProcessRuntime>(io_, clock_, options);
    rt_->SetExitHandler([this](const ContainerStatus& s) { exits_.push_back(s); });
  }
  std::string Create(const std::string& name) {
    ContainerConfig config;
    config.container.name = name;
    config.container.command = {"/bin/sh", "-c",
                                "trap 'exit 0' TERM; while :; do sleep 0.05; done"};
    config.pod = PodContext{"web-0", "shop", "uid-1", "127.0.0.1"};
    config.log_directory = dir_ / ("pods/" + name);
    auto id = rt_->CreateContainerNow(config);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : "";
  }
  std::string Delayed(const char* seconds) {
    return std::string("sleep ") + seconds + "; exec " + PROBELET_SHIM_BINARY + " \"$@\"";
  }

  TempDir dir_;
  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  std::unique_ptr<ProcessRuntime> rt_;
  std::vector<ContainerStatus> exits_;
};

TEST_F(ShimStartTest, TwoStartsOverlap) {
  Make(Delayed("0.4"));
  std::string a = Create("a"), b = Create("b");
  std::vector<base::Status> done;
  auto begin = std::chrono::steady_clock::now();
  rt_->StartContainer(a, [&](base::Status s) { done.push_back(s); });
  rt_->StartContainer(b, [&](base::Status s) { done.push_back(s); });
  // The calls return at once: the reports are read on the loop.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 300ms);
  ASSERT_TRUE(RunUntil(
      io_, [&] { return done.size() == 2; }, 10s));
  // One after the other would take at least 0.8 s.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 750ms);
  for (const auto& s : done) EXPECT_TRUE(s.ok()) << s.error().message;
  for (const auto& id : {a, b}) {
    auto st = rt_->GetContainerStatus(id);
    EXPECT_EQ(st->state, ContainerState::kRunning);
    EXPECT_GT(st->pid, 0);
    // Checkpointed once running, so that a later probelet can adopt it.
    EXPECT_TRUE(std::filesystem::exists(
        dir_ / ("state/containers/" + id.substr(std::string("probelet://").size()) + "/record")));
  }
}

TEST_F(ShimStartTest, StartsBeyondTheLimitWaitTheirTurn) {
  // Each shim marks itself in `running/` for its 0.3 s and notes how many marks it saw.
  const std::string running = dir_ / "running";
  std::filesystem::create_directories(running);
  Make("echo \"$1\" >> " + std::string(dir_ / "launched") + "; touch " + running + "/$$; ls " +
           running + " | wc -l >> " + std::string(dir_ / "seen") + "; sleep 0.3; rm " + running +
           "/$$; exec " + PROBELET_SHIM_BINARY + " \"$@\"",
       /*max_concurrent_starts=*/2);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Create("c" + std::to_string(i)));
  std::vector<std::string> order;
  auto begin = std::chrono::steady_clock::now();
  for (const auto& id : ids) {
    rt_->StartContainer(id, [&, id](base::Status s) {
      EXPECT_TRUE(s.ok()) << s.error().message;
      order.push_back(id);
    });
  }
  ASSERT_TRUE(RunUntil(
      io_, [&] { return order.size() == ids.size(); }, 20s));
  // Three rounds of at most two (all five at once would take 0.3 s).
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
  std::ifstream seen(dir_ / "seen");
  int count = 0, most = 0, lines = 0;
  while (seen >> count) {
    most = std::max(most, count);
    ++lines;
  }
  EXPECT_EQ(lines, 5);
  EXPECT_LE(most, 2);
  // Queued starts launch in the order they were asked for: the first two at once, the last
  // only after two shims have reported (each launch is 0.3 s after the one it waited for).
  std::vector<std::string> launched;
  std::ifstream launched_file(dir_ / "launched");
  for (std::string line; std::getline(launched_file, line);) {
    launched.push_back("probelet://" + std::filesystem::path(line).filename().string());
  }
  ASSERT_EQ(launched.size(), ids.size());
  EXPECT_EQ(std::set<std::string>(launched.begin(), launched.begin() + 2),
            std::set<std::string>(ids.begin(), ids.begin() + 2));
  EXPECT_EQ(launched.back(), ids[4]);
  for (const auto& id : ids)
    EXPECT_EQ(rt_->GetContainerStatus(id)->state, ContainerState::kRunning);
}

TEST_F(ShimStartTest, AReportUnreadWhenTheTimeoutFiresCounts) {
  // The loop is blocked while the report timeout (0.2 s) expires and then the shim reports
  // (0.3 s): the loop finds both ready, the timeout first. The start succeeds, as a busy loop
  // is not a late shim.
  Make(Delayed("0.3"), 16, 200ms);
  std::string id = Create("busy");
  std::optional<base::Status> started;
  rt_->StartContainer(id, [&](base::Status s) { started = s; });
  boost::asio::post(io_, [] { std::this_thread::sleep_for(700ms); });
  ASSERT_TRUE(RunUntil(
      io_, [&] { return started.has_value(); }, 10s));
  EXPECT_TRUE(started->ok()) << started->error().message;
  EXPECT_EQ(rt_->GetContainerStatus(id)->state, ContainerState::kRunning);
}

TEST_F(ShimStartTest, TheSynchronousStartHonoursTheReportTimeout) {
  // StartContainerNow waits for the report itself: with the same timeout as the loop's starts.
  Make(Delayed("5"), 16, 300ms);
  std::string id = Create("slow");
  const auto t0 = std::chrono::steady_clock::now();
  base::Status st = rt_->StartContainerNow(id);
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "probelet-shim did not report within 300ms");
  EXPECT_LT(waited, 3s);
}

TEST_F(ShimStartTest, TheLoopTurnsWhileAShimIsLateToReport) {
  Make(Delayed("0.6"));
  std::string id = Create("late");
  std::optional<base::Status> started;
  int ticks = 0;
  auto timer = clock_.NewTimer();
  std::function<void()> tick = [&] {
    ++ticks;
    if (!started) timer->Arm(clock_.Now() + 50ms, tick);
  };
  timer->Arm(clock_.Now() + 50ms, tick);
  rt_->StartContainer(id, [&](base::Status s) { started = s; });
  EXPECT_EQ(rt_->GetContainerStatus(id)->state, ContainerState::kCreated);
  // Not startable twice, nor removable, while it starts.
  std::optional<base::Status> again;
  rt_->StartContainer(id, [&](base::Status s) { again = s; });
  EXPECT_FALSE(rt_->RemoveContainer(id).ok());
  ASSERT_TRUE(RunUntil(
      io_, [&] { return started.has_value(); }, 10s));
  ASSERT_TRUE(started->ok()) << started->error().message;
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->ok());
  EXPECT_GE(ticks, 5) << "the loop was blocked while the shim was late";
  EXPECT_EQ(rt_->GetContainerStatus(id)->state, ContainerState::kRunning);
}

TEST_F(ShimStartTest, AShimThatExitsWithoutReportingFailsTheStart) {
  Make("exit 0");
  std::string id = Create("mute");
  std::optional<base::Status> started;
  rt_->StartContainer(id, [&](base::Status s) { started = s; });
  ASSERT_TRUE(RunUntil(
      io_, [&] { return started.has_value(); }, 10s));
  ASSERT_FALSE(started->ok());
  EXPECT_NE(started->error().message.find("before reporting"), std::string::npos)
      << started->error().message;
  auto st = rt_->GetContainerStatus(id);
  EXPECT_EQ(st->state, ContainerState::kExited);
  EXPECT_EQ(st->reason, "StartError");
  RunUntil(
      io_, [] { return false; }, 100ms);
  EXPECT_TRUE(exits_.empty()) << "a failed start is not an exit";
  EXPECT_TRUE(rt_->RemoveContainer(id).ok());
}

TEST_F(ShimStartTest, AShimThatReportsGarbageFailsTheStart) {
  Make("echo hello; sleep 0.2");
  std::string id = Create("garbage");
  std::optional<base::Status> started;
  rt_->StartContainer(id, [&](base::Status s) { started = s; });
  ASSERT_TRUE(RunUntil(
      io_, [&] { return started.has_value(); }, 10s));
  ASSERT_FALSE(started->ok());
  EXPECT_NE(started->error().message.find("hello"), std::string::npos) << started->error().message;
  EXPECT_EQ(rt_->GetContainerStatus(id)->reason, "StartError");
}

TEST_F(ShimStartTest, AStopWhileStartingIsCarriedOutOnceItRuns) {
  Make(Delayed("0.3"));
  std::string id = Create("short");
  std::optional<base::Status> started, stopped;
  rt_->StartContainer(id, [&](base::Status s) { started = s; });
  auto begin = std::chrono::steady_clock::now();
  rt_->StopContainer(id, 5s, [&](base::Status s) { stopped = s; });
  ASSERT_TRUE(RunUntil(
      io_, [&] { return stopped.has_value(); }, 10s));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  ASSERT_TRUE(started.has_value());
  EXPECT_TRUE(started->ok());
  EXPECT_TRUE(stopped->ok());
  auto st = rt_->GetContainerStatus(id);
  EXPECT_EQ(st->state, ContainerState::kExited);
  // SIGTERM (0 once its trap is set, 143 before), not SIGKILL after the 5 s grace.
  EXPECT_TRUE(st->exit_code == 0 || st->exit_code == 143) << st->exit_code;
  EXPECT_EQ(exits_.size(), 1u);
}

}  // namespace
}  // namespace probelet::runtime
