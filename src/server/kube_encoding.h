// Encoding the agent's pods and events for the Kubernetes API: v1 objects (kind and apiVersion
// set), v1 lists, and the meta.k8s.io/v1 Tables kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the API server's column
// definitions (cells from table_printers.h) and each row's object as ?includeObject= asks
// (None | Metadata, the default | Object). Pod lists and tables are produced piecewise
// (HttpResponse::produce), 20 items a piece, so a long list never holds the event loop.
//
// Objects, lists and Tables carry metadata.resourceVersion when given the WatchCache that keeps
// the versions (null: none, as before the watch API).
//
// Pure functions; any thread. The produce callbacks own copies of what they encode; a
// WatchCache given must outlive them.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "api/time.h"
#include "server/api_handler.h"
#include "server/http_target.h"

namespace probelet::server {

class WatchCache;

// A v1 Pod / Event object: the api encoding plus "kind" and "apiVersion".
nlohmann::json EncodePodObject(const api::Pod& pod, const WatchCache* versions = nullptr);
nlohmann::json EncodeEventObject(const api::Event& e, const WatchCache* versions = nullptr);
// {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion"?}, "items": items}.
nlohmann::json ListJson(std::string_view kind, nlohmann::json items,
                        const WatchCache* versions = nullptr);

// Table building blocks (also for kube_services.cc): a string column definition; a row's
// "object" as ?includeObject= asks; the Table envelope.
nlohmann::json TableColumn(std::string_view name, std::string_view description, int priority = 0,
                           std::string_view format = "");
nlohmann::json TableRowObject(const HttpTarget& target, const nlohmann::json& object);
nlohmann::json TableOf(nlohmann::json columns, nlohmann::json rows);

// The pods as a meta.k8s.io/v1 Table of `kubectl get pods`' columns, produced piecewise.
HttpResponse PodTableResponse(const HttpTarget& target, std::vector<api::Pod> pods, api::Time now,
                              const WatchCache* versions = nullptr);
// The pods as a v1 PodList, produced piecewise.
HttpResponse PodListResponse(std::vector<api::Pod> pods, const WatchCache* versions = nullptr);
// The events as a meta.k8s.io/v1 Table of `kubectl get events`' columns.
nlohmann::json EventTable(const HttpTarget& target, const std::vector<api::Event>& events,
                          api::Time now, const WatchCache* versions = nullptr);

// The parts of those Tables, for watch events (one row each, kube_watch.h).
nlohmann::json PodColumnDefinitions();
nlohmann::json PodTableRow(const HttpTarget& target, const api::Pod& pod, api::Time now,
                           const WatchCache* versions);
nlohmann::json EventColumnDefinitions();
nlohmann::json EventTableRow(const HttpTarget& target, const api::Event& event, api::Time now,
                             const WatchCache* versions);

}  // namespace probelet::server
