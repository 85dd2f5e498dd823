// The knobs of manifest reading, apart from the parser so that callers of the loader
// (manifest_loader.h, the run command) do not pull in the JSON library.
//
// Value types; thread-safe.
#pragma once

#include <cstddef>

namespace probelet::api {

// Limits on one manifest file: no input may make the reader allocate or recurse without bound.
struct ParseLimits {
  size_t max_bytes = 4 << 20;            // the file itself
  size_t max_depth = 64;                 // nesting of maps and lists (a Pod needs about 10)
  size_t max_nodes = 1'000'000;          // values after alias expansion, whole file
  size_t max_bytes_expanded = 64 << 20;  // scalar bytes after alias expansion, whole file
  size_t max_objects = 10'000;           // documents, and Pods of a List, per file
};

enum class ManifestFormat { kYaml, kJson };

}  // namespace probelet::api
