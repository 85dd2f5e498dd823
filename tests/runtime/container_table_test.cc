#include "runtime/container_table.h"

#include <gtest/gtest.h>

namespace probelet::runtime {
namespace {

struct Extra {
  int n = 0;
};

TEST(ContainerTableTest, IdsAreTheProcessRuntimesAndInCreationOrder) {
  ContainerTable<Extra> t;
  auto& a = t.Create("web", api::Time{}, {1});
  auto& b = t.Create("web", api::Time{}, {2});
  EXPECT_EQ(a.status.id, "probelet://" + std::string(63, '0') + "1");
  EXPECT_EQ(a.status.state, ContainerState::kCreated);
  EXPECT_LT(a.seq, b.seq);
  EXPECT_EQ(t.records().rbegin()->second.extra.n, 2);
  EXPECT_EQ(t.List().size(), 2u);
}

TEST(ContainerTableTest, ExitNotifiesTheHandlerThenTheStopWaitersOnce) {
  ContainerTable<Extra> t;
  std::string id = t.Create("web", api::Time{}, {}).status.id;
  t.Find(id)->status.state = ContainerState::kRunning;
  std::vector<std::string> order;
  t.Find(id)->stop_waiters.push_back([&](base::Status) { order.push_back("waiter"); });
  Runtime::ExitHandler handler = [&](const ContainerStatus& s) {
    EXPECT_EQ(s.exit_code, 143);
    EXPECT_EQ(s.reason, "Error");
    order.push_back("handler");
  };
  EXPECT_TRUE(t.MarkExited(id, 143, 15, api::Time{}, handler));
  EXPECT_FALSE(t.MarkExited(id, 137, 9, api::Time{}, handler));  // SIGKILL after SIGTERM: moot
  EXPECT_EQ(order, (std::vector<std::string>{"handler", "waiter"}));
  EXPECT_EQ(t.Status(id)->signal, 15);
}

TEST(ContainerTableTest, RemoveRefusesARunningContainer) {
  ContainerTable<Extra> t;
  std::string id = t.Create("web", api::Time{}, {}).status.id;
  t.Find(id)->status.state = ContainerState::kRunning;
  EXPECT_FALSE(t.Remove(id).ok());
  t.Find(id)->status.state = ContainerState::kExited;
  EXPECT_TRUE(t.Remove(id).ok());
  EXPECT_FALSE(t.Status(id).has_value());
  EXPECT_FALSE(t.Remove(id).ok());
}

}  // namespace
}  // namespace probelet::runtime
