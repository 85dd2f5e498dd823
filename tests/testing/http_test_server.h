// HttpTestServer: a real HTTP(S) server on 127.0.0.1 for tests (Go's httptest.Server in the
// small), including the hostile peers the probers must survive.
//
//   testing::HttpTestServer server;                    // listening when the constructor returns
//   server.Handle("/healthz", [](const testing::SeenRequest&) {
//     return testing::Response::Text(200, "ok");
//   });
//   probe "http://127.0.0.1:" + std::to_string(server.port()) + "/healthz" ...
//   server.requests()[0].head                          // the exact bytes the client sent
//
// Each server owns one thread running its own io_context, so a test's event loop (and the
// probelet binary, for integration tests) talk to it as to any remote server. Bound to port 0
// in the constructor: ready as soon as it exists, no sleeping. Every connection gets one
// response and is closed (the probes send Connection: close). The destructor stops the thread
// and closes every connection.
//
// Thread safety: Handle() and requests() may be called from any thread; handlers run on the
// server's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace probelet::testing {

// One request as the server received it.
struct SeenRequest {
  std::string head;    // request line and headers, exactly as received, up to the empty line
  std::string method;  // "GET"
  std::string target;  // request-URI as sent: "/healthz?x=1"
  std::string path;    // target without the query
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent, in order
  std::string sni;  // TLS server name the client sent (HTTPS only; empty if none)
  // The first value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

// What to answer. The factories cover the usual cases and the hostile ones.
struct Response {
  enum class Mode {
    kNormal,        // status line, headers, Content-Length, body; then close
    kNoAnswer,      // read the request and never answer (until the client leaves)
    kRaw,           // write `raw` verbatim, then close
    kRawThenReset,  // write `raw` verbatim, then reset the connection (RST)
    kStreamBody,    // 200 with Content-Length `stream_bytes`, body of 'a' streamed without end
                    // of memory (stops when the client goes away)
    kDripBody,      // 200 headers, then one byte of body every `drip_interval`, forever
  };
  Mode mode = Mode::kNormal;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  std::string raw;
  uint64_t stream_bytes = 0;
  std::chrono::milliseconds drip_interval{50};

  static Response Text(int status, std::string body);
  static Response Redirect(int status, std::string location);
  static Response NoAnswer();
  static Response Raw(std::string bytes);
  static Response RawThenReset(std::string bytes);
  static Response Stream(uint64_t bytes);
  static Response Drip(std::chrono::milliseconds interval);
  // The request's exact head as the body (content type text/plain).
  static Response Echo(const SeenRequest& request);
};

using Handler = std::function<Response(const SeenRequest&)>;

struct HttpTestServerOptions {
  bool tls = false;  // HTTPS with a self-signed certificate generated at start (OpenSSL API)
  // If set, every connection gets these bytes as soon as it is accepted, without reading a
  // request, and is then closed: e.g. garbage on a port the client expects TLS on.
  std::optional<std::string> greeting = std::nullopt;
};

class HttpTestServer {
 public:
  explicit HttpTestServer(HttpTestServerOptions options = {});
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // Exact path match (without the query). Unhandled paths get 404 "not found".
  void Handle(std::string path, Handler handler);
  // Every path not handled otherwise.
  void HandleDefault(Handler handler);

  uint16_t port() const;
  // "http://127.0.0.1:<port><path>" (https when tls).
  std::string Url(std::string_view path = "/") const;
  std::vector<SeenRequest> requests() const;
  // Connections accepted so far.
  size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace probelet::testing
