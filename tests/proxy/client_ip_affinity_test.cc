#include "proxy/client_ip_affinity.h"

#include <gtest/gtest.h>

#include "base/virtual_clock.h"

namespace probelet::proxy {
namespace {

using std::chrono::seconds;

TEST(ClientIpAffinityTest, RemembersTheBackendUntilTheTimeout) {
  base::VirtualClock clock;
  ClientIpAffinity table(clock, seconds(10));
  table.Record("10.0.0.1", {"127.0.0.1", 8080});
  clock.Advance(seconds(9));
  ASSERT_TRUE(table.Lookup("10.0.0.1").has_value());
  EXPECT_EQ(*table.Lookup("10.0.0.1"), (Backend{"127.0.0.1", 8080}));
  EXPECT_FALSE(table.Lookup("10.0.0.2").has_value());
  clock.Advance(seconds(1));
  EXPECT_FALSE(table.Lookup("10.0.0.1").has_value());
  EXPECT_EQ(table.size(), 0u);
}

TEST(ClientIpAffinityTest, EachUseRefreshesTheEntry) {
  base::VirtualClock clock;
  ClientIpAffinity table(clock, seconds(10));
  table.Record("10.0.0.1", {"127.0.0.1", 8080});
  for (int i = 0; i < 5; ++i) {
    clock.Advance(seconds(8));
    ASSERT_TRUE(table.Lookup("10.0.0.1").has_value()) << i;
    table.Record("10.0.0.1", *table.Lookup("10.0.0.1"));
  }
}

TEST(ClientIpAffinityTest, ExpiredEntriesAreSweptAsTheTableGrows) {
  base::VirtualClock clock;
  ClientIpAffinity table(clock, seconds(1));
  for (int i = 0; i < 1000; ++i) table.Record("a" + std::to_string(i), {"127.0.0.1", 1});
  clock.Advance(seconds(2));
  for (int i = 0; i < 100; ++i) table.Record("b" + std::to_string(i), {"127.0.0.1", 1});
  EXPECT_LE(table.size(), 100u);
}

TEST(ClientIpAffinityTest, ForgetDropsTheEntriesOfABackend) {
  base::VirtualClock clock;
  ClientIpAffinity table(clock, seconds(10));
  table.Record("10.0.0.1", {"127.0.0.1", 1});
  table.Record("10.0.0.2", {"127.0.0.1", 2});
  table.Forget({"127.0.0.1", 1});
  EXPECT_FALSE(table.Lookup("10.0.0.1").has_value());
  EXPECT_TRUE(table.Lookup("10.0.0.2").has_value());
}

}  // namespace
}  // namespace probelet::proxy
