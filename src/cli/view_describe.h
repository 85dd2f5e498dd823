// `probelet describe pod NAME`: kubectl's describePod layout (k8s.io/kubectl/pkg/describe),
// from the pod and its events as the agent's API serves them (v1 JSON): header fields,
// containers with State, Last State, Ready, Restart Count and the probe lines
// ("Liveness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1
// #failure=3"), Conditions, and Events with "45s (x6 over 5m)" ages, aligned with Go's
// tabwriter as kubectl aligns them.
//
// Pure functions; any thread. Times print in the local time zone, as kubectl's do.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/time.h"

namespace probelet::cli {

// `pod`: a v1 Pod; `events`: a v1 EventList (or null when there are none). `probes`: the pod's
// probe workers with their last attempts (a ProbeWorkerList's items, server/probe_api.h; null
// for none): each container's then ends with its probes' history (view_probes.h), an addition
// to kubectl's layout placed so that every kubectl line stays as kubectl prints it.
std::string DescribePod(const nlohmann::json& pod, const nlohmann::json& events, api::Time now,
                        const nlohmann::json& probes = nullptr);

// `kubectl describe service` (describeService): header fields, each port with its target
// port, node port and Endpoints (the ready addresses of that port in the v1 Endpoints
// `endpoints`, null when there is none), session affinity, traffic policies and events.
std::string DescribeService(const nlohmann::json& service, const nlohmann::json& endpoints,
                            const nlohmann::json& events, api::Time now);

}  // namespace probelet::cli
