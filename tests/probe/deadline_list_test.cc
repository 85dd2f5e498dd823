#include "probe/deadline_list.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/virtual_clock.h"

namespace probelet::probe {
namespace {

using namespace std::chrono_literals;

struct Entry : DeadlineEntry {
  Entry(std::string n, std::vector<std::string>& log) : name(std::move(n)), log_(log) {}
  void OnDeadline() override { log_.push_back(name); }
  std::string name;
  std::vector<std::string>& log_;
};

TEST(DeadlineListTest, ExpiresInDeadlineOrderAcrossTimeouts) {
  base::VirtualClock clock;
  DeadlineList list(clock);
  std::vector<std::string> log;
  Entry a("a", log), b("b", log), c("c", log), d("d", log);
  const base::MonoTime t0 = clock.Now();
  list.Add(a, t0 + 1s, 1s);
  list.Add(b, t0 + 300ms, 300ms);
  clock.Advance(100ms);
  list.Add(c, clock.Now() + 1s, 1s);
  list.Add(d, clock.Now() + 300ms, 300ms);
  EXPECT_EQ(list.size(), 4u);
  clock.AdvanceTo(t0 + 300ms);
  EXPECT_EQ(log, (std::vector<std::string>{"b"}));
  clock.AdvanceTo(t0 + 400ms);
  EXPECT_EQ(log, (std::vector<std::string>{"b", "d"}));
  clock.AdvanceTo(t0 + 1100ms);
  EXPECT_EQ(log, (std::vector<std::string>{"b", "d", "a", "c"}));
  EXPECT_EQ(list.size(), 0u);
  EXPECT_FALSE(a.listed());
}

TEST(DeadlineListTest, RemovedEntriesNeverExpireAndTheTimerRearms) {
  base::VirtualClock clock;
  DeadlineList list(clock);
  std::vector<std::string> log;
  Entry a("a", log), b("b", log);
  const base::MonoTime t0 = clock.Now();
  list.Add(a, t0 + 1s, 1s);
  clock.Advance(500ms);
  list.Add(b, clock.Now() + 1s, 1s);
  list.Remove(a);
  list.Remove(a);            // harmless
  clock.AdvanceTo(t0 + 1s);  // the timer fires for `a`, finds nothing due, re-arms for `b`
  EXPECT_TRUE(log.empty());
  clock.AdvanceTo(t0 + 1500ms);
  EXPECT_EQ(log, (std::vector<std::string>{"b"}));
}

TEST(DeadlineListTest, AnEarlierDeadlineAddedLateStaysInOrder) {
  base::VirtualClock clock;
  DeadlineList list(clock);
  std::vector<std::string> log;
  Entry a("a", log), b("b", log), c("c", log);
  const base::MonoTime t0 = clock.Now();
  list.Add(a, t0 + 1s, 1s);
  list.Add(b, t0 + 3s, 1s);
  list.Add(c, t0 + 2s, 1s);  // e.g. a probe that waited for a slot
  clock.AdvanceTo(t0 + 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "c", "b"}));
}

TEST(DeadlineListTest, PastDeadlineExpiresOnTheNextTurn) {
  base::VirtualClock clock;
  DeadlineList list(clock);
  std::vector<std::string> log;
  Entry a("a", log);
  list.Add(a, clock.Now() - 1ms, 1s);
  EXPECT_TRUE(log.empty());  // never from inside Add()
  clock.RunUntilIdle();
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace probelet::probe
