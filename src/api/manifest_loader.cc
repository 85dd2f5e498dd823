#include "api/manifest_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>

#include "api/defaults.h"
#include "api/service_validation.h"
#include "api/validation.h"
#include "base/expected.h"

namespace probelet::api {
namespace {

namespace fs = std::filesystem;

bool IsManifestName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
}

// Reads at most `max_bytes + 1` bytes, so an endless file (a pipe, /dev/zero) cannot make it
// allocate without bound; the caller reports "too large".
base::Expected<std::string> ReadBounded(int fd, size_t max_bytes) {
  std::string data;
  char buf[64 * 1024];
  while (data.size() <= max_bytes) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::Error{std::strerror(errno), errno};
    }
    if (n == 0) break;
    data.append(buf, std::min(static_cast<size_t>(n), max_bytes + 1 - data.size()));
  }
  return data;
}

base::Expected<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  if (path == "-") return ReadBounded(STDIN_FILENO, max_bytes);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::Error{std::strerror(errno), errno};
  auto data = ReadBounded(fd, max_bytes);
  ::close(fd);
  return data;
}

class Loader {
 public:
  Loader(UidGenerator& uids, const ParseLimits& limits, const ValidationOptions& validation,
         LoadResult& out)
      : uids_(uids), limits_(limits), validation_(validation), out_(out) {}

