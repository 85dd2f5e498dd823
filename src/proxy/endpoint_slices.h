// BuildEndpointSlices and BuildEndpoints: a Service's endpoints (endpoints.h) -> the objects the
// API shows for them, as the EndpointSlice controller and the legacy Endpoints controller write
// them (issue 11 §2).
//
// EndpointSlices: endpoints are grouped by their resolved port list (pods whose named target
// ports resolve alike share a slice; a port a pod lacks is not in its slice's ports), at most
// 100 endpoints a slice; each slice is named `<service>-<5 characters>`, stable for the same
// Service uid, port list and chunk (the controller uses generateName; stability keeps
// `kubectl get` output steady), labelled kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by beside the Service's own labels, addressType IPv4.
// A Service with a selector and no endpoints gets the controller's placeholder slice (no
// endpoints, no ports); one without a selector gets none.
//
// Endpoints (legacy v1): named after the Service, with its labels; pods being deleted are left
// out unless publishNotReadyAddresses (as that controller does); ready endpoints are
// `addresses`, the others `notReadyAddresses`; subsets group addresses with the same ports, and
// addresses are sorted by IP then pod uid (RepackSubsets / SortSubsets).
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "api/endpoint_slice.h"
#include "api/service.h"
#include "proxy/endpoints.h"

namespace probelet::proxy {

std::vector<api::EndpointSlice> BuildEndpointSlices(const api::Service& service,
                                                    const std::vector<ServiceEndpoint>& endpoints,
                                                    const EndpointOptions& options = {});

api::Endpoints BuildEndpoints(const api::Service& service,
                              const std::vector<ServiceEndpoint>& endpoints,
                              const EndpointOptions& options = {});

}  // namespace probelet::proxy
