// The Service part of the Kubernetes API (issue 11 §2), read-only, for a real kubectl:
//   GET /api/v1[/namespaces/{ns}]/services, /api/v1/namespaces/{ns}/services/{name}
//   GET /api/v1[/namespaces/{ns}]/endpoints, /api/v1/namespaces/{ns}/endpoints/{name}
//   GET /apis/discovery.k8s.io/v1[/namespaces/{ns}]/endpointslices[/{name}]
//   discovery: /apis (the discovery.k8s.io group), /apis/discovery.k8s.io,
//   /apis/discovery.k8s.io/v1 (APIResourceList: endpointslices); the core resources services
//   and endpoints are listed by kube_api.cc's /api/v1.
// Label selectors and metadata.name/namespace field selectors apply to the lists; Tables
// (`Accept: ...;as=Table;...`) carry kubectl's columns (service_printers.h). An unknown name is
// a 404 v1 Status, as from the API server. Objects come from PodSource::ListServices,
// ListEndpoints and ListEndpointSlices.
//
// Pure functions of the request and the PodSource; the event loop thread (PodSource's thread).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

#include "api/time.h"
#include "server/api_handler.h"
#include "server/http_target.h"
#include "server/pod_source.h"

namespace probelet::server {

// /api/v1/{services|endpoints}... (segments[2] or segments[4] naming one of them) and
// /apis/...; nullopt for any other path.
std::optional<HttpResponse> ServeServiceApi(const HttpTarget& target, std::string_view accept,
                                            const PodSource& source, api::Time now);

// The entries /api/v1's APIResourceList gains: services and endpoints.
nlohmann::json ServiceCoreResources();

}  // namespace probelet::server
