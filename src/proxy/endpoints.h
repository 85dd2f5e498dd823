// ComputeEndpoints: a Service and the pods of its namespace -> its endpoints, with the
// EndpointSlice controller's rules (pkg/controller/endpointslice; issue 11 §2). What the L4
// proxy routes to and what endpoint_slices.h turns into the API's EndpointSlices.
//
//   - selection: a Service without a selector has no endpoints; otherwise the pods of its
//     namespace whose labels hold every selector pair (SelectorMatches);
//   - ShouldPodBeInEndpoints: pods in phase Succeeded or Failed, and pods without an IP
//     (status.podIP), are no endpoints; terminating pods are kept (with conditions saying so);
//   - ports: one per service port, resolved per pod (ResolveTargetPort): a number is used as it
//     is, a name is looked up in the pod's containers' ports (and restartable init containers',
//     as FindPort does) with the service port's protocol; a pod without that name has no port
//     for that service port (the proxy does not send that port's traffic to it);
//   - conditions (podToEndpoint): serving = the pod's Ready condition is True; terminating =
//     the pod has a deletionTimestamp or the node (probelet) is shutting down; ready =
//     publishNotReadyAddresses, or serving and not terminating.
//
// Pure functions on value types; thread-safe. The pods must outlive the call only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "api/service.h"

namespace probelet::proxy {

struct ServiceEndpoint {
  std::string pod_namespace;
  std::string pod_name;
  std::string pod_uid;
  std::string address;  // status.podIP (127.0.0.1 for host-network process pods)
  // One per entry of the Service's spec.ports, in order; nullopt where the pod has no port of
  // the target port's name.
  std::vector<std::optional<int32_t>> ports;
  bool ready = false;
  bool serving = false;
  bool terminating = false;
  bool pod_deleting = false;  // the pod itself is being deleted (not only the node stopping)
  friend bool operator==(const ServiceEndpoint&, const ServiceEndpoint&) = default;
};

struct EndpointOptions {
  std::string node_name;          // written as the endpoints' nodeName when not empty
  bool node_terminating = false;  // probelet is shutting down: every endpoint terminating
};

// Every selector pair is among the labels. An empty selector matches every pod (callers
// decide what an empty selector means: ComputeEndpoints selects nothing with it).
bool SelectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels);

// The pod's Ready condition is True (podutil.IsPodReady).
bool IsPodReady(const api::Pod& pod);

// FindPort: the target port of `port` on `pod`, or nullopt when a named port is not there.
std::optional<int32_t> ResolveTargetPort(const api::ServicePort& port, const api::Pod& pod);

// Pods of other namespaces among `pods` are ignored. Endpoints in the order of `pods`.
std::vector<ServiceEndpoint> ComputeEndpoints(const api::Service& service,
                                              const std::vector<const api::Pod*>& pods,
                                              const EndpointOptions& options = {});

}  // namespace probelet::proxy
