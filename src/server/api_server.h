// ApiServer: the agent's read-only HTTP/1.1 API (the kubelet's read-only port, :10255), served
// with Boost.Beast on the agent's one event loop: one coroutine per connection, no threads.
//
//   /pods /events /healthz /metrics         the kubelet read-only port conventions (DESIGN.md)
//   /version /api /api/v1 /apis /api/v1/... the part of the Kubernetes API kubectl needs
//                                           (kube_api.h): get, describe, logs [-f], get events,
//                                           get -w (kube_watch.h, with a WatchCache)
//
// Read-only: GET and HEAD, anything else is 405. A non-loopback address is refused unless
// allow_remote (the API has no authentication, like the read-only port). Hostile clients are
// bounded: at most max_connections sockets (more are accepted and closed at once), request
// headers up to max_header_bytes (else 431 and close), a whole request must arrive within
// request_timeout (slowloris), and an idle keep-alive connection is closed after idle_timeout.
// Serving must not disturb probing on the same loop: requests are handled one at a time and,
// when they queue up, spaced so the API takes at most api_loop_share of the loop. A long body
// (pod lists, /probes, /metrics) is produced a piece per turn and, over HTTP/1.1, sent in
// chunks as it comes (Transfer-Encoding: chunked), never whole in memory.
//
// Errors: whatever a request's handler throws, of any type, is that request's 500 (logged) and
// the server goes on. An exception that escapes one of the server's coroutines (a bug of the
// server itself) is logged and rethrown out of io_context::run(), so that the owner stops the
// agent gracefully (kubelet::Agent::Run) instead of the process ending.
//
// Thread safety: construct, Start, Stop and destroy on the thread that runs `io`; everything runs
// there. Ownership: `io`, `clock` and `source` must outlive the server. Stop (or destruction)
// closes the listener and every connection; pending coroutines end on later turns of the loop,
// and `io` must keep running (or be destroyed) for them to finish.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/expected.h"
#include "server/pod_source.h"

namespace boost::asio {
class io_context;
}

namespace probelet::server {

class WatchCache;

struct ApiServerOptions {
  std::string address = "127.0.0.1:10255";  // host:port; port 0 picks a free one
  bool allow_remote = false;                // --api-allow-remote
  // Bounds against hostile or leaky clients (see the header comment).
  size_t max_connections = 1024;
  size_t max_header_bytes = 16 * 1024;
  base::Duration request_timeout = std::chrono::seconds(10);
  base::Duration idle_timeout = std::chrono::seconds(60);
  // /healthz turns 500 when the loop has stalled longer than this (loop_monitor.h).
  base::Duration stall_threshold = std::chrono::seconds(10);
  // The largest share of the event loop's time the API may take while requests queue up
  // (probes run in the rest): after a request that took t, the next waits t*(1-share)/share.
  double api_loop_share = 0.5;
  // How often `logs -f` looks for new lines in the container's log file.
  base::Duration log_follow_poll = std::chrono::milliseconds(200);
};

class ApiServer {
 public:
  // `watches` (may be null: watches answer 405 and objects carry no resourceVersion) is fed by
  // the owner (the status manager's and event store's observers) and must outlive the server.
  // Stop ends its watch streams cleanly (the last chunk).
  ApiServer(boost::asio::io_context& io, base::Clock& clock, const PodSource& source,
            ApiServerOptions options = {}, WatchCache* watches = nullptr);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds and starts accepting. The error names the address (bad syntax, non-loopback without
  // allow_remote, or the bind error such as "address already in use").
  base::Status Start();
  // "127.0.0.1:PORT" once started (the real port when options asked for 0).
  std::string bound_address() const;
  // Closes the listener and every open connection. Idempotent.
  void Stop();
  // Connections open now (for tests and metrics).
  size_t connection_count() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with the running coroutines, which may outlive Stop()
};

}  // namespace probelet::server
