// Issue 13 point 2: every child and every orphan re-parented to the runtime (it makes the
// process a subreaper) is reaped promptly after its exit, without waiting for a probe's turn,
// while an exec's own leader stays a zombie until its process group has been killed. The target
// of issue 13 is 100 ms; the tests allow kReapBound, which a
// reaping tied to probe turns (a period, 1 s and more) still exceeds, so that a busy CI machine
// (ASan, two cores shared) does not fail them on scheduling delay alone.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/asio_clock.h"
#include "gtest/gtest.h"
#include "runtime/process_runtime.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime {
namespace {

constexpr auto kReapBound = std::chrono::milliseconds(500);

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using testing::CountOpenFds;
using testing::CountZombieChildren;
using testing::RunUntil;

// A /proc file's text, or "" when it cannot be read: the process may be reaped between the open
// and the read (ESRCH), which would make an ifstream throw.
std::string ReadProc(const std::string& path) {
  std::string text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

// This process's children, from every thread's children list.
std::vector<pid_t> Children() {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc/self/task");
  while (dirent* e = d != nullptr ? ::readdir(d) : nullptr) {
    if (e->d_name[0] == '.') continue;
    std::istringstream in(ReadProc(std::string("/proc/self/task/") + e->d_name + "/children"));
    for (pid_t p; in >> p;) out.push_back(p);
  }
  if (d != nullptr) ::closedir(d);
  return out;
}

// Samples this process's zombie children every few milliseconds on its own thread and keeps,
// for each, how long it was seen a zombie and whether it led its process group.
class ZombieWatch {
 public:
  struct Zombie {
    Steady::time_point first, last;
    bool leader = false;
  };
  ZombieWatch() : thread_([this] { Run(); }) {}
  ~ZombieWatch() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<pid_t, Zombie> zombies() {
    std::lock_guard lock(mu_);
    return zombies_;
  }

 private:
  void Run() {
    while (!stop_) {
      auto now = Steady::now();
      for (pid_t p : Children()) {
        std::string text = ReadProc("/proc/" + std::to_string(p) + "/stat");
        size_t paren = text.rfind(')');
        if (paren == std::string::npos) continue;
        std::istringstream fields(text.substr(paren + 2));
        char state = 0;
        pid_t ppid = 0, pgrp = 0;
        fields >> state >> ppid >> pgrp;
        if (state != 'Z') continue;
        std::lock_guard lock(mu_);
        auto [it, fresh] = zombies_.try_emplace(p, Zombie{now, now, pgrp == p});
        it->second.last = now;
      }
      std::this_thread::sleep_for(3ms);
    }
  }
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<pid_t, Zombie> zombies_;
  std::thread thread_;
};

class ReapingTest : public ::testing::Test {
 protected:
  ReapingTest() {
    ProcessRuntimeOptions options;
    options.id_seed = 7;
    options.guard = false;
    rt_ = std::make_unique<ProcessRuntime>(io_, clock_, options);
  }
  std::string Start(std::vector<std::string> command) {
    ContainerConfig config;
    config.container.name = "app";
    config.container.command = std::move(command);
    config.pod = PodContext{"web-0", "shop", "uid-1", "127.0.0.1"};
    auto id = rt_->CreateContainerNow(config);
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return "";
    auto st = rt_->StartContainerNow(*id);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return *id;
  }
  void RunFor(std::chrono::milliseconds d) {
    RunUntil(
        io_, [] { return false; }, d);
  }

  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  std::unique_ptr<ProcessRuntime> rt_;
};

TEST_F(ReapingTest, OrphansOfARunningContainerAreReapedPromptly) {
  // Each subshell leaves a sleep behind and exits: the sleeps become the runtime's (subreaper)
  // and exit while the container runs on.
  std::string id = Start(
      {"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9; do (sleep 0.$$i &); done; exec sleep 1000"});
  ZombieWatch watch;
  RunFor(1500ms);
  watch.Stop();
  auto zombies = watch.zombies();
  for (const auto& [pid, z] : zombies) {
    EXPECT_LT(z.last - z.first, kReapBound) << "pid " << pid << " stayed a zombie";
  }
  EXPECT_EQ(CountZombieChildren(), 0);
  EXPECT_EQ(rt_->GetContainerStatus(id)->state, ContainerState::kRunning);
}

TEST_F(ReapingTest, TimedOutExecsWhoseGrandchildrenHoldThePipeLeaveNoZombieNorFd) {
  std::string id = Start({"/bin/sleep", "1000"});
  RunFor(50ms);
  int fds_before = CountOpenFds();
  // Probes spread in time as the prober spreads them, the loop turning in between: one every
  // 5 ms, each timing out (a background sleep holds its pipes) and leaving an orphan to reap.
  constexpr int kProbes = 200;
  constexpr auto kTimeout = 300ms;
  ZombieWatch watch;
  int started = 0, timed_out = 0, results = 0;
  auto timer = clock_.NewTimer();
  std::function<void()> next = [&] {
    rt_->ExecSync(id, {"/bin/sh", "-c", "sleep 100 & echo started"}, kTimeout,
                  [&](ExecSyncResult r) {
                    ++results;
                    if (r.status == ExecSyncResult::Status::kTimedOut) ++timed_out;
                  });
    if (++started < kProbes) timer->Arm(clock_.Now() + 5ms, next);
  };
  next();
  EXPECT_TRUE(RunUntil(
      io_, [&] { return results == kProbes && rt_->pending_work() == 0; }, 60s));
  RunFor(150ms);
  watch.Stop();
  EXPECT_EQ(timed_out, kProbes);
  for (const auto& [pid, z] : watch.zombies()) {
    if (z.leader) {
      // An exec's leader (sh, gone at once) stays a zombie until its group is killed at the
      // timeout, then goes promptly.
      EXPECT_LT(z.last - z.first, kTimeout + kReapBound) << "leader " << pid;
    } else {
      EXPECT_LT(z.last - z.first, kReapBound) << "orphan " << pid << " stayed a zombie";
    }
  }
  EXPECT_EQ(CountZombieChildren(), 0);
  EXPECT_EQ(CountOpenFds(), fds_before);
}

TEST_F(ReapingTest, AnExecsLeaderIsNotReapedBeforeItsGroupIsKilled) {
  std::string id = Start({"/bin/sleep", "1000"});
  std::optional<ExecSyncResult> result;
  rt_->ExecSync(id, {"/bin/sh", "-c", "echo $$$$; sleep 100 & echo started"}, 1s,
                [&](ExecSyncResult r) { result = std::move(r); });
  // The leader exits at once; a sleep holds the pipes until the timeout.
  RunFor(500ms);
  ASSERT_FALSE(result.has_value());
  // The leader is still a zombie: its pid (the group id) cannot have been reused.
  bool leader_zombie = false;
  for (pid_t p : Children()) {
    std::string text = ReadProc("/proc/" + std::to_string(p) + "/stat");
    size_t paren = text.rfind(')');
    if (paren != std::string::npos && text[paren + 2] == 'Z' &&
        text.find("(sh)") != std::string::npos) {
      leader_zombie = true;
    }
  }
  EXPECT_TRUE(leader_zombie);
  ASSERT_TRUE(RunUntil(
      io_, [&] { return result.has_value() && rt_->pending_work() == 0; }, 5s));
  EXPECT_EQ(result->status, ExecSyncResult::Status::kTimedOut);
  RunFor(150ms);
  EXPECT_EQ(CountZombieChildren(), 0);
}

}  // namespace
}  // namespace probelet::runtime
