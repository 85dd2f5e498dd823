// WatchCache: resource versions, fan-out to every watcher with one shared encoding, resuming
// from a version (and refusing one older than the history), dropping a watcher that does not
// read, and ending every watcher when the cache closes.
#include "server/watch_cache.h"

#include <gtest/gtest.h>

#include "base/virtual_clock.h"

namespace probelet::server {
namespace {

api::Pod PodNamed(const std::string& name) {
  api::Pod p;
  p.metadata.name = name;
  p.metadata.namespace_ = "default";
  p.metadata.uid = "uid-" + name;
  return p;
}

api::Event EventNamed(const std::string& name, int32_t count = 1) {
  api::Event e;
  e.name = name;
  e.count = count;
  return e;
}

// A watcher that sends "<TYPE> <name> <version>\n" for each change, counting encodings made.
std::shared_ptr<Watcher> LineWatcher(WatchResource resource, int* encodings = nullptr) {
  return std::make_shared<Watcher>(resource, [encodings](const WatchChange& c) {
    return c.Encoded(0, [&] {
      if (encodings != nullptr) ++*encodings;
      std::string name = c.pod ? c.pod->metadata.name : c.event->name;
      return std::string(ToString(c.type)) + " " + name + " " + std::to_string(c.resource_version) +
             "\n";
    });
  });
}

TEST(WatchCacheTest, EveryChangeTakesTheNextVersionAndObjectsKeepTheirs) {
  base::VirtualClock clock;
  WatchCache cache(clock);
  EXPECT_EQ(cache.resource_version(), 1u);
  EXPECT_EQ(cache.PodVersion("uid-a"), 1u) << "an object never seen has the first version";
  cache.PodChanged(PodNamed("a"));
  cache.PodChanged(PodNamed("b"));
  cache.EventRecorded(EventNamed("a.1"));
  cache.PodChanged(PodNamed("a"));
  EXPECT_EQ(cache.resource_version(), 5u);
  EXPECT_EQ(cache.PodVersion("uid-a"), 5u);
  EXPECT_EQ(cache.PodVersion("uid-b"), 3u);
  EXPECT_EQ(cache.EventVersion("a.1"), 4u);
}

TEST(WatchCacheTest, ChangesFanOutToEveryWatcherOfTheirResourceEncodedOnce) {
  base::VirtualClock clock;
  WatchCache cache(clock);
  int encodings = 0;
  std::vector<std::shared_ptr<Watcher>> pods;
  for (int i = 0; i < 3; ++i) {
    pods.push_back(LineWatcher(WatchResource::kPods, &encodings));
    ASSERT_TRUE(cache.Watch(pods.back(), std::nullopt));
  }
  auto events = LineWatcher(WatchResource::kEvents);
  ASSERT_TRUE(cache.Watch(events, std::nullopt));
  int wakeups = 0;
  pods[0]->SetWakeup([&] { ++wakeups; });

  cache.PodChanged(PodNamed("a"));
  cache.PodChanged(PodNamed("a"));
  cache.PodRemoved(PodNamed("a"));
  cache.PodRemoved(PodNamed("never-seen"));  // ignored

  EXPECT_EQ(encodings, 3) << "one encoding per change, shared by the three watchers";
  EXPECT_EQ(wakeups, 3);
  for (auto& w : pods) {
    EXPECT_EQ(w->TakePending(), "ADDED a 2\nMODIFIED a 3\nDELETED a 4\n");
    EXPECT_FALSE(w->has_pending());
  }
  EXPECT_EQ(events->TakePending(), "") << "pods are not sent to a watcher of events";
  cache.EventRecorded(EventNamed("a.1"));
  cache.EventRecorded(EventNamed("a.1", 2));
  EXPECT_EQ(events->TakePending(), "ADDED a.1 5\nMODIFIED a.1 6\n");
}

TEST(WatchCacheTest, AWatchResumesAfterAVersionOrIsRefusedWhenItIsTooOld) {
  base::VirtualClock clock;
  WatchCache cache(clock, {.history = 3});
  for (int i = 0; i < 5; ++i) cache.PodChanged(PodNamed("p" + std::to_string(i)));  // 2..6
  EXPECT_EQ(cache.oldest_resumable(), 3u);

  auto resumed = LineWatcher(WatchResource::kPods);
  ASSERT_TRUE(cache.Watch(resumed, 4));
  EXPECT_EQ(resumed->TakePending(), "ADDED p3 5\nADDED p4 6\n");
  cache.PodChanged(PodNamed("p0"));
  EXPECT_EQ(resumed->TakePending(), "MODIFIED p0 7\n");

  auto too_old = LineWatcher(WatchResource::kPods);
  EXPECT_FALSE(cache.Watch(too_old, 2));
  EXPECT_EQ(cache.watcher_count(), 1u);
}

TEST(WatchCacheTest, AWatcherThatDoesNotReadIsDroppedNotBuffered) {
  base::VirtualClock clock;
  WatchCache cache(clock, {.watcher_buffer_bytes = 64});
  auto reader = LineWatcher(WatchResource::kPods);
  auto idle = LineWatcher(WatchResource::kPods);
  ASSERT_TRUE(cache.Watch(reader, std::nullopt));
  ASSERT_TRUE(cache.Watch(idle, std::nullopt));
  for (int i = 0; i < 20; ++i) {
    cache.PodChanged(PodNamed("a"));
    reader->TakePending();
  }
  EXPECT_EQ(idle->state(), Watcher::State::kDropped);
  EXPECT_FALSE(idle->has_pending()) << "its backlog is freed";
  EXPECT_EQ(reader->state(), Watcher::State::kOpen);
  EXPECT_EQ(cache.watcher_count(), 1u);
  EXPECT_EQ(cache.dropped_watchers(), 1u);
}

TEST(WatchCacheTest, ClosingEndsEveryWatcherAndAWatcherGoneUnsubscribes) {
  base::VirtualClock clock;
  auto survivor = LineWatcher(WatchResource::kEvents);
  {
    WatchCache cache(clock);
    auto gone = LineWatcher(WatchResource::kPods);
    ASSERT_TRUE(cache.Watch(gone, std::nullopt));
    ASSERT_TRUE(cache.Watch(survivor, std::nullopt));
    EXPECT_EQ(cache.watcher_count(), 2u);
    gone.reset();
    EXPECT_EQ(cache.watcher_count(), 1u);
    cache.EventRecorded(EventNamed("x.1"));
  }
  // The cache went first: the watcher sends what it has, then ends cleanly.
  EXPECT_EQ(survivor->state(), Watcher::State::kDone);
  EXPECT_EQ(survivor->TakePending(), "ADDED x.1 2\n");
}

TEST(WatchCacheTest, EventVersionsAreForgottenOldestFirstLikeTheStoreDropsEvents) {
  base::VirtualClock clock;
  WatchCache cache(clock, {.event_versions = 2});
  cache.EventRecorded(EventNamed("a"));  // 2
  cache.EventRecorded(EventNamed("b"));  // 3
  for (int i = 0; i < 10; ++i) cache.EventRecorded(EventNamed("b", i + 2));
  cache.EventRecorded(EventNamed("c"));  // 14
  EXPECT_EQ(cache.EventVersion("a"), 1u) << "forgotten: back to the first version";
  EXPECT_EQ(cache.EventVersion("b"), 13u);
  EXPECT_EQ(cache.EventVersion("c"), 14u);
}

}  // namespace
}  // namespace probelet::server
