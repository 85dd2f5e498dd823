#include "runtime/cri/kuberuntime_resources.h"

#include <map>
#include <set>
#include <string>

namespace probelet::runtime::cri {
namespace {

constexpr int64_t kMilliCPUToCPU = 1000;

const api::Quantity* Find(const api::ResourceList& list, const char* name) {
  auto it = list.find(name);
  return it == list.end() ? nullptr : &it->second;
}

int64_t MilliOf(const api::ResourceList& list, const char* name) {
  const api::Quantity* q = Find(list, name);
  return q == nullptr ? 0 : q->milli_value;
}

}  // namespace

int64_t MilliCPUToShares(int64_t milli_cpu) {
  if (milli_cpu == 0) return kMinShares;
  // Integer division first, as the kubelet: 1m -> 1 share -> the minimum 2.
  int64_t shares = milli_cpu * kSharesPerCPU / kMilliCPUToCPU;
  if (shares < kMinShares) return kMinShares;
  if (shares > kMaxShares) return kMaxShares;
  return shares;
}

int64_t MilliCPUToQuota(int64_t milli_cpu, int64_t period) {
  if (milli_cpu == 0) return 0;
  int64_t quota = milli_cpu * period / kMilliCPUToCPU;
  return quota < kMinQuotaPeriod ? kMinQuotaPeriod : quota;
}

std::string_view GetPodQOS(const api::Pod& pod) {
  // Sums in milli-units of the positive requests and limits of cpu and memory (the only QoS
  // compute resources); Guaranteed needs both limits on every container, and requests equal
  // to limits overall.
  std::map<std::string, int64_t> requests, limits;
  bool guaranteed = true;
  auto visit = [&](const api::Container& c) {
    std::set<std::string> limits_found;
    for (const char* name : {"cpu", "memory"}) {
      if (int64_t r = MilliOf(c.resources.requests, name); r > 0) requests[name] += r;
      if (int64_t l = MilliOf(c.resources.limits, name); l > 0) {
        limits[name] += l;
        limits_found.insert(name);
      }
    }
    if (limits_found.size() != 2) guaranteed = false;
  };
  for (const auto& c : pod.spec.containers) visit(c);
  for (const auto& c : pod.spec.init_containers) visit(c);
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, r] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || it->second != r) {
        guaranteed = false;
        break;
      }
    }
  }
  if (guaranteed && requests.size() == limits.size()) return "Guaranteed";
  return "Burstable";
}

int64_t ContainerOOMScoreAdjust(const api::Pod& pod, const api::Container& container,
                                int64_t memory_capacity) {
  std::string_view qos = GetPodQOS(pod);
  if (qos == "Guaranteed") return kGuaranteedOOMScoreAdj;
  if (qos == "BestEffort") return kBestEffortOOMScoreAdj;
  if (memory_capacity <= 0) return 0;
  const api::Quantity* request = Find(container.resources.requests, "memory");
  __int128 memory_request = request == nullptr ? 0 : request->value;
  auto adjust = static_cast<int64_t>(1000 - (1000 * memory_request) / memory_capacity);
  // A Burstable container never scores as low as a Guaranteed one, nor as high as BestEffort.
  if (adjust < 1000 + kGuaranteedOOMScoreAdj) return 1000 + kGuaranteedOOMScoreAdj;
  if (adjust == kBestEffortOOMScoreAdj) return adjust - 1;
  return adjust;
}

v1::LinuxContainerResources MakeLinuxContainerResources(const api::Pod& pod,
                                                        const api::Container& container,
                                                        int64_t memory_capacity) {
  v1::LinuxContainerResources out;
  const api::ResourceList& requests = container.resources.requests;
  const api::ResourceList& limits = container.resources.limits;
  const int64_t cpu_limit = MilliOf(limits, "cpu");
  // calculateLinuxResources: "If request is not specified, but limit is, we want request to
  // default to limit" (a request of 0 written out stays 0: the minimum shares).
  out.set_cpu_shares(Find(requests, "cpu") == nullptr ? MilliCPUToShares(cpu_limit)
                                                      : MilliCPUToShares(MilliOf(requests, "cpu")));
  if (const api::Quantity* memory = Find(limits, "memory"); memory && memory->value != 0) {
    out.set_memory_limit_in_bytes(memory->value);
  }
  // cpuCFSQuota is on by default: the period always, the quota only with a limit.
  out.set_cpu_period(kQuotaPeriod);
  out.set_cpu_quota(MilliCPUToQuota(cpu_limit, kQuotaPeriod));
  out.set_oom_score_adj(ContainerOOMScoreAdjust(pod, container, memory_capacity));
  return out;
}

}  // namespace probelet::runtime::cri
