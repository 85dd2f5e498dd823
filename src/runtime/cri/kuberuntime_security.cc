#include "runtime/cri/kuberuntime_security.h"

#include <string>

namespace probelet::runtime::cri {
namespace {

// format.Pod: "<name>_<namespace>(<uid>)".
std::string FormatPod(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "(" + pod.metadata.uid + ")";
}

}  // namespace

api::SecurityContext DetermineEffectiveSecurityContext(const api::Pod& pod,
                                                       const api::Container& container) {
  api::SecurityContext effective = container.security_context.value_or(api::SecurityContext{});
  if (pod.spec.security_context) {
    const api::PodSecurityContext& psc = *pod.spec.security_context;
    if (!effective.run_as_user) effective.run_as_user = psc.run_as_user;
    if (!effective.run_as_group) effective.run_as_group = psc.run_as_group;
    if (!effective.run_as_non_root) effective.run_as_non_root = psc.run_as_non_root;
  }
  return effective;
}

bool AddNoNewPrivileges(const api::SecurityContext& effective) {
  return effective.allow_privilege_escalation.has_value() && !*effective.allow_privilege_escalation;
}

bool HasPrivilegedContainer(const api::Pod& pod) {
  for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
    for (const auto& c : *list) {
      if (c.security_context && c.security_context->privileged.value_or(false)) return true;
    }
  }
  return false;
}

v1::LinuxContainerSecurityContext MakeContainerSecurityContext(
    const api::Pod& pod, const api::Container& container,
    const v1::NamespaceOption& namespace_options) {
  api::SecurityContext effective = DetermineEffectiveSecurityContext(pod, container);
  v1::LinuxContainerSecurityContext out;
  if (effective.capabilities) {
    // convertToRuntimeCapabilities: the names as written; the runtime adds "CAP_".
    v1::Capability* caps = out.mutable_capabilities();
    for (const auto& c : effective.capabilities->add) caps->add_add_capabilities(c);
    for (const auto& c : effective.capabilities->drop) caps->add_drop_capabilities(c);
  }
  if (effective.run_as_user) out.mutable_run_as_user()->set_value(*effective.run_as_user);
  if (effective.run_as_group) out.mutable_run_as_group()->set_value(*effective.run_as_group);
  out.set_privileged(effective.privileged.value_or(false));
  out.set_readonly_rootfs(effective.read_only_root_filesystem.value_or(false));
  *out.mutable_namespace_options() = namespace_options;
  out.set_no_new_privs(AddNoNewPrivileges(effective));
  // Explicit, since the proto's zero value is RuntimeDefault.
  out.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Unconfined);
  return out;
}

base::Status VerifyRunAsNonRoot(const api::Pod& pod, const api::Container& container,
                                const v1::Image* image) {
  api::SecurityContext effective = DetermineEffectiveSecurityContext(pod, container);
  if (!effective.run_as_non_root.value_or(false)) return base::Status::Ok();
  if (effective.run_as_user) {
    if (*effective.run_as_user == 0) {
      return base::Error{"container's runAsUser breaks non-root policy (pod: \"" + FormatPod(pod) +
                         "\", container: " + container.name + ")"};
    }
    return base::Status::Ok();
  }
  // getImageUser: the image's uid, else its user name, else root.
  bool has_uid = image != nullptr && image->has_uid();
  std::string username = image != nullptr && !has_uid ? image->username() : "";
  if ((has_uid && image->uid().value() == 0) || (!has_uid && username.empty())) {
    return base::Error{"container has runAsNonRoot and image will run as root (pod: \"" +
                       FormatPod(pod) + "\", container: " + container.name + ")"};
  }
  if (!has_uid) {
    return base::Error{"container has runAsNonRoot and image has non-numeric user (" + username +
                       "), cannot verify user is non-root (pod: \"" + FormatPod(pod) +
                       "\", container: " + container.name + ")"};
  }
  return base::Status::Ok();
}

}  // namespace probelet::runtime::cri
