// PodStatus and its parts (core/v1): what the status manager fills and the API serves.
// Value types; see pod.h for conventions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/time.h"

namespace probelet::api {

struct ContainerStateWaiting {
  std::string reason;
  std::string message;
  friend bool operator==(const ContainerStateWaiting&, const ContainerStateWaiting&) = default;
};

struct ContainerStateRunning {
  Time started_at{};
  friend bool operator==(const ContainerStateRunning&, const ContainerStateRunning&) = default;
};

struct ContainerStateTerminated {
  int32_t exit_code = 0;
  int32_t signal = 0;
  std::string reason;
  std::string message;
  Time started_at{};
  Time finished_at{};
  std::string container_id;
  friend bool operator==(const ContainerStateTerminated&,
                         const ContainerStateTerminated&) = default;
};

// At most one member is set; none set means "waiting" with no reason.
struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
  friend bool operator==(const ContainerState&, const ContainerState&) = default;
};

struct ContainerStatus {
  std::string name;
  ContainerState state;
  ContainerState last_state;  // "lastState" in JSON
  bool ready = false;
  int32_t restart_count = 0;
  std::string image;
  std::string image_id;
  std::string container_id;  // "probelet://<64 hex>"; empty until created
  std::optional<bool> started;
  friend bool operator==(const ContainerStatus&, const ContainerStatus&) = default;
};

struct PodCondition {
  std::string type;    // PodScheduled | Initialized | ContainersReady | Ready | <gate>
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;
  std::optional<Time> last_probe_time;
  Time last_transition_time{};
  friend bool operator==(const PodCondition&, const PodCondition&) = default;
};

struct PodIP {
  std::string ip;
  friend bool operator==(const PodIP&, const PodIP&) = default;
};

inline constexpr const char* kPodPending = "Pending";
inline constexpr const char* kPodRunning = "Running";
inline constexpr const char* kPodSucceeded = "Succeeded";
inline constexpr const char* kPodFailed = "Failed";

struct PodStatus {
  std::string phase;
  std::vector<PodCondition> conditions;
  std::string message;
  std::string reason;
  std::string host_ip;
  std::string pod_ip;
  std::vector<PodIP> pod_ips;
  std::optional<Time> start_time;
  std::vector<ContainerStatus> init_container_statuses;
  std::vector<ContainerStatus> container_statuses;
  friend bool operator==(const PodStatus&, const PodStatus&) = default;
};

}  // namespace probelet::api
