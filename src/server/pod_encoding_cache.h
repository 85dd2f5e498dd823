// PodEncodingCache: each pod's JSON texts, kept while the pod is unchanged, so that listing N
// unchanged pods costs about a copy of their bytes instead of N encodings (issue 13: GET /pods
// at 2,000 pods while 4,000 probes a second share the loop). Two kinds of text (PodTextKind):
// the v1 Pod object (an item of a PodList, and a GET of one pod), and the PartialObjectMetadata
// that a row of kubectl's Table carries by default.
//
// An entry is valid for one (revision, resourceVersion) of its pod: the source's revision
// (PodView) changes with every change of the pod and is never reused, and the resourceVersion
// stamped in the item is part of the key, so a stale encoding is never served. A pod whose
// revision is 0 (unknown) is never cached. Entries of removed pods go at the next Retain (each
// list calls it with every pod), so the cache holds at most the pods listed last plus those
// encoded since.
//
// Thread safety: the event loop thread (the API handler's). Items are shared, immutable strings:
// a response being sent keeps its own references.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/pod_source.h"

namespace probelet::server {

enum class PodTextKind { kObject, kRowMetadata };

class PodEncodingCache {
 public:
  // The text of `kind` of pod `uid` at `revision` stamped with `resource_version` (0: none);
  // null when not kept.
  std::shared_ptr<const std::string> Find(std::string_view uid, PodTextKind kind, uint64_t revision,
                                          uint64_t resource_version) const;
  // Keeps `text` for that pod unless a newer text of it is kept already (a list produced
  // piecewise may finish after a later one); a newer one drops the pod's older texts. Revision
  // 0 keeps nothing.
  void Store(std::string_view uid, PodTextKind kind, uint64_t revision, uint64_t resource_version,
             std::shared_ptr<const std::string> text);
  // Forgets the pods not in `live` (every pod the source has).
  void Retain(std::span<const PodView> live);

  size_t size() const { return items_.size(); }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Entry {
    uint64_t revision = 0;
    uint64_t resource_version = 0;
    std::array<std::shared_ptr<const std::string>, 2> texts;  // by PodTextKind
  };
  struct UidHash {
    using is_transparent = void;
    size_t operator()(std::string_view uid) const { return std::hash<std::string_view>{}(uid); }
  };
  std::unordered_map<std::string, Entry, UidHash, std::equal_to<>> items_;
  mutable uint64_t hits_ = 0;
  mutable uint64_t misses_ = 0;
};

}  // namespace probelet::server
