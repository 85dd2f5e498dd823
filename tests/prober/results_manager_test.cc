#include "prober/results_manager.h"

#include <gtest/gtest.h>

#include "base/virtual_clock.h"

namespace probelet::prober {
namespace {

class ResultsManagerTest : public ::testing::Test {
 protected:
  ResultsManagerTest() {
    m_.SetUpdateHandler([this](const ResultUpdate& u) { updates_.push_back(u); });
  }
  base::VirtualClock clock_;
  ResultsManager m_{clock_};
  std::vector<ResultUpdate> updates_;
};

TEST_F(ResultsManagerTest, T34CacheOperations) {
  EXPECT_EQ(m_.Get("cid"), std::nullopt);
  m_.Set("cid", CachedResult::kSuccess, "uid");
  EXPECT_EQ(m_.Get("cid"), CachedResult::kSuccess);
  m_.Remove("cid");
  EXPECT_EQ(m_.Get("cid"), std::nullopt);
}

TEST_F(ResultsManagerTest, T35UpdatesOnNewOrChangedValuesOnly) {
  m_.Set("a", CachedResult::kSuccess, "uid1");
  clock_.RunUntilIdle();
  m_.Set("b", CachedResult::kFailure, "uid2");
  clock_.RunUntilIdle();
  ASSERT_EQ(updates_.size(), 2u);
  EXPECT_EQ(updates_[0], (ResultUpdate{"a", CachedResult::kSuccess, "uid1"}));
  EXPECT_EQ(updates_[1], (ResultUpdate{"b", CachedResult::kFailure, "uid2"}));
  // Same value again: nothing.
  m_.Set("a", CachedResult::kSuccess, "uid1");
  m_.Set("b", CachedResult::kFailure, "uid2");
  clock_.RunUntilIdle();
  EXPECT_EQ(updates_.size(), 2u);
  // A change: an update.
  m_.Set("a", CachedResult::kFailure, "uid1");
  clock_.RunUntilIdle();
  ASSERT_EQ(updates_.size(), 3u);
  EXPECT_EQ(updates_[2], (ResultUpdate{"a", CachedResult::kFailure, "uid1"}));
}

TEST_F(ResultsManagerTest, RemoveSendsNoUpdate) {
  m_.Set("a", CachedResult::kSuccess, "uid");
  clock_.RunUntilIdle();
  m_.Remove("a");
  clock_.RunUntilIdle();
  EXPECT_EQ(updates_.size(), 1u);
}

TEST_F(ResultsManagerTest, NeverDeliversFromInsideSet) {
  m_.Set("a", CachedResult::kSuccess, "uid");
  EXPECT_TRUE(updates_.empty());  // only on a later loop turn
  EXPECT_EQ(m_.pending_updates(), 1u);
  clock_.RunNext();
  EXPECT_EQ(updates_.size(), 1u);
  EXPECT_EQ(m_.pending_updates(), 0u);
}

TEST_F(ResultsManagerTest, SlowConsumerCoalescesPerContainerInOrder) {
  // The consumer does not run while the workers write many values: nothing blocks, the
  // queue holds one entry per container, and each gets its latest value.
  for (int i = 0; i < 1000; ++i) {
    m_.Set("a", i % 2 ? CachedResult::kSuccess : CachedResult::kFailure, "uid");
    m_.Set("b", CachedResult::kSuccess, "uid");
  }
  m_.Set("c", CachedResult::kFailure, "uid");
  EXPECT_EQ(m_.pending_updates(), 3u);
  clock_.RunUntilIdle();
  ASSERT_EQ(updates_.size(), 3u);
  EXPECT_EQ(updates_[0], (ResultUpdate{"a", CachedResult::kSuccess, "uid"}));
  EXPECT_EQ(updates_[1], (ResultUpdate{"b", CachedResult::kSuccess, "uid"}));
  EXPECT_EQ(updates_[2], (ResultUpdate{"c", CachedResult::kFailure, "uid"}));
}

TEST_F(ResultsManagerTest, RemovedBeforeDrainIsNotDelivered) {
  m_.Set("a", CachedResult::kFailure, "uid");
  m_.Remove("a");
  m_.Set("b", CachedResult::kFailure, "uid");
  clock_.RunUntilIdle();
  ASSERT_EQ(updates_.size(), 1u);
  EXPECT_EQ(updates_[0].container_id, "b");
}

TEST_F(ResultsManagerTest, RemovedAndSetAgainIsDeliveredOnce) {
  m_.Set("a", CachedResult::kFailure, "uid");
  m_.Remove("a");
  m_.Set("a", CachedResult::kSuccess, "uid");
  clock_.RunUntilIdle();
  ASSERT_EQ(updates_.size(), 1u);
  EXPECT_EQ(updates_[0].result, CachedResult::kSuccess);
}

TEST_F(ResultsManagerTest, HandlerMaySetAndRemoveWithoutReentrancy) {
  int depth = 0;
  std::vector<std::string> seen;
  m_.SetUpdateHandler([&](const ResultUpdate& u) {
    EXPECT_EQ(depth, 0);
    ++depth;
    seen.push_back(u.container_id);
    if (u.container_id == "a") {
      m_.Remove("a");
      m_.Set("b", CachedResult::kSuccess, "uid");  // delivered on the next drain
    }
    --depth;
  });
  m_.Set("a", CachedResult::kFailure, "uid");
  clock_.RunNext();
  EXPECT_EQ(seen, std::vector<std::string>{"a"});
  clock_.RunUntilIdle();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(ResultsManagerNoHandlerTest, UpdatesWaitForTheHandlerAndStayBounded) {
  base::VirtualClock clock;
  ResultsManager m(clock);
  // Containers come and go with no consumer: the queue stays bounded.
  for (int i = 0; i < 10000; ++i) {
    std::string id = "c" + std::to_string(i);
    m.Set(id, CachedResult::kFailure, "uid");
    m.Remove(id);
  }
  m.Set("last", CachedResult::kSuccess, "uid");
  clock.RunUntilIdle();
  EXPECT_EQ(m.pending_updates(), 1u);
  std::vector<ResultUpdate> got;
  m.SetUpdateHandler([&](const ResultUpdate& u) { got.push_back(u); });
  EXPECT_TRUE(got.empty());
  clock.RunUntilIdle();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].container_id, "last");
}

TEST(CachedResultTest, StringsAndPrometheusValues) {
  EXPECT_EQ(ToString(CachedResult::kSuccess), "Success");
  EXPECT_EQ(ToString(CachedResult::kFailure), "Failure");
  EXPECT_EQ(ToString(CachedResult::kUnknown), "UNKNOWN");
  EXPECT_EQ(ToPrometheusType(CachedResult::kSuccess), 0);
  EXPECT_EQ(ToPrometheusType(CachedResult::kFailure), 1);
  EXPECT_EQ(ToPrometheusType(CachedResult::kUnknown), -1);
}

}  // namespace
}  // namespace probelet::prober
