#include "proxy/random_picker.h"

#include <gtest/gtest.h>

#include <set>

#include "base/virtual_clock.h"

namespace probelet::proxy {
namespace {

using std::chrono::seconds;

const std::vector<Backend> kThree = {{"127.0.0.1", 1}, {"127.0.0.1", 2}, {"127.0.0.1", 3}};

std::set<uint16_t> PortsPicked(RandomPicker& picker, const std::string& client, int n,
                               const std::vector<Backend>& exclude = {}) {
  std::set<uint16_t> ports;
  for (int i = 0; i < n; ++i) {
    auto b = picker.Pick(client, exclude);
    if (b) ports.insert(b->port);
  }
  return ports;
}

TEST(RandomPickerTest, NoBackendNoPick) {
  RandomPicker picker(1);
  EXPECT_FALSE(picker.Pick("10.0.0.1", {}).has_value());
}

TEST(RandomPickerTest, PicksEveryReadyBackend) {
  RandomPicker picker(1);
  picker.SetBackends(kThree);
  EXPECT_EQ(PortsPicked(picker, "10.0.0.1", 100), (std::set<uint16_t>{1, 2, 3}));
}

TEST(RandomPickerTest, SkipsExcludedBackends) {
  RandomPicker picker(1);
  picker.SetBackends(kThree);
  EXPECT_EQ(PortsPicked(picker, "10.0.0.1", 100, {kThree[0]}), (std::set<uint16_t>{2, 3}));
  EXPECT_FALSE(picker.Pick("10.0.0.1", kThree).has_value());
}

TEST(RandomPickerTest, ANewListAppliesToTheNextPick) {
  RandomPicker picker(1);
  picker.SetBackends(kThree);
  picker.SetBackends({kThree[1]});
  EXPECT_EQ(PortsPicked(picker, "10.0.0.1", 20), (std::set<uint16_t>{2}));
}

TEST(RandomPickerTest, ClientIpAffinitySticksThenExpires) {
  base::VirtualClock clock;
  RandomPicker picker(7);
  picker.SetBackends(kThree);
  picker.EnableClientIpAffinity(clock, seconds(10));
  const auto first = picker.Pick("10.0.0.1", {});
  ASSERT_TRUE(first.has_value());
  for (int i = 0; i < 50; ++i) {
    clock.Advance(seconds(5));  // each connection refreshes the entry
    EXPECT_EQ(picker.Pick("10.0.0.1", {}), first) << i;
  }
  // Other clients are spread as before.
  EXPECT_EQ(PortsPicked(picker, "10.0.0.2", 1, {}).size(), 1u);
  // Once expired, the client is placed at random again: over many expiries it reaches all three.
  std::set<uint16_t> after;
  for (int i = 0; i < 60; ++i) {
    clock.Advance(seconds(10));
    after.insert(picker.Pick("10.0.0.1", {})->port);
  }
  EXPECT_EQ(after, (std::set<uint16_t>{1, 2, 3}));
}

TEST(RandomPickerTest, AffinityYieldsWhenItsBackendIsNotReadyOrFailed) {
  base::VirtualClock clock;
  RandomPicker picker(7);
  picker.SetBackends(kThree);
  picker.EnableClientIpAffinity(clock, seconds(10));
  const Backend first = *picker.Pick("10.0.0.1", {});
  EXPECT_NE(picker.Pick("10.0.0.1", {first}), first);  // the retry after a failed connect
  std::vector<Backend> others;
  for (const auto& b : kThree) {
    if (!(b == first)) others.push_back(b);
  }
  picker.SetBackends(others);
  const Backend second = *picker.Pick("10.0.0.1", {});
  EXPECT_NE(second, first);
  picker.SetBackends(kThree);  // back: the client stays with its new backend
  EXPECT_EQ(picker.Pick("10.0.0.1", {}), second);
}

}  // namespace
}  // namespace probelet::proxy
