#include "server/pod_encoding_cache.h"

#include <unordered_set>

namespace probelet::server {

std::shared_ptr<const std::string> PodEncodingCache::Find(std::string_view uid, PodTextKind kind,
                                                          uint64_t revision,
                                                          uint64_t resource_version) const {
  if (revision != 0) {
    auto it = items_.find(uid);
    if (it != items_.end() && it->second.revision == revision &&
        it->second.resource_version == resource_version) {
      const auto& text = it->second.texts[static_cast<size_t>(kind)];
      if (text) {
        ++hits_;
        return text;
      }
    }
  }
  ++misses_;
  return nullptr;
}

void PodEncodingCache::Store(std::string_view uid, PodTextKind kind, uint64_t revision,
                             uint64_t resource_version, std::shared_ptr<const std::string> text) {
  if (revision == 0 || !text) return;
  auto it = items_.find(uid);
  if (it == items_.end()) it = items_.emplace(std::string(uid), Entry{}).first;
  Entry& e = it->second;
  // Revisions and resourceVersions only grow: never replace a newer text with an older one.
  if (e.revision > revision || (e.revision == revision && e.resource_version > resource_version)) {
    return;
  }
  if (e.revision != revision || e.resource_version != resource_version) {
    e = Entry{revision, resource_version, {}};
  }
  e.texts[static_cast<size_t>(kind)] = std::move(text);
}

void PodEncodingCache::Retain(std::span<const PodView> live) {
  // While the cache holds no more entries than there are pods, at most a few are of pods gone
  // (as many as pods came since and are not encoded yet): they go at the next list, once the
  // newcomers' texts are kept and the entries outnumber the pods.
  if (items_.size() <= live.size()) return;
  std::unordered_set<std::string_view> uids;
  uids.reserve(live.size());
  for (const PodView& p : live) uids.insert(p.pod->metadata.uid);
  std::erase_if(items_, [&](const auto& entry) { return !uids.contains(entry.first); });
}

}  // namespace probelet::server
