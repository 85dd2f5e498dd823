// ApiHandler: turns one HTTP request into its response, with no I/O of its own except reading
// a log file's first bytes; api_server.cc does the networking. Kept apart from the sockets so
// every endpoint is tested as a function (api_handler_test.cc) as well as over the wire.
//
// Routes: the read-only port (/pods, /events, /healthz, /metrics) here; the probe history
// (/probes, /probes/...) in probe_api.h; the Kubernetes API (/version, /api, /apis,
// /api/v1/...) in kube_api.h, its watches (?watch=true) in kube_watch.h; the dashboard (/,
// /ui/...) in dashboard.h. Only GET and HEAD are served (405 with `Allow: GET, HEAD`
// otherwise); the server turns HEAD into GET without a body.
//
// Thread safety: the event loop thread (it calls the PodSource). Ownership: clock, source and
// monitor must outlive the handler.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "server/cri_log.h"
#include "server/loop_monitor.h"
#include "server/pod_source.h"

namespace probelet::server {

class Watcher;
class WatchCache;
class PodEncodingCache;

struct HttpRequest {
  // A constructor rather than an aggregate, so that the callers that name three fields
  // ({method, target, accept}) stay valid under -Wmissing-field-initializers.
  HttpRequest() = default;
  HttpRequest(std::string method, std::string target, std::string accept = {},
              std::string if_none_match = {})
      : method(std::move(method)),
        target(std::move(target)),
        accept(std::move(accept)),
        if_none_match(std::move(if_none_match)) {}

  std::string method;  // "GET"
  std::string target;  // "/api/v1/pods?limit=500"
  std::string accept;  // the Accept header, "" when absent
  // The If-None-Match header, "" when absent (the dashboard's files answer 304 on a match).
  std::string if_none_match;
};

// A container log to stream after the response header (a `logs` request): the server sends the
// file from `offset`, decoded (cri_log.h), then keeps following it while `options.follow`.
struct LogStream {
  std::string path;
  uint64_t offset = 0;
  LogOptions options;
  // The container followed, to notice when it restarts (its current log moves on).
  std::string ns, pod, container;
  bool previous = false;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
  std::optional<LogStream> log;  // set: the body is empty and the log is streamed instead
  // Set for long bodies (pods, /probes, /metrics): appends the next piece of the body to `body`
  // and returns true once it is complete. The server calls it between other work, so encoding a
  // thousand pods never holds the event loop (and the probes on it) for more than a piece. It
  // may read the handler and its PodSource, so it must not outlive them (the server's sessions
  // do not), and the source may change between pieces.
  std::function<bool(std::string& body)> produce;
  // Set for a watch (kube_watch.h): the server streams the watcher's lines as HTTP chunks until
  // it ends, times out, the client goes or the server stops.
  std::shared_ptr<Watcher> watch;
};

class ApiHandler {
 public:
  // `extra_metrics` (may be empty) appends the server's own metrics to /metrics. `watches`
  // (may be null: no watch, and no resourceVersion on objects) must outlive the handler.
  ApiHandler(base::Clock& clock, const PodSource& source, const LoopMonitor& monitor,
             std::function<void(std::string&)> extra_metrics = {}, WatchCache* watches = nullptr);

  HttpResponse Handle(const HttpRequest& request) const;
  // Handle, with any piecewise body (HttpResponse::produce) produced to the end at once.
  HttpResponse HandleFully(const HttpRequest& request) const;

  // Whether a follower of `stream` should keep waiting for lines: false once the container
  // stopped running or restarted (its current log moved on), or its pod is gone.
  bool StillCurrent(const LogStream& stream) const;

 private:
  base::Clock& clock_;
  const PodSource& source_;
  const LoopMonitor& monitor_;
  std::function<void(std::string&)> extra_metrics_;
  WatchCache* watches_;
  // The pods' JSON between requests (/pods, /api/v1/...pods): shared with the responses being
  // produced, which may outlive a request.
  std::shared_ptr<PodEncodingCache> pod_json_;
};

}  // namespace probelet::server
