// ClientIpAffinity: a Service's sessionAffinity ClientIP table. It remembers which backend each
// client IP was last sent to and for how long that choice sticks (sessionAffinityConfig.clientIP
// .timeoutSeconds, default 10800 s), as kube-proxy's iptables mode does with the `recent` match:
// every new connection that uses an entry refreshes it, and an entry not used for `timeout`
// expires.
//
// Expired entries are dropped when looked up and, so the table cannot grow without bound, in a
// sweep whenever it has doubled since the last one (amortised O(1) per Record).
//
// Thread safety: one thread, the clock's. Ownership: the clock must outlive the table.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "proxy/endpoint_picker.h"

namespace probelet::proxy {

class ClientIpAffinity {
 public:
  static constexpr base::Duration kDefaultTimeout = std::chrono::seconds(10800);

  ClientIpAffinity(base::Clock& clock, base::Duration timeout);

  // The backend `client_ip` was last sent to, if that was less than `timeout` ago.
  std::optional<Backend> Lookup(const std::string& client_ip);
  // Remembers that `client_ip` was sent to `backend` now (refreshing its expiry).
  void Record(const std::string& client_ip, const Backend& backend);
  // Drops the entries that point at `backend` (e.g. when its endpoint is gone for good).
  void Forget(const Backend& backend);

  base::Duration timeout() const { return timeout_; }
  // Entries held, expired ones not yet swept included.
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Backend backend;
    base::MonoTime last_used;
  };
  bool Expired(const Entry& e) const { return clock_.Now() - e.last_used >= timeout_; }
  void Sweep();

  base::Clock& clock_;
  base::Duration timeout_;
  std::unordered_map<std::string, Entry> entries_;
  size_t sweep_at_ = 1024;
};

}  // namespace probelet::proxy
