// SystemdNotifier on virtual time: what reaches $NOTIFY_SOCKET, and when.
#include "cli/systemd_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "base/virtual_clock.h"

namespace probelet::cli {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Sent {
  base::MonoTime at;
  std::string state;
};

class SystemdNotifierTest : public ::testing::Test {
 protected:
  std::unique_ptr<SystemdNotifier> Make(base::Duration watchdog = 0ns) {
    SystemdNotifier::Options o;
    o.watchdog_interval = watchdog;
    return std::make_unique<SystemdNotifier>(
        clock_,
        [this](const std::string& s) {
          sent_.push_back({clock_.Now(), s});
        },
        o);
  }
  SystemdNotifier::PodTracked Tracked() {
    return [this](std::string_view uid) { return tracked_.count(std::string(uid)) != 0; };
  }
  std::vector<std::string> States() const {
    std::vector<std::string> out;
    for (const auto& s : sent_) out.push_back(s.state);
    return out;
  }
  // A pod with one container; Ready condition `ready`.
  api::Pod MakePod(const std::string& uid, bool ready) {
    api::Pod p;
    p.metadata.uid = uid;
    tracked_.insert(uid);
    api::PodCondition c;
    c.type = "Ready";
    c.status = ready ? "True" : "False";
    p.status.conditions.push_back(c);
    api::ContainerStatus cs;
    cs.name = "app";
    cs.state.running = api::ContainerStateRunning{.started_at = clock_.WallNow() - 1h};
    p.status.container_statuses.push_back(cs);
    return p;
  }

