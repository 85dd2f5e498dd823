// SourceLines: where each field of each Pod sits in its manifest file, so that a lint finding
// points at the line of the probe. The api parser keeps only where a document starts, so the
// text of each file a pod came from is indexed once more here, by field path in the notation of
// validation errors: "spec.containers[0].livenessProbe" -> the line of `livenessProbe:`.
//
// Pods are found as the loader finds them: a document of kind Pod, or the items of a List or
// PodList, keyed by namespace ("default" when unset) and name. Fields that come from a YAML
// merge key (`<<`) have no line of their own; a lookup then falls back to the nearest parent.
// Only text that the loader already accepted is indexed (its limits were checked there); text
// that does not parse gives no lines, never an error.
//
// Built on the main thread; const lookups are thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace probelet::lint {

class SourceLines {
 public:
  // Indexes the manifest text of `file` (YAML or JSON: JSON is read as YAML).
  void AddFile(const std::string& file, std::string_view text);

  // The 1-based line of `field` in pod namespace/name of `file`, or of its nearest parent that
  // has one ("" is the pod itself); 0 when the pod is not in the index.
  int Line(const std::string& file, const std::string& pod_namespace, const std::string& name,
           std::string_view field) const;

 private:
  using Key = std::pair<std::string, std::pair<std::string, std::string>>;  // file, ns, name
  std::map<Key, std::map<std::string, int, std::less<>>> pods_;
};

}  // namespace probelet::lint
