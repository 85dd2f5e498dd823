// ServicePortProxy: the in-process data path of one Service port (kube-proxy's job): it listens
// on address:port and forwards each accepted TCP connection to the backend its EndpointPicker
// chooses for it.
//
// - No backend: the client is reset at once (SO_LINGER 0: kube-proxy's REJECT), never queued.
// - A connect that fails (refused, reset, or no answer within connect_timeout, 1 s) is retried
//   once on another backend (the failed one excluded) before the client is reset.
// - The picker is asked at each accept: a readiness change applies to the next connection, and
//   established connections are never cut by one; they last until a side closes or resets.
// - The data path (ProxyConnection) handles half-close, bounds what it buffers per connection
//   and direction (64 KiB), and has no idle timeout. TCP_NODELAY on both sides.
//
// How it waits: its own epoll set, edge-triggered, with every socket of the port registered
// once; the epoll descriptor is one Asio descriptor on the agent's loop. Each wake-up drains a
// batch of events, so a busy port costs one Asio wake-up per batch rather than one Asio
// operation per read or write (bench/service_proxy/README.md has the figures).
//
// Thread safety: the io_context's one thread only. Ownership: io_context, clock and picker must
// outlive the proxy; destroying it (or Close) closes the listener and every connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/expected.h"
#include "proxy/endpoint_picker.h"
#include "proxy/proxy_connection.h"

namespace boost::asio {
class io_context;
}

namespace probelet::proxy {

struct ServicePortProxyOptions {
  CopyMode copy_mode = CopyMode::kReadWrite;
  base::Duration connect_timeout = std::chrono::seconds(1);
  int backlog = 4096;
};

class ServicePortProxy {
 public:
  // Binds address:port (port 0: a free port, see port()) and starts accepting. The error names
  // address:port (`listen tcp 127.0.0.1:80: bind: Address already in use`); the caller adds
  // the Service.
  static base::Expected<std::unique_ptr<ServicePortProxy>> Listen(
      boost::asio::io_context& io, base::Clock& clock, EndpointPicker& picker,
      const std::string& address, uint16_t port, ServicePortProxyOptions options = {});
  ~ServicePortProxy();
  ServicePortProxy(const ServicePortProxy&) = delete;
  ServicePortProxy& operator=(const ServicePortProxy&) = delete;

  const std::string& address() const;
  uint16_t port() const;
  const ProxyCounters& counters() const;
  // Stops listening and resets every connection. Idempotent; the destructor calls it.
  void Close();

  class Impl;

 private:
  explicit ServicePortProxy(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace probelet::proxy
