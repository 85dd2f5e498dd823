// RandomPicker: an EndpointPicker over a settable list of ready backends. Each connection goes
// to one chosen uniformly at random (kube-proxy's iptables mode: `statistic --mode random`), or,
// with ClientIP affinity enabled, to the backend the client was last sent to while that one is
// still in the list and its entry has not expired.
//
// SetBackends takes effect for the next Pick (the next accepted connection); connections already
// established are not the picker's concern and are never cut.
//
// Thread safety: one thread (the proxy's loop). Ownership: the clock given to
// EnableClientIpAffinity must outlive the picker.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "base/clock.h"
#include "proxy/client_ip_affinity.h"
#include "proxy/endpoint_picker.h"

namespace probelet::proxy {

class RandomPicker : public EndpointPicker {
 public:
  explicit RandomPicker(uint64_t seed = std::random_device{}());

  // The ready backends, replacing the previous list.
  void SetBackends(std::vector<Backend> ready) { backends_ = std::move(ready); }
  const std::vector<Backend>& backends() const { return backends_; }

  // sessionAffinity ClientIP with `timeout` (the table starts empty); Disable goes back to None.
  void EnableClientIpAffinity(base::Clock& clock,
                              base::Duration timeout = ClientIpAffinity::kDefaultTimeout);
  void DisableClientIpAffinity() { affinity_.reset(); }
  ClientIpAffinity* affinity() { return affinity_ ? &*affinity_ : nullptr; }

  std::optional<Backend> Pick(const std::string& client_ip,
                              const std::vector<Backend>& exclude) override;

 private:
  bool Usable(const Backend& b, const std::vector<Backend>& exclude) const;

  std::vector<Backend> backends_;
  std::optional<ClientIpAffinity> affinity_;
  std::minstd_rand rng_;
};

}  // namespace probelet::proxy
