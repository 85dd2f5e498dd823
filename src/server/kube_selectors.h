// Label and field selectors of list requests (?labelSelector=, ?fieldSelector=), as the API
// server applies them: the equality-based syntax of labels.Parse and fields.ParseSelector
// (key=value, key==value, key!=value; for labels also key and !key), and the fields kubectl
// selects pods and events by (metadata.name, status.phase, involvedObject.uid, ...).
// Set-based terms ("in", "notin"), a selector that does not parse, and a field that cannot be
// selected on are a 400 with the API server's message.
//
// Pure functions; any thread.
#pragma once

#include <optional>
#include <vector>

#include "api/endpoint_slice.h"
#include "api/event.h"
#include "api/pod.h"
#include "api/service.h"
#include "server/api_handler.h"
#include "server/http_target.h"
#include "server/pod_source.h"

namespace probelet::server {

// Keeps the pods that match the target's selectors; the 400 response when one is invalid.
std::optional<HttpResponse> FilterPods(const HttpTarget& target, std::vector<api::Pod>& pods);
std::optional<HttpResponse> FilterPods(const HttpTarget& target, std::vector<PodView>& pods);
// The same for events (which carry no labels: a label selector sees none).
std::optional<HttpResponse> FilterEvents(const HttpTarget& target, std::vector<api::Event>& events);

// Services, Endpoints and EndpointSlices: labels, and the fields metadata.name and
// metadata.namespace (`kubectl describe service` selects slices by kubernetes.io/service-name).
std::optional<HttpResponse> FilterServices(const HttpTarget& target,
                                           std::vector<api::Service>& services);
std::optional<HttpResponse> FilterEndpoints(const HttpTarget& target,
                                            std::vector<api::Endpoints>& endpoints);
std::optional<HttpResponse> FilterEndpointSlices(const HttpTarget& target,
                                                 std::vector<api::EndpointSlice>& slices);

}  // namespace probelet::server
