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

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "api/time.h"
#include "server/api_handler.h"
#include "server/http_target.h"
#include "server/pod_source.h"

namespace probelet::server {

class WatchCache;
class PodEncodingCache;

// A v1 Pod / Event object: the api encoding plus "kind" and "apiVersion".
nlohmann::json EncodePodObject(const api::Pod& pod, const WatchCache* versions = nullptr);
// The same stamped with `resource_version` (0: none).
nlohmann::json EncodePodObjectAt(const api::Pod& pod, uint64_t resource_version);
// A v1 Pod object as served (and as an item of a PodList): EncodePodObject's JSON text, taken
// from `cache` (may be null) while the pod's revision and resourceVersion are unchanged, and
// kept there when encoded.
std::shared_ptr<const std::string> PodObjectText(const PodView& pod, const WatchCache* versions,
                                                 PodEncodingCache* cache);
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

// The pods as a meta.k8s.io/v1 Table of `kubectl get pods`' columns, produced piecewise. The
// views are read during the call only; the rows' objects are taken from `cache` (may be null)
// and kept there as PodListResponse does with items; the cells are made anew (ages change).
HttpResponse PodTableResponse(const HttpTarget& target, std::span<const PodView> pods,
                              api::Time now, const WatchCache* versions,
                              std::shared_ptr<PodEncodingCache> cache);
// The pods as a v1 PodList, produced piecewise. The views are read during the call only: an
// item `cache` (may be null) holds for the pod's revision and resourceVersion is taken from it
// (a copy of its bytes, no encoding); the other pods are copied, encoded a piece at a time and
// their items kept in `cache`.
HttpResponse PodListResponse(std::span<const PodView> pods, const WatchCache* versions,
                             std::shared_ptr<PodEncodingCache> cache);
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
