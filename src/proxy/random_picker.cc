#include "proxy/random_picker.h"

#include <algorithm>

namespace probelet::proxy {

RandomPicker::RandomPicker(uint64_t seed) : rng_(static_cast<uint32_t>(seed ^ (seed >> 32))) {}

void RandomPicker::EnableClientIpAffinity(base::Clock& clock, base::Duration timeout) {
  affinity_.emplace(clock, timeout);
}

bool RandomPicker::Usable(const Backend& b, const std::vector<Backend>& exclude) const {
  return std::find(exclude.begin(), exclude.end(), b) == exclude.end() &&
         std::find(backends_.begin(), backends_.end(), b) != backends_.end();
}

std::optional<Backend> RandomPicker::Pick(const std::string& client_ip,
                                          const std::vector<Backend>& exclude) {
  if (affinity_) {
    // A remembered backend that is no longer ready (or just failed) is not used: kube-proxy's
    // affinity rule lives in the endpoint's chain, which goes away with the endpoint.
    if (auto sticky = affinity_->Lookup(client_ip); sticky && Usable(*sticky, exclude)) {
      affinity_->Record(client_ip, *sticky);
      return sticky;
    }
  }
  std::optional<Backend> chosen;
  if (exclude.empty()) {
    if (backends_.empty()) return std::nullopt;
    chosen = backends_[rng_() % backends_.size()];
  } else {
    std::vector<const Backend*> candidates;
    for (const auto& b : backends_) {
      if (std::find(exclude.begin(), exclude.end(), b) == exclude.end()) candidates.push_back(&b);
    }
    if (candidates.empty()) return std::nullopt;
    chosen = *candidates[rng_() % candidates.size()];
  }
  if (affinity_) affinity_->Record(client_ip, *chosen);
  return chosen;
}

}  // namespace probelet::proxy
