#include "server/pod_encoding_cache.h"

#include <unordered_set>

namespace probelet::server {

std::shared_ptr<const std::string> PodEncodingCache::Find(std::string_view uid, uint64_t revision,
                                                          uint64_t resource_version) const {
  if (revision != 0) {
    auto it = items_.find(uid);
    if (it != items_.end() && it->second.revision == revision &&
        it->second.resource_version == resource_version) {
      ++hits_;
      return it->second.item;
    }
  }
  ++misses_;
  return nullptr;
}

void PodEncodingCache::Store(std::string_view uid, uint64_t revision, uint64_t resource_version,
                             std::shared_ptr<const std::string> item) {
  if (revision == 0 || !item) return;
  auto it = items_.find(uid);
  if (it == items_.end()) {
    items_.emplace(std::string(uid), Entry{revision, resource_version, std::move(item)});
    return;
  }
  Entry& e = it->second;
  // Revisions and resourceVersions only grow: never replace a newer encoding with an older one.
  if (e.revision > revision || (e.revision == revision && e.resource_version > resource_version)) {
    return;
  }
  e = Entry{revision, resource_version, std::move(item)};
}

void PodEncodingCache::Retain(std::span<const PodView> live) {
  // Nothing can be stale while the cache holds no more entries than there are pods... unless a
  // pod went and another came without an encoding yet: that one entry waits for the next list,
  // when the newcomer's encoding is kept and the count exceeds the pods.
  if (items_.size() <= live.size()) return;
  std::unordered_set<std::string_view> uids;
  uids.reserve(live.size());
  for (const PodView& p : live) uids.insert(p.pod->metadata.uid);
  std::erase_if(items_, [&](const auto& entry) { return !uids.contains(entry.first); });
}

}  // namespace probelet::server
