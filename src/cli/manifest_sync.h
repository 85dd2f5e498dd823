// ManifestSync: the manifests of a running `probelet run`, applied to the agent and its Services
// (issue 12 §1). Files named on the command line are loaded once, before anything starts (any
// error: nothing starts). Directories are live: each is a config::ManifestDirectory kept current
// by a watcher, and every change is applied here:
//
//   - a removed pod is deleted (deletionTimestamp, grace period, then forgotten) and leaves
//     its Services' endpoints; a pod added with the name of one still being deleted (a changed
//     spec) starts once the old one is gone, as the kubelet starts a static pod's new version;
//   - Services are added (listening at once) and removed; a port that cannot be bound is
//     logged and the Service left out;
//   - an invalid update keeps the last valid version and records a Warning event
//     FailedToUpdateManifest (with the errors) on each of its pods; a file never valid is
//     logged; both are in GET /manifests.
//
// Thread safety: the agent's loop thread. Ownership: io, clock, agent and proxier must outlive
// it; it must be destroyed before them (the watchers' callbacks use them).
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/manifest_file.h"
#include "base/clock.h"
#include "config/manifest_dir_watcher.h"
#include "config/manifest_directory.h"
#include "kubelet/agent.h"
#include "proxy/proxier.h"

namespace boost::asio {
class io_context;
}

namespace probelet::cli {

class ManifestSync {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  using Logger = std::function<void(std::string_view level, std::string msg, Fields fields)>;

  ManifestSync(boost::asio::io_context& io, base::Clock& clock, kubelet::Agent& agent,
               proxy::Proxier& proxier, Logger log);
  ~ManifestSync();

  // A directory to run live. Call before Start.
  void AddDirectory(config::ManifestDirectoryOptions options);
  // Runs `pods` (the command line's files) and each directory's first scan, then watches the
  // directories. A watch that cannot be set up is logged (the 20 s rescan still runs).
  void Start(const std::vector<api::LoadedPod>& pods);
  // Rescans every directory now (SIGHUP).
  void Rescan();
  // Every file of every directory, for GET /manifests.
  std::vector<api::ManifestFile> Files() const;

 private:
  struct Directory {
    std::unique_ptr<config::ManifestDirectory> directory;
    std::unique_ptr<config::ManifestDirWatcher> watcher;
  };
  void Apply(config::ConfigUpdate update);
  void StartPod(const api::LoadedPod& p);
  void StartWaiting();

  boost::asio::io_context& io_;
  base::Clock& clock_;
  kubelet::Agent& agent_;
  proxy::Proxier& proxier_;
  Logger log_;
  std::vector<Directory> directories_;
  std::set<std::string> deleting_;       // "namespace/name" of pods being deleted
  std::vector<api::LoadedPod> waiting_;  // new versions waiting for the old one to go
};

}  // namespace probelet::cli
