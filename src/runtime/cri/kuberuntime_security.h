// A container's security context as the kubelet maps it to CRI (pkg/kubelet/kuberuntime/
// security_context.go determineEffectiveSecurityContext and convertToRuntimeSecurityContext,
// pkg/securitycontext/util.go, verifyRunAsNonRoot of security_context_others.go).
//
// Pure functions; thread-safe.
#pragma once

#include "api/pod.h"
#include "base/expected.h"
#include "runtime/cri/api.pb.h"

namespace probelet::runtime::cri {

namespace v1 = ::runtime::v1;

// securitycontext.DetermineEffectiveSecurityContext: the container's own context, with
// runAsUser, runAsGroup and runAsNonRoot taken from the pod's where the container leaves them
// unset.
api::SecurityContext DetermineEffectiveSecurityContext(const api::Pod& pod,
                                                       const api::Container& container);

// securitycontext.AddNoNewPrivileges: true only when allowPrivilegeEscalation is set to false
// (unset: the runtime's default, which lets a setuid binary gain privileges).
bool AddNoNewPrivileges(const api::SecurityContext& effective);

// kubecontainer.HasPrivilegedContainer: any init or regular container privileged. The sandbox
// is then privileged too (containerd refuses a privileged container in an unprivileged one).
bool HasPrivilegedContainer(const api::Pod& pod);

// The container's LinuxContainerSecurityContext: capabilities add/drop as written, privileged,
// readonly_rootfs, run_as_user/run_as_group (effective), no_new_privs, the pod's namespace
// options, and seccomp Unconfined (getSeccompProfile without a profile in the spec and with
// the kubelet's seccompDefault off).
v1::LinuxContainerSecurityContext MakeContainerSecurityContext(
    const api::Pod& pod, const api::Container& container,
    const v1::NamespaceOption& namespace_options);

// verifyRunAsNonRoot, for a container whose effective runAsNonRoot is true: refused when its
// runAsUser is 0, or (without runAsUser) when the image runs as root: `image` is the
// ImageStatus answer (its uid, else its username; neither, or no image, means root, as the
// kubelet's getImageUser says). The messages are the kubelet's (the container's
// CreateContainerConfigError).
base::Status VerifyRunAsNonRoot(const api::Pod& pod, const api::Container& container,
                                const v1::Image* image);

}  // namespace probelet::runtime::cri
