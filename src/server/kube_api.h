// The part of the Kubernetes API that a real kubectl needs to look at a probelet agent:
//   kubectl --server http://127.0.0.1:10255 get pods | get pod NAME -o yaml | describe pod NAME
//                                           logs NAME [-c C] [-f] [--previous] [--tail N]
//                                           get events
// As captured from kubectl 1.32 with -v=8:
//   GET /version, /api, /apis (aggregated discovery is asked for; plain v1 discovery is answered
//       and kubectl falls back to it), /api/v1 (APIResourceList: pods, pods/log, events)
//   GET /api/v1[/namespaces/{ns}]/pods?limit=500[&labelSelector=..][&fieldSelector=..]
//   GET /api/v1/namespaces/{ns}/pods/{name}
//   GET /api/v1/namespaces/{ns}/pods/{name}/log?container=C&follow=true&previous=true&tailLines=N
//       (also timestamps, limitBytes, sinceSeconds, sinceTime)
//   GET /api/v1[/namespaces/{ns}]/events?limit=500
//       [&fieldSelector=involvedObject.name=N,involvedObject.namespace=NS,involvedObject.uid=U]
// With `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` lists and gets answer a
// meta.k8s.io/v1 Table whose columns are the API server's (table_printers.h). An unknown pod is
// a 404 with a v1 Status body, as from the API server.
//
// Pure functions of the request and the PodSource; the event loop thread (PodSource's thread).
// Routing, discovery and the pod, event and log endpoints are here; selectors are in
// kube_selectors.h, the encoding of objects, lists and Tables in kube_encoding.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/time.h"
#include "server/api_handler.h"
#include "server/http_target.h"
#include "server/pod_source.h"

namespace probelet::server {

class WatchCache;
class PodEncodingCache;

// Serves /version, /api, /apis and everything under them; nullopt for any other path.
// `versions` (may be null) stamps metadata.resourceVersion on objects, lists and Tables.
// `pods` (may be null) keeps the pods' JSON between requests (pod_encoding_cache.h).
std::optional<HttpResponse> ServeKubeApi(const HttpTarget& target, std::string_view accept,
                                         const PodSource& source, api::Time now,
                                         const WatchCache* versions = nullptr,
                                         const std::shared_ptr<PodEncodingCache>& pods = nullptr);

// ?watch=true or ?watch=1, as the API server reads it.
bool IsWatch(const HttpTarget& target);
// "true" or "1".
bool ParseBool(const std::string* s);

// A v1 Status response: {"kind":"Status","status":"Failure","reason":..,"code":..}.
// `kind`/`name` fill "details" when not empty (e.g. "pods", "web" for a NotFound pod).
HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                            std::string_view kind = {}, std::string_view name = {});

// A 400 v1 Status with reason BadRequest and `message`.
HttpResponse BadRequest(std::string_view message);

// {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[...]} of `source`'s pods, as the
// kubelet's read-only /pods serves it; produced piecewise (HttpResponse::produce), the items of
// unchanged pods taken from `cache` (may be null).
HttpResponse PodListJson(const PodSource& source, const WatchCache* versions = nullptr,
                         const std::shared_ptr<PodEncodingCache>& cache = nullptr);
// {"kind":"EventList","apiVersion":"v1","metadata":{},"items":[...]}, oldest last-seen first.
std::string EventListJson(const PodSource& source, const WatchCache* versions = nullptr);

}  // namespace probelet::server
