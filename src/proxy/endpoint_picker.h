// EndpointPicker: how a ServicePortProxy chooses the backend of each new connection.
//
// The proxy asks once per accepted connection (and once more, excluding the backend that failed,
// when the connect fails), so whatever the picker answers takes effect at the next accepted
// connection: a readiness change needs no polling and never touches existing connections.
// Implementations: RandomPicker (random among the ready backends, optional ClientIP affinity);
// the endpoint computation may provide its own.
//
// Thread safety: called on the proxy's event loop thread only. Ownership: the proxy holds a
// reference; the picker must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace probelet::proxy {

// One ready endpoint address of a Service port (an EndpointSlice endpoint's address and port).
struct Backend {
  std::string ip;
  uint16_t port = 0;
  bool operator==(const Backend&) const = default;
};

class EndpointPicker {
 public:
  virtual ~EndpointPicker() = default;
  // The backend for a new connection from `client_ip`, skipping those in `exclude` (backends
  // whose connect failed for this connection); nullopt when none is left: the proxy then resets
  // the client at once (kube-proxy's REJECT).
  virtual std::optional<Backend> Pick(const std::string& client_ip,
                                      const std::vector<Backend>& exclude) = 0;
};

}  // namespace probelet::proxy
