// The kubelet's cpu/memory mapping (calculateLinuxResources, MilliCPUToShares, milliCPUToQuota),
// QoS class and OOM score adjust, as tables.
#include "runtime/cri/kuberuntime_resources.h"

#include <gtest/gtest.h>

#include <string>

namespace probelet::runtime::cri {
namespace {

api::Quantity Q(const std::string& text) {
  auto q = api::ParseQuantity(text);
  EXPECT_TRUE(q.ok()) << text;
  return q.ok() ? *q : api::Quantity{};
}

api::ResourceList List(std::initializer_list<std::pair<const char*, const char*>> items) {
  api::ResourceList out;
  for (const auto& [k, v] : items) out[k] = Q(v);
  return out;
}

api::Pod PodWith(api::ResourceList limits, api::ResourceList requests) {
  api::Pod pod;
  api::Container c;
  c.name = "c";
  c.resources = {std::move(limits), std::move(requests)};
  pod.spec.containers.push_back(c);
  return pod;
}

TEST(MilliCPUToSharesTest, Table) {
  const std::pair<int64_t, int64_t> cases[] = {
      {0, 2},     {1, 2},       {2, 2},       {3, 3},           {100, 102},       {250, 256},
      {500, 512}, {1000, 1024}, {1500, 1536}, {256000, 262144}, {300000, 262144},
  };
  for (auto [milli, shares] : cases) EXPECT_EQ(MilliCPUToShares(milli), shares) << milli;
}

TEST(MilliCPUToQuotaTest, Table) {
  const std::pair<int64_t, int64_t> cases[] = {
      {0, 0},     {1, 1000},    {5, 1000},    {9, 1000},      {10, 1000},
      {20, 2000}, {200, 20000}, {500, 50000}, {1000, 100000}, {1500, 150000},
  };
  for (auto [milli, quota] : cases) EXPECT_EQ(MilliCPUToQuota(milli, kQuotaPeriod), quota) << milli;
}

TEST(MakeLinuxContainerResourcesTest, Table) {
  struct Case {
    const char* name;
    api::ResourceList limits, requests;
    int64_t shares, quota, memory;
  };
  const Case cases[] = {
      {"nothing: minimum shares, no quota, no memory limit", {}, {}, 2, 0, 0},
      {"cpu request only", {}, List({{"cpu", "250m"}}), 256, 0, 0},
      {"cpu limit only: shares from the limit", List({{"cpu", "500m"}}), {}, 512, 50000, 0},
      {"request and limit", List({{"cpu", "2"}}), List({{"cpu", "0.5"}}), 512, 200000, 0},
      {"explicit zero request stays the minimum", List({{"cpu", "1"}}), List({{"cpu", "0"}}), 2,
       100000, 0},
      {"memory limit", List({{"memory", "64Mi"}}), {}, 2, 0, 64 << 20},
      {"memory 1G", List({{"memory", "1G"}}), {}, 2, 0, 1000000000},
      {"memory request alone sets no limit", {}, List({{"memory", "1Gi"}}), 2, 0, 0},
  };
  for (const auto& c : cases) {
    api::Pod pod = PodWith(c.limits, c.requests);
    v1::LinuxContainerResources r = MakeLinuxContainerResources(pod, pod.spec.containers[0], 0);
    EXPECT_EQ(r.cpu_shares(), c.shares) << c.name;
    EXPECT_EQ(r.cpu_period(), 100000) << c.name;
    EXPECT_EQ(r.cpu_quota(), c.quota) << c.name;
    EXPECT_EQ(r.memory_limit_in_bytes(), c.memory) << c.name;
  }
}

TEST(GetPodQOSTest, Table) {
  struct Case {
    const char* name;
    api::ResourceList limits, requests;
    const char* qos;
  };
  const Case cases[] = {
      {"nothing", {}, {}, "BestEffort"},
      {"zero quantities", List({{"cpu", "0"}}), {}, "BestEffort"},
      {"requests = limits for both", List({{"cpu", "1"}, {"memory", "1Gi"}}),
       List({{"cpu", "1000m"}, {"memory", "1Gi"}}), "Guaranteed"},
      {"limits only (requests are then defaulted to them by the API)",
       List({{"cpu", "1"}, {"memory", "1Gi"}}),
       {},
       "Burstable"},
      {"cpu only", List({{"cpu", "1"}}), List({{"cpu", "1"}}), "Burstable"},
      {"requests below limits", List({{"cpu", "1"}, {"memory", "1Gi"}}),
       List({{"cpu", "500m"}, {"memory", "1Gi"}}), "Burstable"},
      {"other resources do not count",
       List({{"cpu", "1"}, {"memory", "1Gi"}, {"ephemeral-storage", "1Gi"}}),
       List({{"cpu", "1"}, {"memory", "1Gi"}}), "Guaranteed"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GetPodQOS(PodWith(c.limits, c.requests)), c.qos) << c.name;
  }
  // Every container counts, init containers too.
  api::Pod pod =
      PodWith(List({{"cpu", "1"}, {"memory", "1Gi"}}), List({{"cpu", "1"}, {"memory", "1Gi"}}));
  pod.spec.init_containers.push_back(api::Container{});
  EXPECT_EQ(GetPodQOS(pod), "Burstable");
}

TEST(ContainerOOMScoreAdjustTest, Table) {
  constexpr int64_t kGi = int64_t{1} << 30;
  api::Pod guaranteed =
      PodWith(List({{"cpu", "1"}, {"memory", "1Gi"}}), List({{"cpu", "1"}, {"memory", "1Gi"}}));
  EXPECT_EQ(ContainerOOMScoreAdjust(guaranteed, guaranteed.spec.containers[0], 8 * kGi), -997);
  api::Pod best_effort = PodWith({}, {});
  EXPECT_EQ(ContainerOOMScoreAdjust(best_effort, best_effort.spec.containers[0], 8 * kGi), 1000);
  api::Pod half = PodWith({}, List({{"memory", "4Gi"}}));
  EXPECT_EQ(ContainerOOMScoreAdjust(half, half.spec.containers[0], 8 * kGi), 500);
  EXPECT_EQ(ContainerOOMScoreAdjust(half, half.spec.containers[0], 0), 0) << "unknown capacity";
  api::Pod all = PodWith({}, List({{"memory", "8Gi"}}));
  EXPECT_EQ(ContainerOOMScoreAdjust(all, all.spec.containers[0], 8 * kGi), 3) << "floor";
  api::Pod tiny = PodWith({}, List({{"cpu", "1"}}));
  EXPECT_EQ(ContainerOOMScoreAdjust(tiny, tiny.spec.containers[0], 8 * kGi), 999) << "ceiling";
  v1::LinuxContainerResources r =
      MakeLinuxContainerResources(half, half.spec.containers[0], 8 * kGi);
  EXPECT_EQ(r.oom_score_adj(), 500);
}

}  // namespace
}  // namespace probelet::runtime::cri