  base::VirtualClock clock_;
  std::vector<Sent> sent_;
  std::set<std::string> tracked_;
};

TEST(PodsSummaryTest, CountsWithTheRightNoun) {
  EXPECT_EQ(PodsSummary(12, 11, 1), "12 pods, 11 ready, 1 restarting");
  EXPECT_EQ(PodsSummary(1, 0, 0), "1 pod, 0 ready, 0 restarting");
  EXPECT_EQ(PodsSummary(0, 0, 0), "0 pods, 0 ready, 0 restarting");
}

TEST_F(SystemdNotifierTest, WithoutASendItDoesNothingAndArmsNoTimer) {
  SystemdNotifier n(clock_, nullptr, {.watchdog_interval = 100ms});
  EXPECT_FALSE(n.enabled());
  n.PodStatusChanged(MakePod("a", true));
  n.Start({"a"}, Tracked());
  n.Stopping();
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST_F(SystemdNotifierTest, ReadyWaitsForTheFirstStatusOfEveryPodAtStart) {
  auto n = Make();
  n->PodStatusChanged(MakePod("a", false));  // synced during start-up, before Start
  clock_.RunUntilIdle();
  EXPECT_THAT(States(), IsEmpty());  // nothing to say before Start
  api::Pod b = MakePod("b", false);
  n->Start({"a", "b"}, Tracked());
  clock_.RunUntilIdle();
  EXPECT_THAT(States(), ElementsAre("STATUS=starting: 1 of 2 pods synced"));
  n->PodStatusChanged(b);
  clock_.RunUntilIdle();
  EXPECT_THAT(States(), ElementsAre("STATUS=starting: 1 of 2 pods synced",
                                    "READY=1\nSTATUS=2 pods, 0 ready, 0 restarting"));
}

TEST_F(SystemdNotifierTest, NoPodsAtStartIsReadyAtOnce) {
  auto n = Make();
  n->Start({}, Tracked());
  clock_.RunUntilIdle();
  EXPECT_THAT(States(), ElementsAre("READY=1\nSTATUS=0 pods, 0 ready, 0 restarting"));
}

TEST_F(SystemdNotifierTest, APodGoneBeforeItsFirstStatusDoesNotHoldReadyBack) {
  auto n = Make();
  n->Start({"gone"}, Tracked());
  clock_.RunUntilIdle();
  EXPECT_THAT(States(), ElementsAre("READY=1\nSTATUS=0 pods, 0 ready, 0 restarting"));
}

TEST_F(SystemdNotifierTest, StatusIsRateLimitedAndSentOnlyWhenItChanges) {
  auto n = Make();
  api::Pod a = MakePod("a", false);
  n->Start({}, Tracked());
  clock_.Advance(1s);
  sent_.clear();
  // Ten flips within 100 ms: the first goes at once, the rest as one, 250 ms after it.
  for (int i = 0; i < 10; ++i) {
    a.status.conditions[0].status = i % 2 == 0 ? "True" : "False";
    n->PodStatusChanged(a);
    clock_.Advance(10ms);
  }
  clock_.RunUntilIdle();
  ASSERT_EQ(sent_.size(), 2u) << ::testing::PrintToString(States());
  EXPECT_EQ(sent_[0].state, "STATUS=1 pod, 1 ready, 0 restarting");
  EXPECT_EQ(sent_[1].state, "STATUS=1 pod, 0 ready, 0 restarting");
  EXPECT_EQ(sent_[1].at - sent_[0].at, 250ms);
  // The same summary again sends nothing.
  n->PodStatusChanged(a);
  clock_.RunUntilIdle();
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(SystemdNotifierTest, RestartingIsCrashLoopBackOffOrARestartInTheLastTenSeconds) {
  auto n = Make();
  n->Start({}, Tracked());
  api::Pod crash = MakePod("crash", false);
  crash.status.container_statuses[0].state = {};
  crash.status.container_statuses[0].state.waiting =
      api::ContainerStateWaiting{.reason = "CrashLoopBackOff", .message = ""};
  api::Pod restarted = MakePod("restarted", true);
  restarted.status.container_statuses[0].restart_count = 3;
  restarted.status.container_statuses[0].state.running->started_at = clock_.WallNow() - 4s;
  api::Pod old_restart = MakePod("old", true);
  old_restart.status.container_statuses[0].restart_count = 1;
  n->PodStatusChanged(crash);
  n->PodStatusChanged(restarted);
  n->PodStatusChanged(old_restart);
  clock_.Advance(1s);
  sent_.clear();
  // The restarted pod leaves the count 10 s after its start, with no status change.
  clock_.Advance(6s);
  EXPECT_THAT(States(), ElementsAre("STATUS=3 pods, 2 ready, 1 restarting"));
  EXPECT_EQ(sent_[0].at, clock_.Now() - 1s);
}

TEST_F(SystemdNotifierTest, ARemovedPodLeavesTheSummary) {
  auto n = Make();
  n->Start({}, Tracked());
  n->PodStatusChanged(MakePod("a", true));
  n->PodStatusChanged(MakePod("b", true));
  clock_.RunUntilIdle();
  tracked_.erase("a");
  n->PodStatusChanged(MakePod("b", false));
  clock_.RunUntilIdle();
  EXPECT_EQ(States().back(), "STATUS=1 pod, 0 ready, 0 restarting");
}

TEST_F(SystemdNotifierTest, WatchdogPingsEveryIntervalFromTheStart) {
  auto n = Make(200ms);
  clock_.Advance(1s);
  std::vector<base::Duration> at;
  for (const auto& s : sent_) {
    EXPECT_EQ(s.state, "WATCHDOG=1");
    at.push_back(s.at - sent_[0].at);
  }
  EXPECT_THAT(at, ElementsAre(0ms, 200ms, 400ms, 600ms, 800ms, 1000ms));
}

TEST_F(SystemdNotifierTest, StoppingIsSentOnceAtOnceAndReadyNeverAfterIt) {
  auto n = Make();
  n->PodStatusChanged(MakePod("a", true));
  clock_.RunUntilIdle();
  sent_.clear();
  n->Start({"a", "b"}, Tracked());
  n->Stopping();
  n->Stopping();
  EXPECT_THAT(States(), ElementsAre("STOPPING=1\nSTATUS=stopping: 1 pod, 1 ready, 0 restarting"));
  n->PodStatusChanged(MakePod("b", false));
  clock_.RunUntilIdle();
  EXPECT_THAT(States().back(), "STATUS=stopping: 2 pods, 1 ready, 0 restarting");
  for (const auto& s : States()) EXPECT_EQ(s.find("READY"), std::string::npos) << s;
}

}  // namespace
}  // namespace probelet::cli
