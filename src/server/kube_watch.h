// Watches of pods and events (issue 14 §2): `kubectl get pods -w`, `get pod NAME -w`,
// `get events -w`, `get pods -w -o wide` and `-o json -w`, as the API server serves them:
//   GET /api/v1[/namespaces/{ns}]/{pods|events}?watch=true|1[&resourceVersion=N]
//       [&timeoutSeconds=S][&labelSelector=..][&fieldSelector=..]
//   GET /api/v1/namespaces/{ns}/pods/{name}?watch=1 (the old form of fieldSelector=metadata.name)
// The body is a chunked stream of newline-delimited watch events,
//   {"type":"ADDED|MODIFIED|DELETED","object":{...}}
// With no resourceVersion (or "0") every current object comes first as ADDED, then changes; with
// N, the changes after N (the list's version, which `kubectl get -w` passes); N older than the
// WatchCache keeps is one ERROR event with a 410 Expired Status, then the end. With a selector,
// an object that stops matching is DELETED and one that starts is ADDED (the Cacher's rule).
// With `Accept: application/json;as=Table;...` each object is a meta.k8s.io/v1 Table of one row
// (as ?includeObject= asks), column definitions only in the first, as the API server saves
// bandwidth (kubectl's printer reuses them).
//
// Pure functions of the request, the PodSource and the WatchCache (which the returned watcher
// joins); the event loop thread.
#pragma once

#include <optional>
#include <string_view>

#include "api/time.h"
#include "server/api_handler.h"
#include "server/http_target.h"
#include "server/pod_source.h"
#include "server/watch_cache.h"

namespace probelet::server {

// The watch response (HttpResponse::watch set, or an error Status) for a watch of pods or
// events; nullopt for any other target (not a watch, or of another resource).
std::optional<HttpResponse> ServeWatch(const HttpTarget& target, std::string_view accept,
                                       const PodSource& source, WatchCache& cache, api::Time now);

}  // namespace probelet::server
