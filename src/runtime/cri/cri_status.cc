#include "runtime/cri/cri_status.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/go_grpc_status.h"
#include "runtime/cri/kuberuntime_config.h"

namespace probelet::runtime::cri {
namespace {

api::Time FromUnixNanos(int64_t ns) { return api::Time(std::chrono::nanoseconds(ns)); }

// An integer annotation, as the kubelet's getIntValueFromLabel reads it: absent or not a
// number gives nullopt.
std::optional<int64_t> IntAnnotation(const google::protobuf::Map<std::string, std::string>& map,
                                     std::string_view key) {
  auto it = map.find(std::string(key));
  if (it == map.end()) return std::nullopt;
  const std::string& text = it->second;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string FormatContainerId(std::string_view runtime_name, std::string_view id) {
  std::string out(runtime_name);
  out += "://";
  out += id;
  return out;
}

std::string_view ParseContainerId(std::string_view id) {
  size_t sep = id.find("://");
  return sep == std::string_view::npos ? id : id.substr(sep + 3);
}

ContainerStatus ToContainerStatus(const v1::ContainerStatus& status, std::string_view runtime_name,
                                  const std::string& spec_image) {
  ContainerStatus out;
  out.id = FormatContainerId(runtime_name, status.id());
  out.name = status.metadata().name();
  out.created_at = FromUnixNanos(status.created_at());
  out.started_at = FromUnixNanos(status.started_at());
  out.log_path = status.log_path();
  out.image = spec_image.empty() ? status.image().image() : spec_image;
  out.image_ref = status.image_ref();
  // Whose container it is, from the labels and annotations the kubelet reads back
  // (getContainerInfoFromLabels / getContainerInfoFromAnnotations).
  if (auto it = status.labels().find(std::string(kPodUidLabel)); it != status.labels().end()) {
    out.pod_uid = it->second;
  }
  out.restart_count = static_cast<int32_t>(
      IntAnnotation(status.annotations(), kContainerRestartCountAnnotation).value_or(0));
  out.termination_grace_period_seconds =
      IntAnnotation(status.annotations(), kPodTerminationGracePeriodAnnotation);
  switch (status.state()) {
    case v1::CONTAINER_CREATED:
      out.state = ContainerState::kCreated;
      return out;
    case v1::CONTAINER_RUNNING:
      out.state = ContainerState::kRunning;
      return out;
    case v1::CONTAINER_EXITED:
    default:
      break;
  }
  out.state = ContainerState::kExited;
  out.exit_code = status.exit_code();
  out.signal = out.exit_code > 128 ? out.exit_code - 128 : 0;
  out.reason = status.reason();
  out.message = status.message();
  if (status.state() != v1::CONTAINER_EXITED) {
    out.reason = "Unknown";
  } else if (out.reason.empty()) {
    out.reason = out.exit_code == 0 ? "Completed" : "Error";
  }
  out.finished_at = FromUnixNanos(status.finished_at());
  // containerd takes startedAt after the start call returns: a container that exits at once
  // can finish "before" it started (cri.md §6). A start that never happened (StartError) has
  // startedAt zero and keeps its finishedAt.
  if (status.started_at() != 0 && out.finished_at < out.started_at) {
    out.finished_at = out.started_at;
  }
  return out;
}

int64_t CeilSeconds(base::Duration d) {
  if (d <= base::Duration::zero()) return 0;
  auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return s.count();
}

base::Duration ExecDeadline(int64_t timeout_seconds, base::Duration margin,
                            base::Duration without_timeout) {
  if (timeout_seconds <= 0) return without_timeout;
  return std::chrono::seconds(timeout_seconds) + margin;
}

ExecSyncResult ToExecSyncResult(const RpcResult<v1::ExecSyncResponse>& result,
                                int64_t timeout_seconds) {
  ExecSyncResult out;
  if (result.ok()) {
    out.status = ExecSyncResult::Status::kExited;
    out.exit_code = result->exit_code();
    out.output = result->stdout().substr(0, kMaxExecOutput);
    if (out.output.size() < kMaxExecOutput) {
      out.output += result->stderr().substr(0, kMaxExecOutput - out.output.size());
    }
    return out;
  }
  const RpcError& e = result.error();
  if (e.code == grpc::StatusCode::DEADLINE_EXCEEDED) {
    out.status = ExecSyncResult::Status::kTimedOut;
    out.error = "command timed out after " + std::to_string(timeout_seconds) +
                "s: " + base::GoStatusError(static_cast<int>(e.code), e.message);
    return out;
  }
  out.status = ExecSyncResult::Status::kError;
  out.error = base::GoStatusError(static_cast<int>(e.code), e.message);
  return out;
}

int InitPidFromInfo(const google::protobuf::Map<std::string, std::string>& info) {
  auto it = info.find("info");
  if (it == info.end()) return 0;
  auto json = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return 0;
  auto pid = json.find("pid");
  if (pid == json.end() || !pid->is_number_integer()) return 0;
  return pid->get<int>();
}

}  // namespace probelet::runtime::cri
