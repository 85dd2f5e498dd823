// ParseManifest: the text of one manifest file -> its documents as JSON values, before any
// knowledge of Pods (that is manifest.h). YAML (multi-document, `---`) or JSON.
//
// YAML scalars are resolved as the Kubernetes tools resolve them (sigs.k8s.io/yaml over
// go-yaml v2, YAML 1.1): unquoted 8080 is a number, yes/no/on/off/true/false a boolean, ~ or
// null a null, anything quoted a string; `<<` merge keys are applied. So `value: 8080` in an env
// var is a type error here as it is for kubectl, and `port: "8080"` stays a string.
//
// Untrusted input: every limit of ParseLimits (manifest_format.h) is checked while parsing, so
// no input can make this allocate without bound, recurse without bound, or take more than
// linear time in the (bounded) expanded size. Alias bombs (`&a [*a, *a, ...]` nested) are
// stopped by counting the nodes that alias expansion would create; a yaml-cpp 0.7 event loop on
// malformed flow collections is stopped when events stop advancing. Duplicate keys (YAML or
// JSON) are warnings: the last value is used. yaml-cpp stays inside the .cc; this header brings
// nlohmann/json, so include it only where manifests are read.
//
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/manifest_format.h"
#include "base/expected.h"

namespace probelet::api {

struct ParsedDocument {
  nlohmann::json value;
  int line = 1;  // 1-based line where the document starts
};

struct ParsedManifest {
  std::vector<ParsedDocument> documents;  // empty documents (`---` alone) are skipped
  std::vector<std::string> warnings;      // e.g. a duplicate key, with its line
};

// Errors name the line and column where parsing stopped, or the limit that was reached.
base::Expected<ParsedManifest> ParseManifest(std::string_view text, ManifestFormat format,
                                             const ParseLimits& limits = {});

}  // namespace probelet::api
