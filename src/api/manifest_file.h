// ManifestFile: what `GET /manifests` shows of one file of a watched manifest directory (issue
// 12 §1): when it was last read, whether that version was valid, its errors, and the objects
// of it that run now (the last valid version's, when the file has become invalid since).
//
// Value type; thread safety as any value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/time.h"

namespace probelet::api {

struct ManifestFile {
  std::string path;
  std::optional<Time> last_load;      // the last time its content was read (changed or not)
  bool ok = false;                    // its current content is valid and runs
  std::vector<std::string> errors;    // the current content's errors, one per line
  std::vector<std::string> pods;      // "namespace/name" of the pods from it that run now
  std::vector<std::string> services;  // likewise, its Services
  friend bool operator==(const ManifestFile&, const ManifestFile&) = default;
};

}  // namespace probelet::api
