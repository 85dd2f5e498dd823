#include "runtime/container_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/unique_fd.h"

namespace probelet::runtime {

std::string EncodeContainerCheckpoint(const ContainerCheckpoint& c) {
  nlohmann::json j = {
      {"version", ContainerCheckpoint::kVersion},
      {"id", c.id},
      {"name", c.name},
      {"podUID", c.pod_uid},
      {"podName", c.pod_name},
      {"podNamespace", c.pod_namespace},
      {"restartCount", c.restart_count},
      {"logPath", c.log_path},
      {"createdAt", api::FormatRFC3339Nano(c.created_at)},
      {"startedAt", api::FormatRFC3339Nano(c.started_at)},
      {"cgroupDir", c.cgroup_dir},
      {"shimPid", c.shim_pid},
      {"shimStart", c.shim_start},
      {"pid", c.pid},
      {"pidStart", c.pid_start},
  };
  if (c.termination_grace_period_seconds) {
    j["terminationGracePeriodSeconds"] = *c.termination_grace_period_seconds;
  }
  return j.dump() + "\n";
}

base::Expected<ContainerCheckpoint> DecodeContainerCheckpoint(const std::string& data) {
  nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return base::Error{"not a JSON object (corrupted?)"};
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) {
    return base::Error{"no \"version\" (not written by probelet?)"};
  }
  if (*version != ContainerCheckpoint::kVersion) {
    return base::Error{"version " + version->dump() + ", this probelet reads version " +
                       std::to_string(ContainerCheckpoint::kVersion)};
  }
  ContainerCheckpoint c;
  std::string missing;
  auto str = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      if (missing.empty()) missing = key;
      return;
    }
    out = it->get<std::string>();
  };
  auto num = [&](const char* key, auto& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) {
      if (missing.empty()) missing = key;
      return;
    }
    out = it->get<std::decay_t<decltype(out)>>();
  };
  std::string created, started;
  str("id", c.id);
  str("name", c.name);
  str("podUID", c.pod_uid);
  str("podName", c.pod_name);
  str("podNamespace", c.pod_namespace);
  num("restartCount", c.restart_count);
  str("logPath", c.log_path);
  str("createdAt", created);
  str("startedAt", started);
  str("cgroupDir", c.cgroup_dir);
  num("shimPid", c.shim_pid);
  str("shimStart", c.shim_start);
  num("pid", c.pid);
  str("pidStart", c.pid_start);
  if (!missing.empty())
    return base::Error{"field \"" + missing + "\" missing or of the wrong type"};
  if (auto it = j.find("terminationGracePeriodSeconds"); it != j.end() && it->is_number_integer()) {
    c.termination_grace_period_seconds = it->get<int64_t>();
  }
  auto created_at = api::ParseRFC3339(created);
  auto started_at = api::ParseRFC3339(started);
  if (!created_at || !started_at) return base::Error{"createdAt or startedAt is not RFC 3339"};
  c.created_at = *created_at;
  c.started_at = *started_at;
  if (c.id.empty() || c.shim_pid <= 0) return base::Error{"no container id or shim pid"};
  return c;
}

base::Status WriteFileAtomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return base::Error{"open " + tmp + ": " + std::strerror(errno), errno};
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error{"write " + tmp + ": " + std::strerror(errno), errno};
    off += static_cast<size_t>(n);
  }
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return base::Error{"rename " + tmp + ": " + std::strerror(errno), errno};
  }
  return {};
}

}  // namespace probelet::runtime
