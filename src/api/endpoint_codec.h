// JSON form of the endpoint types (endpoint_slice.h), as the API server writes them:
// discovery.k8s.io/v1 EndpointSlice (`endpoints` and `ports` are not omitempty: null when
// empty, as for the controller's placeholder slice of a Service with no endpoints) and v1
// Endpoints (`subsets` omitted when empty).
//
// Pure functions; thread-safe. Pulls in nlohmann/json.
#pragma once

#include <nlohmann/json.hpp>

#include "api/endpoint_slice.h"

namespace probelet::api {

nlohmann::json EncodeEndpointSlice(const EndpointSlice& slice);
nlohmann::json EncodeEndpoints(const Endpoints& endpoints);

}  // namespace probelet::api
