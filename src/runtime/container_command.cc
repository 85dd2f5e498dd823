// MakeContainerCommand (container_command.h): the kubelet's makeEnvironmentVariables
// and ExpandContainerCommandAndArgs (pkg/kubelet/kubelet_pods.go,
// pkg/kubelet/container/helpers.go), for a process runtime with no image.
#include "runtime/container_command.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "api/expansion.h"

namespace probelet::runtime {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string FieldRefValue(const std::string& path, const PodContext& pod) {
  if (path == "metadata.name") return pod.name;
  if (path == "metadata.namespace") return pod.namespace_;
  if (path == "metadata.uid") return pod.uid;
  if (path == "status.podIP" || path == "status.podIPs") return pod.pod_ip;
  if (path == "status.hostIP" || path == "status.hostIPs") return pod.host_ip;
  return "";
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string HomeOf(const api::Container& c) {
  if (c.security_context && c.security_context->run_as_user) {
    passwd pw{};
    passwd* found = nullptr;
    char buf[4096];
    if (::getpwuid_r(static_cast<uid_t>(*c.security_context->run_as_user), &pw, buf, sizeof buf,
                     &found) == 0 &&
        found != nullptr) {
      return found->pw_dir;
    }
    return "/";
  }
  const char* home = std::getenv("HOME");
  return home != nullptr ? home : "/";
}

}  // namespace

ContainerCommand MakeContainerCommand(const api::Container& container, const PodContext& pod) {
  // The container's variables, in order: a value may use $(NAME) of an earlier one (the
  // kubelet expands each value with the variables defined before it); a repeated name keeps
  // its first position and its last value.
  std::map<std::string, std::string, std::less<>> vars;
  std::vector<std::string> order;
  auto lookup = [&vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  for (const auto& e : container.env) {
    std::string value;
    if (e.value_from && e.value_from->field_ref) {
      value = FieldRefValue(e.value_from->field_ref->field_path, pod);
    } else {
      value = api::Expand(e.value, lookup);
    }
    if (!vars.contains(e.name)) order.push_back(e.name);
    vars[e.name] = std::move(value);
  }

  ContainerCommand out;
  for (const auto& part : {std::cref(container.command), std::cref(container.args)}) {
    for (const auto& s : part.get()) out.argv.push_back(api::Expand(s, lookup));
  }

  // What an image would provide, then the container's own (which may override them).
  std::map<std::string, std::string> base;
  const char* path = std::getenv("PATH");
  base["PATH"] = path != nullptr && *path != '\0' ? path : kDefaultPath;
  base["HOME"] = HomeOf(container);
  base["HOSTNAME"] = HostName();
  for (const auto& [k, v] : base) {
    if (!vars.contains(k)) out.env.push_back(k + "=" + v);
  }
  for (const auto& name : order) out.env.push_back(name + "=" + vars[name]);
  return out;
}

}  // namespace probelet::runtime
