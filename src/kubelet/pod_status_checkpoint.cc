#include "kubelet/pod_status_checkpoint.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "runtime/cgroup.h"
#include "runtime/container_checkpoint.h"

namespace probelet::kubelet {

PodStatusCheckpoint::PodStatusCheckpoint(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) spdlog::warn("pod status checkpoints: {}: {}", dir_, ec.message());
}

std::string PodStatusCheckpoint::Path(std::string_view pod_uid) const {
  return dir_ + "/" + std::string(pod_uid) + ".json";
}

void PodStatusCheckpoint::Save(const api::Pod& pod) {
  if (auto st = runtime::WriteFileAtomically(Path(pod.metadata.uid), api::EncodePod(pod).dump());
      !st.ok()) {
    spdlog::warn("pod status checkpoint: {}", st.error().message);
  }
}

std::optional<api::PodStatus> PodStatusCheckpoint::Load(std::string_view pod_uid) const {
  const std::string path = Path(pod_uid);
  std::string data = runtime::ReadSmallFile(path);
  if (data.empty()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  auto pod = api::DecodePod(j, nullptr);
  if (j.is_discarded() || !pod.ok()) {
    spdlog::warn("pod status checkpoint {}: not a pod (ignored)", path);
    return std::nullopt;
  }
  return pod->status;
}

void PodStatusCheckpoint::RemoveAllExcept(const std::set<std::string, std::less<>>& keep) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto& path = entry.path();
    if (path.extension() == ".json" && !keep.contains(path.stem().string())) {
      std::filesystem::remove(path, ec);
    }
  }
}

void PodStatusCheckpoint::Remove(std::string_view pod_uid) { ::unlink(Path(pod_uid).c_str()); }

}  // namespace probelet::kubelet
