#include "cli/manifest_sync.h"

#include <algorithm>

namespace probelet::cli {
namespace {

std::string Key(const api::ObjectMeta& m) { return m.namespace_ + "/" + m.name; }

std::string Join(const std::vector<std::string>& lines, std::string_view separator) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += separator;
    out += l;
  }
  return out;
}

}  // namespace

ManifestSync::ManifestSync(boost::asio::io_context& io, base::Clock& clock, kubelet::Agent& agent,
                           proxy::Proxier& proxier, Logger log)
    : io_(io), clock_(clock), agent_(agent), proxier_(proxier), log_(std::move(log)) {}

ManifestSync::~ManifestSync() = default;

void ManifestSync::AddDirectory(config::ManifestDirectoryOptions options) {
  Directory d;
  d.directory = std::make_unique<config::ManifestDirectory>(std::move(options), clock_);
  directories_.push_back(std::move(d));
}

void ManifestSync::Start(const std::vector<api::LoadedPod>& pods) {
  for (const auto& p : pods) StartPod(p);
  for (auto& d : directories_) {
    log_("info", "watching " + d.directory->dir() + " for manifests",
         {{"dir", d.directory->dir()}});
    Apply(d.directory->Scan());
    d.watcher = std::make_unique<config::ManifestDirWatcher>(
        io_, clock_, *d.directory, [this](config::ConfigUpdate u) { Apply(std::move(u)); });
    if (base::Status st = d.watcher->Start(); !st.ok()) {
      log_("warning", st.error().message + " (rescanning every 20 s instead)", {});
    }
  }
}

void ManifestSync::Rescan() {
  for (auto& d : directories_) {
    if (d.watcher) d.watcher->Rescan();
  }
}

std::vector<api::ManifestFile> ManifestSync::Files() const {
  std::vector<api::ManifestFile> out;
  for (const auto& d : directories_) {
    auto files = d.directory->Files();
    std::move(files.begin(), files.end(), std::back_inserter(out));
  }
  return out;
}

void ManifestSync::StartPod(const api::LoadedPod& p) {
  log_("info", "pod added",
       {{"pod", Key(p.pod.metadata)}, {"uid", p.pod.metadata.uid}, {"source", p.source}});
  agent_.AddPod(p.pod);
}

void ManifestSync::StartWaiting() {
  std::vector<api::LoadedPod> still;
  for (auto& p : waiting_) {
    if (deleting_.count(Key(p.pod.metadata)) != 0) {
      still.push_back(std::move(p));
    } else if (!agent_.stopping()) {
      StartPod(p);
    }
  }
  waiting_ = std::move(still);
}

void ManifestSync::Apply(config::ConfigUpdate update) {
  if (agent_.stopping()) return;  // the node is going down: nothing new starts
  for (const auto& f : update.invalid_files) {
    log_("warning", "manifest " + f.path + " is invalid: " + Join(f.errors, "; "),
         {{"source", f.path}});
  }
  for (const auto& failed : update.failed_updates) {
    for (const auto& pod : failed.kept) {
      api::ObjectReference ref;
      ref.namespace_ = pod.metadata.namespace_;
      ref.name = pod.metadata.name;
      ref.uid = pod.metadata.uid;
      agent_.events().Record(
          ref, api::kEventWarning, "FailedToUpdateManifest",
          "the manifest " + failed.path +
              " is invalid; the last valid version keeps running: " + Join(failed.errors, "; "));
    }
  }
  for (const auto& s : update.removed_services) {
    log_("info", "service removed", {{"service", Key(s.metadata)}});
    proxier_.RemoveService(s.metadata.namespace_, s.metadata.name);
  }
  for (const auto& s : update.added_services) {
    base::Status st = proxier_.AddService(s.service, agent_.kubelet().ListPods());
    if (!st.ok()) {
      log_("error", st.error().message + ": the Service is left out",
           {{"service", Key(s.service.metadata)}, {"source", s.source}});
      continue;
    }
    log_("info", "service added", {{"service", Key(s.service.metadata)}, {"source", s.source}});
  }
  for (const auto& pod : update.removed) {
    const std::string key = Key(pod.metadata);
    const std::string uid = pod.metadata.uid;
    deleting_.insert(key);
    log_("info", "pod removed: stopping it", {{"pod", key}, {"uid", uid}});
    agent_.DeletePod(uid, [this, key, uid] {
      deleting_.erase(key);
      proxier_.RemovePod(uid);
      log_("info", "pod deleted", {{"pod", key}, {"uid", uid}});
      StartWaiting();
    });
  }
  for (auto& p : update.added) {
    if (deleting_.count(Key(p.pod.metadata)) != 0) {
      waiting_.push_back(std::move(p));
    } else {
      StartPod(p);
    }
  }
}

}  // namespace probelet::cli
