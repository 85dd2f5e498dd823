// The v1 Service subset probelet acts on (issue 11), as plain value types beside pod.h: a
// Service selects pods by label and gives each of its ports a target port on those pods.
//
// Field names follow the v1 JSON names in snake_case. Defaults and validation are separate
// steps (service_validation.h), as for Pods: a decoded Service holds exactly what the manifest
// said. Only TCP and the types ClusterIP and NodePort are run (probelet's proxy is a TCP
// proxy on one node); validation refuses the rest.
//
// Value types: copyable, no hidden sharing, safe to use from any thread once built.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"

namespace probelet::api {

inline constexpr int32_t kDefaultClientIPServiceAffinitySeconds = 10800;  // 3 hours
inline constexpr int32_t kMaxClientIPServiceAffinitySeconds = 86400;      // 1 day
inline constexpr int32_t kNodePortRangeFirst = 30000;                     // the API server's
inline constexpr int32_t kNodePortRangeLast = 32767;                      // default range

struct ServicePort {
  std::string name;      // required (a DNS-1123 label) when the Service has several ports
  std::string protocol;  // "TCP" once defaulted
  int32_t port = 0;
  // A number or a container port name; int 0 (unset) defaults to `port`.
  IntOrString target_port;
  int32_t node_port = 0;  // NodePort services; 0 = allocate (the loader does)
  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

struct ClientIPConfig {
  std::optional<int32_t> timeout_seconds;  // default 10800 with ClientIP affinity
  friend bool operator==(const ClientIPConfig&, const ClientIPConfig&) = default;
};

struct SessionAffinityConfig {
  std::optional<ClientIPConfig> client_ip;  // "clientIP" in JSON
  friend bool operator==(const SessionAffinityConfig&, const SessionAffinityConfig&) = default;
};

struct ServiceSpec {
  // No selector: the Service has no endpoints (nothing mirrors manual Endpoints here).
  std::map<std::string, std::string> selector;
  std::vector<ServicePort> ports;
  std::string type;  // "ClusterIP" (default) or "NodePort"
  // What the manifest asked for (only "None", headless, is refused). The address a running
  // probelet serves the Service on is its --service-address: the agent sets this field to it
  // before the Service is shown.
  std::string cluster_ip;
  bool publish_not_ready_addresses = false;
  std::string session_affinity;  // "None" (default) or "ClientIP"
  std::optional<SessionAffinityConfig> session_affinity_config;
  friend bool operator==(const ServiceSpec&, const ServiceSpec&) = default;
};

struct Service {
  std::string api_version;  // "v1"
  std::string kind;         // "Service"
  ObjectMeta metadata;
  ServiceSpec spec;
  friend bool operator==(const Service&, const Service&) = default;
};

// The ClientIP affinity timeout in seconds (defaulted), or 0 when affinity is None.
int32_t ClientIPAffinitySeconds(const Service& service);

}  // namespace probelet::api