  void Path(const std::string& path) {
    std::error_code ec;
    if (path != "-" && fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (IsManifestName(name) && it->is_regular_file(ec)) files.push_back(it->path().string());
      }
      if (ec) return ReadError(path, ec.message());
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        out_.diagnostics.push_back({Diagnostic::Severity::kWarning, path, "",
                                    "no manifests (*.yaml, *.yml, *.json) in this directory"});
      }
      for (const auto& f : files) File(f);
      return;
    }
    File(path);
  }

  void Text(std::string_view text, ManifestFormat format, std::string_view source) {
    DecodedManifest decoded = DecodeManifest(text, format, source, limits_);
    for (auto& d : decoded.diagnostics) out_.diagnostics.push_back(std::move(d));
    for (auto& p : decoded.pods) Pod(std::move(p), source);
    for (auto& s : decoded.services) Service(std::move(s), source);
  }

  // After every path: nodePorts left to allocate get the lowest free one.
  void AllocateNodePorts() {
    std::map<int32_t, std::string> used;  // nodePort -> the service holding it
    for (auto& loaded : out_.services) {
      for (auto& p : loaded.service.spec.ports) {
        if (p.node_port != 0) used.emplace(p.node_port, loaded.service.metadata.name);
      }
    }
    int32_t next = kNodePortRangeFirst;
    for (auto& loaded : out_.services) {
      if (loaded.service.spec.type != "NodePort") continue;
      for (size_t i = 0; i < loaded.service.spec.ports.size(); ++i) {
        ServicePort& p = loaded.service.spec.ports[i];
        if (p.node_port != 0) continue;
        loaded.allocated_node_ports.push_back(i);
        while (next <= kNodePortRangeLast && used.count(next)) ++next;
        if (next > kNodePortRangeLast) {
          Add(Diagnostic::Severity::kError, loaded.source,
              "service " + GoQuote(loaded.service.metadata.name),
              "spec.ports.nodePort: Internal error: range of valid node ports is full");
          return;
        }
        p.node_port = next;
        used.emplace(next, loaded.service.metadata.name);
      }
    }
  }

 private:
  void ReadError(const std::string& path, const std::string& why) {
    out_.read_error = true;
    out_.diagnostics.push_back({Diagnostic::Severity::kError, path, "", "cannot read: " + why});
  }

  void File(const std::string& path) {
    auto data = ReadFile(path, limits_.max_bytes);
    if (!data.ok()) return ReadError(path, data.error().message);
    ManifestFormat format = path.ends_with(".json") ? ManifestFormat::kJson : ManifestFormat::kYaml;
    Text(*data, format, path);
  }

  void Pod(DecodedPod decoded, std::string_view source) {
    api::Pod& pod = decoded.pod;
    pod.status = PodStatus{};
    const bool uid_from_manifest = !pod.metadata.uid.empty();
    SetDefaults(pod, uids_);
    bool ok = decoded.error_paths.empty();
    // Without a kind it is not known to be a Pod: Pod validation would only add noise.
    for (const auto& bad : decoded.error_paths) {
      if (bad == "kind") return;
    }
    for (auto& e : ValidatePod(pod, validation_)) {
      // A field that did not decode was already reported; what validation says of its
      // half-decoded value (or of anything inside it) would only repeat that.
      bool repeats = false;
      for (const auto& bad : decoded.error_paths) {
        repeats = repeats || e.field == bad || e.field.starts_with(bad + ".") ||
                  e.field.starts_with(bad + "[");
      }
      if (repeats) continue;
      ok = false;
      Add(Diagnostic::Severity::kError, source, decoded.object, e.ToString());
    }
    for (auto& w : PodWarnings(pod)) {
      Add(Diagnostic::Severity::kWarning, source, decoded.object, std::move(w));
    }
    if (!ok) return;
    auto key = std::make_pair(pod.metadata.namespace_, pod.metadata.name);
    auto [it, inserted] = seen_.emplace(key, std::string(source));
    if (!inserted) {
      Add(Diagnostic::Severity::kError, source, decoded.object,
          "metadata.name: Duplicate value: " + GoQuote(pod.metadata.name) +
              ": a pod of this name is already in namespace " + GoQuote(pod.metadata.namespace_) +
              " (" + it->second + ")");
      return;
    }
    out_.pods.push_back({std::move(pod), std::string(source), uid_from_manifest});
  }

  void Service(DecodedService decoded, std::string_view source) {
    api::Service& service = decoded.service;
    SetDefaults(service, uids_);
    bool ok = decoded.decoded;
    if (ok) {
      for (auto& e : ValidateService(service)) {
        ok = false;
        Add(Diagnostic::Severity::kError, source, decoded.object, e.ToString());
      }
    }
    if (!ok) return;
    auto key = std::make_pair(service.metadata.namespace_, service.metadata.name);
    auto [it, inserted] = seen_services_.emplace(key, std::string(source));
    if (!inserted) {
      Add(Diagnostic::Severity::kError, source, decoded.object,
          "metadata.name: Duplicate value: " + GoQuote(service.metadata.name) +
              ": a service of this name is already in namespace " +
              GoQuote(service.metadata.namespace_) + " (" + it->second + ")");
      return;
    }
    for (size_t i = 0; i < service.spec.ports.size(); ++i) {
      int32_t node_port = service.spec.ports[i].node_port;
      if (node_port == 0) continue;
      auto [owner, fresh] = node_ports_.emplace(node_port, service.metadata.name);
      if (!fresh) {
        Add(Diagnostic::Severity::kError, source, decoded.object,
            "spec.ports[" + std::to_string(i) +
                "].nodePort: Invalid value: " + std::to_string(node_port) +
                ": provided port is already allocated (service " + GoQuote(owner->second) + ")");
        return;
      }
    }
    out_.services.push_back({std::move(service), std::string(source), {}});
  }

  void Add(Diagnostic::Severity severity, std::string_view source, const std::string& object,
           std::string message) {
    out_.diagnostics.push_back({severity, std::string(source), object, std::move(message)});
  }

  UidGenerator& uids_;
  const ParseLimits& limits_;
  const ValidationOptions& validation_;
  LoadResult& out_;
  std::map<std::pair<std::string, std::string>, std::string> seen_;
  std::map<std::pair<std::string, std::string>, std::string> seen_services_;
  std::map<int32_t, std::string> node_ports_;
};

}  // namespace

bool LoadResult::has_errors() const {
  if (read_error) return true;
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) return true;
  }
  return false;
}

LoadResult LoadPods(const std::vector<std::string>& paths, UidGenerator& uids,
                    const ParseLimits& limits, const ValidationOptions& validation) {
  LoadResult out;
  Loader loader(uids, limits, validation, out);
  for (const auto& p : paths) loader.Path(p);
  loader.AllocateNodePorts();
  return out;
}

LoadResult LoadPodsFromText(std::string_view text, ManifestFormat format, std::string_view source,
                            UidGenerator& uids, const ParseLimits& limits,
                            const ValidationOptions& validation) {
  LoadResult out;
  Loader loader(uids, limits, validation, out);
  loader.Text(text, format, source);
  loader.AllocateNodePorts();
  return out;
}

}  // namespace probelet::api
