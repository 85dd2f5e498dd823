#include "api/pod_helpers.h"

namespace probelet::api {
namespace {

// The switch both policy levels share: nullopt for a value it does not know (the Go switch's
// default branch, which differs between the two levels).
std::optional<bool> RestartFor(std::string_view policy, int32_t exit_code) {
  if (policy == "Always") return true;
  if (policy == "OnFailure") return exit_code != 0;
  if (policy == "Never") return false;
  return std::nullopt;
}

}  // namespace

bool ContainerShouldRestart(const std::optional<std::string>& container_restart_policy,
                            std::string_view pod_restart_policy, int32_t exit_code) {
  if (container_restart_policy) {
    // An unknown container policy falls through to the pod's ("fallback to pod-level").
    if (auto r = RestartFor(*container_restart_policy, exit_code)) return *r;
  }
  // "Default policy is Always, so we return true here."
  return RestartFor(pod_restart_policy, exit_code).value_or(true);
}

bool ContainerShouldRestart(const Container& container, const PodSpec& spec, int32_t exit_code) {
  return ContainerShouldRestart(container.restart_policy, spec.restart_policy, exit_code);
}

std::string FormatPod(std::string_view name, std::string_view ns, std::string_view uid) {
  std::string out;
  out.reserve(name.size() + ns.size() + uid.size() + 3);
  out.append(name).append("_").append(ns).append("(").append(uid).append(")");
  return out;
}

std::string FormatPod(const Pod& pod) {
  return FormatPod(pod.metadata.name, pod.metadata.namespace_, pod.metadata.uid);
}

}  // namespace probelet::api
