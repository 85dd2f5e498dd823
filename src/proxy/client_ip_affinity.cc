#include "proxy/client_ip_affinity.h"

#include <algorithm>

namespace probelet::proxy {

ClientIpAffinity::ClientIpAffinity(base::Clock& clock, base::Duration timeout)
    : clock_(clock), timeout_(timeout) {}

std::optional<Backend> ClientIpAffinity::Lookup(const std::string& client_ip) {
  auto it = entries_.find(client_ip);
  if (it == entries_.end()) return std::nullopt;
  if (Expired(it->second)) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.backend;
}

void ClientIpAffinity::Record(const std::string& client_ip, const Backend& backend) {
  entries_.insert_or_assign(client_ip, Entry{backend, clock_.Now()});
  if (entries_.size() >= sweep_at_) Sweep();
}

void ClientIpAffinity::Forget(const Backend& backend) {
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.backend == backend; });
}

void ClientIpAffinity::Sweep() {
  std::erase_if(entries_, [&](const auto& kv) { return Expired(kv.second); });
  sweep_at_ = std::max<size_t>(1024, entries_.size() * 2);
}

}  // namespace probelet::proxy
