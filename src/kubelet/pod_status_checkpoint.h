// PodStatusCheckpoint: the last status of each pod, kept in a directory so that a probelet
// started again with the same state dir begins from it, as a restarted kubelet begins from the
// status the API server still holds. What depends on it (issue 12, probe-semantics.md §6.6.1,
// §6.11): Started carried over for the same container ID, and Ready kept through the restart
// for containers that were running before it (readiness does not flap to false).
//
//   <dir>/<pod uid>.json   the pod as v1 JSON (api::EncodePod), written on each change
//
// Writes go through a temporary file and a rename (a crash leaves the old or the new status).
// A file that does not decode is ignored with a warning: the pod then starts from no status,
// which only costs the carry-over above.
//
// Thread safety: one thread (the event loop's). Small synchronous file writes, on status
// changes only (not on every probe).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api/pod.h"

namespace probelet::kubelet {

class PodStatusCheckpoint {
 public:
  explicit PodStatusCheckpoint(std::string dir);

  void Save(const api::Pod& pod);
  // The status saved for `pod_uid`, if any.
  std::optional<api::PodStatus> Load(std::string_view pod_uid) const;
  void Remove(std::string_view pod_uid);
  // Removes the statuses of every pod not in `keep` (pods gone while probelet was down).
  void RemoveAllExcept(const std::set<std::string, std::less<>>& keep);

 private:
  std::string Path(std::string_view pod_uid) const;
  std::string dir_;
};

}  // namespace probelet::kubelet
