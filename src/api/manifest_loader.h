// LoadPods: files and directories of manifests -> defaulted, validated Pods and Services, with
// every diagnostic. The one entry point `probelet validate` and `probelet run` share.
//
// For each path: a regular file is read (at most ParseLimits::max_bytes); a directory is read
// one level deep, its *.yaml, *.yml and *.json files in name order (hidden files skipped); "-"
// is standard input (YAML). *.json files are JSON, everything else YAML. Each Pod is decoded
// (manifest.h), its status dropped (a manifest's status is not an input), defaulted
// (defaults.h) and validated (validation.h; `validation` selects the rules of the runtime the
// pods are for: the CRI runtime runs images and mounts only some volume kinds). Two Pods with the
// same namespace and name are an error on the second. Only Pods without errors are returned.
// Services (kind: Service, in the same files) likewise: decoded, defaulted and validated
// (service_validation.h), a duplicate namespace/name an error on the second; then a NodePort
// Service port without a nodePort gets the lowest free one of 30000-32767 (the API server
// allocates at random; probelet picks a stable one), and two Services claiming the same
// nodePort are an error on the second.
//
// Called once at start-up, on the main thread; reads the file system synchronously.
#pragma once

#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/manifest_format.h"
#include "api/pod.h"
#include "api/service.h"
#include "api/uid.h"
#include "api/validation.h"

namespace probelet::api {

struct LoadedPod {
  Pod pod;
  std::string source;  // the file it came from
  // metadata.uid was in the manifest (not generated): a static pod source keeps it rather than
  // deriving one from the content.
  bool uid_from_manifest = false;
};

struct LoadedService {
  Service service;
  std::string source;  // the file it came from
  // The spec.ports indices whose nodePort the loader allocated (the manifest had none), so a
  // caller that merges several loads can allocate them again among its own.
  std::vector<size_t> allocated_node_ports;
};

struct LoadResult {
  std::vector<LoadedPod> pods;
  std::vector<LoadedService> services;
  std::vector<Diagnostic> diagnostics;  // in input order, warnings and errors mixed
  bool read_error = false;              // a path could not be read (missing, unreadable)
  bool has_errors() const;              // any error, including read errors
};

LoadResult LoadPods(const std::vector<std::string>& paths, UidGenerator& uids,
                    const ParseLimits& limits = {}, const ValidationOptions& validation = {});

// The same for text already in memory (tests, fuzzing): decode, default, validate.
LoadResult LoadPodsFromText(std::string_view text, ManifestFormat format, std::string_view source,
                            UidGenerator& uids, const ParseLimits& limits = {},
                            const ValidationOptions& validation = {});

}  // namespace probelet::api
