// discovery.k8s.io/v1 EndpointSlice and the legacy v1 Endpoints, as plain value types: what the
// API serves for a Service's endpoints (issue 11 §2). They are computed in src/proxy/
// (endpoint_slices.h) and encoded here (endpoint_codec.h), so the server shows them without
// depending on the proxy.
//
// Value types: copyable, safe to use from any thread once built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/event.h"
#include "api/pod.h"

namespace probelet::api {

// The managed-by label value of slices the EndpointSlice controller writes.
inline constexpr const char* kEndpointSliceControllerName = "endpointslice-controller.k8s.io";
inline constexpr size_t kMaxEndpointsPerSlice = 100;  // the controller's default

// targetRef: an ObjectReference (event.h) of kind Pod; encoded with kind, namespace, name, uid.

struct EndpointConditions {
  bool ready = false;
  bool serving = false;
  bool terminating = false;
  friend bool operator==(const EndpointConditions&, const EndpointConditions&) = default;
};

struct Endpoint {
  std::vector<std::string> addresses;
  EndpointConditions conditions;
  std::optional<ObjectReference> target_ref;
  std::string node_name;  // omitted when empty
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A port of a slice or of a legacy Endpoints subset (v1 EndpointPort has the same fields).
struct EndpointPort {
  std::string name;
  std::string protocol;
  int32_t port = 0;
  friend bool operator==(const EndpointPort&, const EndpointPort&) = default;
};

struct EndpointSlice {
  ObjectMeta metadata;
  std::string address_type;  // "IPv4"
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
  friend bool operator==(const EndpointSlice&, const EndpointSlice&) = default;
};

// The legacy v1 Endpoints object (one per Service, named after it).
struct EndpointAddress {
  std::string ip;
  std::string node_name;
  std::optional<ObjectReference> target_ref;
  friend bool operator==(const EndpointAddress&, const EndpointAddress&) = default;
};

struct EndpointSubset {
  std::vector<EndpointAddress> addresses;
  std::vector<EndpointAddress> not_ready_addresses;
  std::vector<EndpointPort> ports;
  friend bool operator==(const EndpointSubset&, const EndpointSubset&) = default;
};

struct Endpoints {
  ObjectMeta metadata;
  std::vector<EndpointSubset> subsets;
  friend bool operator==(const Endpoints&, const Endpoints&) = default;
};

}  // namespace probelet::api
