#include "kubelet/event_store.h"

#include <gtest/gtest.h>

#include "base/virtual_clock.h"

namespace probelet::kubelet {
namespace {

api::ObjectReference Ref(std::string container) {
  return api::ContainerRef("default", "web", "uid-1", container, false);
}

TEST(EventStoreTest, RecordsWithWallTimestampsAndSource) {
  base::VirtualClock clock;
  EventStore store(clock, 10, "node-1");
  store.Record(Ref("app"), api::kEventNormal, "Started", "Started container app");
  auto events = store.List();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "Started");
  EXPECT_EQ(events[0].type, "Normal");
  EXPECT_EQ(events[0].count, 1);
  EXPECT_EQ(events[0].first_timestamp, clock.WallNow());
  EXPECT_EQ(events[0].involved_object.field_path, "spec.containers{app}");
  EXPECT_EQ(events[0].source_component, "kubelet");
  EXPECT_EQ(events[0].source_host, "node-1");
  EXPECT_EQ(events[0].name.rfind("web.", 0), 0u);
}

TEST(EventStoreTest, AggregatesIdenticalEventsWithCountAndTimestamps) {
  base::VirtualClock clock;
  EventStore store(clock);
  auto first = clock.WallNow();
  store.Record(Ref("app"), api::kEventWarning, "Unhealthy", "Liveness probe failed: boom");
  clock.Advance(std::chrono::seconds(10));
  store.Record(Ref("app"), api::kEventWarning, "Unhealthy", "Liveness probe failed: boom");
  clock.Advance(std::chrono::seconds(10));
  store.Record(Ref("app"), api::kEventWarning, "Unhealthy", "Liveness probe failed: boom");
  // A different message, reason, type or container is a different event.
  store.Record(Ref("app"), api::kEventWarning, "Unhealthy", "Liveness probe failed: other");
  store.Record(Ref("app"), api::kEventNormal, "Unhealthy", "Liveness probe failed: boom");
  store.Record(Ref("side"), api::kEventWarning, "Unhealthy", "Liveness probe failed: boom");
  auto events = store.List();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].count, 3);
  EXPECT_EQ(events[0].first_timestamp, first);
  EXPECT_EQ(events[0].last_timestamp, first + std::chrono::seconds(20));
  for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i].count, 1);
  std::set<std::string> names;
  for (const auto& e : events) names.insert(e.name);
  EXPECT_EQ(names.size(), 4u) << "event names must be unique";
}

TEST(EventStoreTest, BoundedDropsTheLeastRecentlyUpdated) {
  base::VirtualClock clock;
  EventStore store(clock, 3);
  store.Record(Ref("a"), api::kEventNormal, "R", "m");
  store.Record(Ref("b"), api::kEventNormal, "R", "m");
  store.Record(Ref("c"), api::kEventNormal, "R", "m");
  store.Record(Ref("a"), api::kEventNormal, "R", "m");  // a is now the most recent
  store.Record(Ref("d"), api::kEventNormal, "R", "m");  // evicts b
  auto events = store.List();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].involved_object.field_path, "spec.containers{a}");
  EXPECT_EQ(events[0].count, 2);
  EXPECT_EQ(events[1].involved_object.field_path, "spec.containers{c}");
  EXPECT_EQ(events[2].involved_object.field_path, "spec.containers{d}");
  // b's key is gone: recording it again starts a new event at count 1.
  store.Record(Ref("b"), api::kEventNormal, "R", "m");
  EXPECT_EQ(store.List().back().count, 1);
}

TEST(EventStoreTest, ObserverSeesEveryRecord) {
  base::VirtualClock clock;
  EventStore store(clock);
  std::vector<int> counts;
  store.SetObserver([&](const api::Event& e) { counts.push_back(e.count); });
  store.Record(Ref("a"), api::kEventNormal, "Killing", "Stopping container a");
  store.Record(Ref("a"), api::kEventNormal, "Killing", "Stopping container a");
  EXPECT_EQ(counts, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace probelet::kubelet
