#include "config/manifest_directory.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "config/static_pod_uid.h"

namespace probelet::config {
namespace {

std::string Key(const api::ObjectMeta& m) { return m.namespace_ + "/" + m.name; }

bool IsManifestName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;  // dotfiles, `.x.yaml.swp`
  for (const char* ext : {".yaml", ".yml", ".json"}) {
    if (name.ends_with(ext)) return true;
  }
  return false;
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Services compare by content: the UID is derived from it.
bool SameService(const api::Service& a, const api::Service& b) {
  api::Service x = a, y = b;
  x.metadata.uid.clear();
  y.metadata.uid.clear();
  return x == y;
}

}  // namespace

ManifestDirectory::ManifestDirectory(ManifestDirectoryOptions options, base::Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

ConfigUpdate ManifestDirectory::Scan() {
  ConfigUpdate update;
  std::map<std::string, struct stat> present;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
    if (!IsManifestName(entry.path().filename().string())) continue;
    struct stat st {};
    const std::string path = entry.path().string();
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    present.emplace(path, st);
  }
  // Files that are gone: what ran from them goes.
  for (auto it = files_.begin(); it != files_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    for (auto& p : it->second.pods) {
      pod_owners_.erase(Key(p.pod.metadata));
      update.removed.push_back(std::move(p.pod));
    }
    for (auto& s : it->second.services) {
      service_owners_.erase(Key(s.service.metadata));
      update.removed_services.push_back(std::move(s.service));
    }
    it = files_.erase(it);
  }
  // The others in the order they were first seen (new ones by name), so that an older file
  // keeps a name a newer one claims too.
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto& [path, st] : present) {
    auto [it, fresh] = files_.try_emplace(path);
    if (fresh) {
      it->second.order = next_order_++;
      it->second.status.path = path;
    }
    order.emplace_back(it->second.order, path);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [unused, path] : order) {
    FileState& f = files_[path];
    const struct stat& st = present[path];
    if (f.inode == st.st_ino && f.size == static_cast<uint64_t>(st.st_size) &&
        f.mtime_ns == MtimeNs(st)) {
      continue;
    }
    f.inode = st.st_ino;
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = MtimeNs(st);
    Load(path, f, update);
  }
  return update;
}

void ManifestDirectory::Load(const std::string& path, FileState& f, ConfigUpdate& update) {
  f.status.last_load = clock_.WallNow();
  api::UidGenerator unused_uids(1);  // every UID is the manifest's or derived below
  api::LoadResult r = api::LoadPods({path}, unused_uids, {}, options_.validation);
  std::vector<std::string> errors;
  for (const auto& d : r.diagnostics) {
    if (d.severity == api::Diagnostic::Severity::kError) errors.push_back(d.ToString());
  }
  if (errors.empty()) {
    for (const auto& p : r.pods) {
      const std::string key = Key(p.pod.metadata);
      auto owner = pod_owners_.find(key);
      if (options_.reserved_pods.count(key) != 0) {
        errors.push_back("pod " + key + ": already run from a file on the command line");
      } else if (owner != pod_owners_.end() && owner->second != path) {
        errors.push_back("pod " + key + ": already defined in " + owner->second);
      }
    }
    // Node ports: the loader allocated the missing ones among this file's; here they are
    // allocated again among every Service of the directory, and a given one must be free.
    std::set<int32_t> used;
    for (const auto& [other, state] : files_) {
      if (other == path) continue;
      for (const auto& s : state.services) {
        for (const auto& port : s.service.spec.ports) used.insert(port.node_port);
      }
    }
    for (auto& s : r.services) {
      const std::string key = Key(s.service.metadata);
      auto owner = service_owners_.find(key);
      if (options_.reserved_services.count(key) != 0) {
        errors.push_back("service " + key + ": already run from a file on the command line");
      } else if (owner != service_owners_.end() && owner->second != path) {
        errors.push_back("service " + key + ": already defined in " + owner->second);
      }
      auto& ports = s.service.spec.ports;
      for (size_t i = 0; i < ports.size(); ++i) {
        bool allocated = std::find(s.allocated_node_ports.begin(), s.allocated_node_ports.end(),
                                   i) != s.allocated_node_ports.end();
        if (allocated) {
          int32_t next = api::kNodePortRangeFirst;
          while (used.count(next) != 0) ++next;
          ports[i].node_port = next;
        } else if (ports[i].node_port != 0 && used.count(ports[i].node_port) != 0) {
          errors.push_back("service " + key + ": spec.ports[" + std::to_string(i) +
                           "].nodePort: Invalid value: " + std::to_string(ports[i].node_port) +
                           ": provided port is already allocated");
        }
        if (ports[i].node_port != 0) used.insert(ports[i].node_port);
      }
    }
  }
  if (!errors.empty()) {
    // The running version (if any) stays; the same errors again are not news.
    const bool repeated = !f.status.ok && f.status.errors == errors;
    f.status.ok = false;
    f.status.errors = std::move(errors);
    if (!repeated) {
      update.invalid_files.push_back(f.status);
      if (f.ever_valid) {
        std::vector<api::Pod> kept;
        for (const auto& p : f.pods) kept.push_back(p.pod);
        update.failed_updates.push_back({path, std::move(kept), f.status.errors});
      }
    }
    return;
  }
  for (auto& p : r.pods) {
    if (!p.uid_from_manifest) {
      p.pod.metadata.uid = StaticPodUid(p.pod, options_.node_name, path);
    }
  }
  for (auto& s : r.services) {
    s.service.metadata.uid = StaticServiceUid(s.service, options_.node_name, path);
  }
  // Valid: what differs from the running version is removed and added.
  std::set<std::string> new_uids;
  for (const auto& p : r.pods) new_uids.insert(p.pod.metadata.uid);
  std::set<std::string> old_uids;
  for (auto& old : f.pods) {
    old_uids.insert(old.pod.metadata.uid);
    if (new_uids.count(old.pod.metadata.uid) == 0) {
      pod_owners_.erase(Key(old.pod.metadata));
      update.removed.push_back(old.pod);
    }
  }
  for (const auto& p : r.pods) {
    if (old_uids.count(p.pod.metadata.uid) == 0) update.added.push_back(p);
  }
  for (const auto& old : f.services) {
    auto same = std::find_if(r.services.begin(), r.services.end(),
                             [&](const auto& s) { return SameService(s.service, old.service); });
    if (same == r.services.end()) {
      service_owners_.erase(Key(old.service.metadata));
      update.removed_services.push_back(old.service);
    }
  }
  for (const auto& s : r.services) {
    auto same = std::find_if(f.services.begin(), f.services.end(),
                             [&](const auto& old) { return SameService(s.service, old.service); });
    if (same == f.services.end()) update.added_services.push_back(s);
  }
  f.ever_valid = true;
  f.status.ok = true;
  f.status.errors.clear();
  f.status.pods.clear();
  f.status.services.clear();
  for (const auto& p : r.pods) {
    pod_owners_[Key(p.pod.metadata)] = path;
    f.status.pods.push_back(Key(p.pod.metadata));
  }
  for (const auto& s : r.services) {
    service_owners_[Key(s.service.metadata)] = path;
    f.status.services.push_back(Key(s.service.metadata));
  }
  f.pods = std::move(r.pods);
  f.services = std::move(r.services);
}

std::vector<api::ManifestFile> ManifestDirectory::Files() const {
  std::vector<api::ManifestFile> out;
  out.reserve(files_.size());
  for (const auto& [path, f] : files_) out.push_back(f.status);
  return out;
}

}  // namespace probelet::config
