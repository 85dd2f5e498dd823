// ManifestDirectory: a directory of manifests as a live source of pods and Services (the
// kubelet's static-pod file source, --pod-manifest-path), read on demand: Scan() reads it and
// says what changed since the last Scan, as additions and removals (issue 12 §1).
//
//   - Files: the directory's *.yaml, *.yml and *.json regular files, one level deep; dotfiles
//     are skipped, and editor temporaries (`.x.swp`, `x.yaml~`, `4913`) with them, having
//     other names. A file whose size, mtime and inode have not changed is not read again.
//   - A file is a unit: its content is valid when it loads (manifest_loader.h) without an
//     error and none of its pods or Services has the namespace/name of one another file (or a
//     reserved name, e.g. from the command line) runs: the file that ran it first keeps it.
//   - Valid content runs: each pod with the UID its manifest gives, else one derived from its
//     content (StaticPodUid), so an unchanged rewrite changes nothing, and a changed pod is a
//     removal of the old and an addition of the new (different UIDs, the same name; the caller
//     starts the new one once the old one is gone). A Service changes likewise, by content.
//   - Invalid content: unlike the kubelet (which drops the pod), the last valid version of the
//     file runs on and the update is reported once per distinct set of errors
//     (ConfigUpdate::failed_updates); a file never valid runs nothing. Either way Files() lists
//     it with its errors.
//   - A file that is gone: its pods and Services are removed.
//
// Thread safety: one thread (the agent's loop). Reads the file system synchronously (files are
// small; unchanged ones are skipped).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/manifest_file.h"
#include "api/manifest_loader.h"
#include "base/clock.h"

namespace probelet::config {

struct ConfigUpdate {
  std::vector<api::LoadedPod> added;  // start these (each after any old pod of its name is gone)
  std::vector<api::Pod> removed;      // stop and forget these
  std::vector<api::LoadedService> added_services;
  std::vector<api::Service> removed_services;  // (before the added ones: a change is both)
  // A file whose new content is invalid: the pods of its last valid version run on.
  struct FailedUpdate {
    std::string path;
    std::vector<api::Pod> kept;
    std::vector<std::string> errors;
  };
  std::vector<FailedUpdate> failed_updates;
  // Files read with errors this scan (never valid, or failed updates): for the log.
  std::vector<api::ManifestFile> invalid_files;
  bool empty() const {
    return added.empty() && removed.empty() && added_services.empty() && removed_services.empty() &&
           failed_updates.empty() && invalid_files.empty();
  }
};

struct ManifestDirectoryOptions {
  std::string dir;
  std::string node_name;  // part of the derived UIDs, as the kubelet's hostname
  api::ValidationOptions validation;
  // "namespace/name" of pods and Services that run from elsewhere (files given on the command
  // line): a file of the directory that names one is invalid.
  std::set<std::string> reserved_pods;
  std::set<std::string> reserved_services;
};

class ManifestDirectory {
 public:
  ManifestDirectory(ManifestDirectoryOptions options, base::Clock& clock);

  const std::string& dir() const { return options_.dir; }
  // Reads the directory (see the header comment); the first Scan returns everything it runs.
  ConfigUpdate Scan();
  // Every file seen in the last Scan, in name order.
  std::vector<api::ManifestFile> Files() const;

 private:
  struct FileState {
    uint64_t order = 0;  // first seen: an older file keeps a contested name
    api::ManifestFile status;
    bool ever_valid = false;
    // What identifies the content read last: inode, size, mtime.
    uint64_t inode = 0, size = 0;
    int64_t mtime_ns = -1;
    std::vector<api::LoadedPod> pods;  // what runs from it now
    std::vector<api::LoadedService> services;
  };
  // Reads `path` again into `file`, updating `owners`; appends what changed to `update`.
  void Load(const std::string& path, FileState& file, ConfigUpdate& update);

  ManifestDirectoryOptions options_;
  base::Clock& clock_;
  std::map<std::string, FileState> files_;
  uint64_t next_order_ = 0;
  // "namespace/name" -> the file whose running pods (or Services) have it.
  std::map<std::string, std::string> pod_owners_;
  std::map<std::string, std::string> service_owners_;
};

}  // namespace probelet::config
