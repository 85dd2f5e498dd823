#include "server/api_handler.h"

#include "server/dashboard.h"
#include "server/http_target.h"
#include "server/kube_api.h"
#include "server/kube_watch.h"
#include "server/manifest_list.h"
#include "server/pod_encoding_cache.h"
#include "server/probe_api.h"
#include "server/process_metrics.h"

namespace probelet::server {
namespace {

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

}  // namespace

ApiHandler::ApiHandler(base::Clock& clock, const PodSource& source, const LoopMonitor& monitor,
                       std::function<void(std::string&)> extra_metrics, WatchCache* watches)
    : clock_(clock),
      source_(source),
      monitor_(monitor),
      extra_metrics_(std::move(extra_metrics)),
      watches_(watches),
      pod_json_(std::make_shared<PodEncodingCache>()) {}

HttpResponse ApiHandler::Handle(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = StatusResponse(405, "MethodNotAllowed",
                                    "the server does not allow this method on the requested "
                                    "resource (probelet's API is read-only)");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::optional<HttpTarget> target = ParseHttpTarget(request.target);
  if (!target) return Text(400, "400 Bad Request: malformed request target\n");

  const std::string& path = target->path;
  if (path == "/pods" || path == "/pods/") return PodListJson(source_, watches_, pod_json_);
  if (path == "/events" || path == "/events/") {
    HttpResponse r;
    r.body = EventListJson(source_, watches_);
    return r;
  }
  if (path == "/manifests" || path == "/manifests/") {
    HttpResponse r;
    r.body = ManifestListJson(source_.ListManifests());
    return r;
  }
  if (path == "/healthz") {
    if (auto reason = monitor_.Unhealthy()) return Text(500, *reason + "\n");
    return Text(200, "ok");
  }
  if (path == "/metrics") {
    HttpResponse r = Text(200, "");
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    // The probe workers' series a piece at a time (about a millisecond each at 256 series: all
    // 4,000 workers' at once held the loop for 20 ms), then the few others in the last piece.
    r.produce = [this, cursor = prober::ProberMetrics::TextCursor()](std::string& body) mutable {
      if (!source_.WriteProberMetrics(body, cursor, 256)) return false;
      source_.WriteMetrics(body);
      monitor_.WriteMetrics(body);
      if (extra_metrics_) extra_metrics_(body);
      WriteProcessMetrics(body);
      return true;
    };
    return r;
  }
  if (auto r = ServeProbes(*target, source_)) return *r;
  if (auto r = ServeDashboard(*target, request.if_none_match)) return *r;
  if (watches_ != nullptr) {
    if (auto r = ServeWatch(*target, request.accept, source_, *watches_, clock_.WallNow())) {
      return *r;
    }
  }
  if (auto r =
          ServeKubeApi(*target, request.accept, source_, clock_.WallNow(), watches_, pod_json_)) {
    return *r;
  }
  return Text(404, "404 page not found\n");
}

HttpResponse ApiHandler::HandleFully(const HttpRequest& request) const {
  HttpResponse r = Handle(request);
  if (r.produce) {
    while (!r.produce(r.body)) {
    }
    r.produce = nullptr;
  }
  return r;
}

bool ApiHandler::StillCurrent(const LogStream& stream) const {
  if (stream.previous) return false;  // a previous instance's log never grows
  auto path = source_.LogPath(stream.ns, stream.pod, stream.container, false);
  if (!path || *path != stream.path) return false;  // restarted, or the pod is gone
  // The kubelet stops following once the container is no longer running.
  bool current = false;
  source_.WithPods([&](std::span<const PodView> pods) {
    for (const PodView& view : pods) {
      const api::Pod& pod = *view.pod;
      if (pod.metadata.namespace_ != stream.ns || pod.metadata.name != stream.pod) continue;
      current = true;  // no status yet: keep waiting for it
      for (const auto* list :
           {&pod.status.container_statuses, &pod.status.init_container_statuses}) {
        for (const auto& s : *list) {
          if (s.name == stream.container) {
            current = s.state.running.has_value();
            return;
          }
        }
      }
      return;
    }
  });
  return current;
}

}  // namespace probelet::server
