// A container's cgroup resources as the kubelet maps them to CRI LinuxContainerResources
// (generateLinuxContainerResources and calculateLinuxResources in
// pkg/kubelet/kuberuntime/kuberuntime_container_linux.go, the helpers of helpers_linux.go and
// pkg/kubelet/cm/helpers_linux.go, the QoS class of pkg/apis/core/v1/helper/qos and the OOM
// score of pkg/kubelet/qos/policy.go). cgroup v1 only: the machine has no v2 cpu/memory
// controllers (DESIGN.md), so no unified/MemoryQoS fields.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/pod.h"
#include "runtime/cri/api.pb.h"

namespace probelet::runtime::cri {

namespace v1 = ::runtime::v1;

inline constexpr int64_t kMinShares = 2;          // cm.MinShares
inline constexpr int64_t kMaxShares = 262144;     // cm.MaxShares
inline constexpr int64_t kSharesPerCPU = 1024;    // cm.SharesPerCPU
inline constexpr int64_t kQuotaPeriod = 100000;   // µs, the CFS default (cm.QuotaPeriod)
inline constexpr int64_t kMinQuotaPeriod = 1000;  // µs (cm.MinQuotaPeriod)
inline constexpr int64_t kGuaranteedOOMScoreAdj = -997;
inline constexpr int64_t kBestEffortOOMScoreAdj = 1000;

// cm.MilliCPUToShares: 1024 per cpu, at least 2 (also for 0), at most 262144.
int64_t MilliCPUToShares(int64_t milli_cpu);
// milliCPUToQuota: 0 (no limit) for 0, else milli * period / 1000, at least 1000 µs.
int64_t MilliCPUToQuota(int64_t milli_cpu, int64_t period);

// v1qos.GetPodQOS: "Guaranteed", "Burstable" or "BestEffort", from the cpu and memory
// requests and limits of all containers (init and regular).
std::string_view GetPodQOS(const api::Pod& pod);

// qos.GetContainerOOMScoreAdjust: -997 for Guaranteed, 1000 for BestEffort, and for Burstable
// 1000 - 1000 * memory request / node memory, kept within [3, 999]. `memory_capacity` is the
// node's memory in bytes; 0 (unknown) gives Burstable containers 0, the runtime's own score.
int64_t ContainerOOMScoreAdjust(const api::Pod& pod, const api::Container& container,
                                int64_t memory_capacity);

// generateLinuxContainerResources: cpu_shares from the cpu request (from the limit when only
// it is set, as the kubelet repeats the API server's defaulting), cpu_period 100000 and
// cpu_quota from the cpu limit (0: none), memory_limit_in_bytes from the memory limit (0:
// none), oom_score_adj as above.
v1::LinuxContainerResources MakeLinuxContainerResources(const api::Pod& pod,
                                                        const api::Container& container,
                                                        int64_t memory_capacity);

}  // namespace probelet::runtime::cri
