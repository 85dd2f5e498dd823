// From manifest to CRI config: the pure functions that turn a pod and a container into the CRI
// v1 messages exactly as the kubelet's kuberuntime manager builds them:
//   - MakePodSandboxConfig: generatePodSandboxConfig (pkg/kubelet/kuberuntime/
//     kuberuntime_sandbox.go) with newPodLabels/newPodAnnotations (labels.go) and
//     generatePodSandboxLinuxConfig;
//   - MakeContainerConfig: generateContainerConfig (kuberuntime_container.go) with
//     newContainerLabels/newContainerAnnotations, makeMounts (kubelet_pods.go) and
//     generateLinuxContainerConfig (kuberuntime_container_linux.go: resources,
//     kuberuntime_resources.h; security context, kuberuntime_security.h).
// The CRI runtime (cri_runtime.h) sends what these return; nothing here talks to a runtime.
//
// probelet's conventions where the kubelet has a cluster to ask: every pod uses the node's
// network unless the runtime's CNI is chosen (SandboxOptions::cni_network), so `hostNetwork`
// is not required; the pod's log directory doubles as its pod directory (emptyDir volumes live
// below it); everything carries kInstanceLabel so that one probelet touches only its own.
//
// Pure functions; thread-safe. The returned messages own their data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/pod.h"
#include "base/expected.h"
#include "runtime/cri/api.pb.h"
#include "runtime/runtime.h"

namespace probelet::runtime::cri {

namespace v1 = ::runtime::v1;

// The label on everything probelet creates in the runtime; nothing without it is touched.
inline constexpr std::string_view kInstanceLabel = "probelet.io/instance";

// The kubelet's labels (pkg/kubelet/types/labels.go) and annotations (kuberuntime/labels.go).
inline constexpr std::string_view kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr std::string_view kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr std::string_view kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr std::string_view kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr std::string_view kContainerHashAnnotation = "io.kubernetes.container.hash";
inline constexpr std::string_view kContainerRestartCountAnnotation =
    "io.kubernetes.container.restartCount";
inline constexpr std::string_view kContainerTerminationMessagePathAnnotation =
    "io.kubernetes.container.terminationMessagePath";
inline constexpr std::string_view kContainerTerminationMessagePolicyAnnotation =
    "io.kubernetes.container.terminationMessagePolicy";
inline constexpr std::string_view kPodDeletionGracePeriodAnnotation =
    "io.kubernetes.pod.deletionGracePeriod";
inline constexpr std::string_view kPodTerminationGracePeriodAnnotation =
    "io.kubernetes.pod.terminationGracePeriod";

// The v1 defaults of a container's terminationMessagePath and terminationMessagePolicy, which
// probelet does not model (the kubelet reads them back from these annotations).
inline constexpr std::string_view kDefaultTerminationMessagePath = "/dev/termination-log";
inline constexpr std::string_view kDefaultTerminationMessagePolicy = "File";

struct SandboxOptions {
  std::string instance;       // kInstanceLabel's value
  std::string cgroup_parent;  // absolute cgroup parent for this pod, chosen by the caller
  bool cni_network = false;  // --pod-network=cni: NamespaceMode POD (runtime's CNI) instead of NODE
};

// The pod's namespaces (runtimeutil.NamespacesForPod): network NODE for hostNetwork, and for
// every pod unless `cni_network` (probelet's convention), else POD; pid NODE for hostPID, POD
// for shareProcessNamespace, else CONTAINER; ipc NODE for hostIPC, else POD.
v1::NamespaceOption NamespacesForPod(const api::Pod& pod, bool cni_network);

// The pod's sandbox config (generatePodSandboxConfig). `config.pod` must not be null.
v1::PodSandboxConfig MakePodSandboxConfig(const runtime::PodSandboxConfig& config,
                                          const SandboxOptions& options);

// The container's CRI config (the kubelet's generateContainerConfig): `config.image_ref` is the
// image; `pod` is the container's pod; `sandbox` what MakePodSandboxConfig made for it (labels,
// log dir, namespaces); `memory_capacity` the node's memory in bytes, for the oom_score_adj of
// Burstable containers (0: unknown, they get 0). An Error when a volumeMount names no volume of
// the pod, or a volume of a kind this runtime cannot mount (validation refuses both before:
// api::ValidateForContainerRuntime). Call VerifyRunAsNonRoot (kuberuntime_security.h) first, with
// the image's status, as the kubelet does.
base::Expected<v1::ContainerConfig> MakeContainerConfig(const runtime::ContainerConfig& config,
                                                        const api::Pod& pod,
                                                        const v1::PodSandboxConfig& sandbox,
                                                        const std::string& instance,
                                                        int64_t memory_capacity = 0);

// Where an emptyDir volume of the pod lives (the kubelet's <pod dir>/volumes/
// kubernetes.io~empty-dir/<name>, under the sandbox's log directory; created by the caller).
std::string EmptyDirPath(const v1::PodSandboxConfig& sandbox, const std::string& volume);

// The container's log path relative to the sandbox's log directory, "<name>/<restart>.log"
// (buildContainerLogsPath).
std::string ContainerLogPath(const std::string& container_name, int32_t restart_count);

// A stable hash of the container's spec, hex (the io.kubernetes.container.hash annotation;
// the kubelet's HashContainer: FNV-32a of the container's JSON).
std::string HashContainer(const api::Container& container);

}  // namespace probelet::runtime::cri
