#include "runtime/cri/kuberuntime_config.h"

#include <cstdio>
#include <set>

#include "api/json_codec.h"
#include "runtime/container_command.h"
#include "runtime/cri/kuberuntime_resources.h"
#include "runtime/cri/kuberuntime_security.h"

namespace probelet::runtime::cri {
namespace {

// v1.IsHostNetworkPod for probelet: a pod is on the node's network unless the CNI mode is on
// and the pod did not ask for hostNetwork.
bool UsesNodeNetwork(const api::Pod& pod, bool cni_network) {
  return pod.spec.host_network || !cni_network;
}

// The kubelet's GeneratePodHostNameAndDomain without spec.hostname: the pod's name cut to a
// DNS label's 63 characters, without a trailing '-' or '.' the cut may leave.
std::string PodHostname(const std::string& name) {
  std::string hostname = name.substr(0, 63);
  while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.')) {
    hostname.pop_back();
  }
  return hostname;
}

void PutPodLabels(google::protobuf::Map<std::string, std::string>& labels, const api::Pod& pod,
                  const std::string& instance) {
  labels[std::string(kPodNameLabel)] = pod.metadata.name;
  labels[std::string(kPodNamespaceLabel)] = pod.metadata.namespace_;
  labels[std::string(kPodUidLabel)] = pod.metadata.uid;
  labels[std::string(kInstanceLabel)] = instance;
}

// newContainerAnnotations (labels.go), without the preStop handler and ports annotations the
// kubelet only reads back after its own restart (probelet keeps them in the pod).
void PutContainerAnnotations(google::protobuf::Map<std::string, std::string>& annotations,
                             const api::Container& container, const api::Pod& pod,
                             int32_t restart_count) {
  annotations[std::string(kContainerHashAnnotation)] = HashContainer(container);
  annotations[std::string(kContainerRestartCountAnnotation)] = std::to_string(restart_count);
  annotations[std::string(kContainerTerminationMessagePathAnnotation)] =
      std::string(kDefaultTerminationMessagePath);
  annotations[std::string(kContainerTerminationMessagePolicyAnnotation)] =
      std::string(kDefaultTerminationMessagePolicy);
  if (pod.metadata.deletion_grace_period_seconds) {
    annotations[std::string(kPodDeletionGracePeriodAnnotation)] =
        std::to_string(*pod.metadata.deletion_grace_period_seconds);
  }
  if (pod.spec.termination_grace_period_seconds) {
    annotations[std::string(kPodTerminationGracePeriodAnnotation)] =
        std::to_string(*pod.spec.termination_grace_period_seconds);
  }
}

// makeMounts (kubelet_pods.go) for the volume kinds probelet mounts: each volumeMount becomes a
// bind of the volume's host directory, private propagation, no SELinux relabel.
base::Status AddMounts(v1::ContainerConfig& out, const api::Container& container,
                       const api::Pod& pod, const v1::PodSandboxConfig& sandbox) {
  for (const auto& vm : container.volume_mounts) {
    const api::Volume* volume = nullptr;
    for (const auto& v : pod.spec.volumes) {
      if (v.name == vm.name) volume = &v;
    }
    if (volume == nullptr) {
      return base::Error{"container " + container.name + ": volumeMount " + vm.name +
                         ": no volume of that name in the pod"};
    }
    v1::Mount* mount = out.add_mounts();
    mount->set_container_path(vm.mount_path);
    mount->set_readonly(vm.read_only);
    if (volume->empty_dir) {
      mount->set_host_path(EmptyDirPath(sandbox, volume->name));
    } else if (volume->host_path) {
      mount->set_host_path(volume->host_path->path);
    } else {
      return base::Error{"volume " + volume->name +
                         ": only emptyDir and hostPath volumes are supported"};
    }
  }
  return base::Status::Ok();
}

}  // namespace

v1::NamespaceOption NamespacesForPod(const api::Pod& pod, bool cni_network) {
  v1::NamespaceOption ns;
  // networkNamespaceForPod, with probelet's node-network default.
  ns.set_network(UsesNodeNetwork(pod, cni_network) ? v1::NODE : v1::POD);
  // pidNamespaceForPod: the zero value (POD) is not the default, CONTAINER is.
  if (pod.spec.host_pid) {
    ns.set_pid(v1::NODE);
  } else if (pod.spec.share_process_namespace.value_or(false)) {
    ns.set_pid(v1::POD);
  } else {
    ns.set_pid(v1::CONTAINER);
  }
  // ipcNamespaceForPod.
  ns.set_ipc(pod.spec.host_ipc ? v1::NODE : v1::POD);
  return ns;
}

v1::PodSandboxConfig MakePodSandboxConfig(const runtime::PodSandboxConfig& config,
                                          const SandboxOptions& options) {
  const api::Pod& pod = *config.pod;
  v1::PodSandboxConfig out;
  v1::PodSandboxMetadata* meta = out.mutable_metadata();
  meta->set_name(pod.metadata.name);
  meta->set_uid(pod.metadata.uid);
  meta->set_namespace_(pod.metadata.namespace_);
  meta->set_attempt(static_cast<uint32_t>(config.attempt));
  // A host-network sandbox has no UTS namespace of its own: runc refuses a hostname then
  // (cri.md §8.6), and the kubelet leaves it empty.
  if (!UsesNodeNetwork(pod, options.cni_network)) out.set_hostname(PodHostname(pod.metadata.name));
  out.set_log_directory(config.log_directory);
  // newPodLabels: the pod's labels, then the kubelet's own (which win).
  for (const auto& [k, v] : pod.metadata.labels) (*out.mutable_labels())[k] = v;
  PutPodLabels(*out.mutable_labels(), pod, options.instance);
  for (const auto& [k, v] : pod.metadata.annotations) (*out.mutable_annotations())[k] = v;

  // generatePodSandboxLinuxConfig.
  v1::LinuxPodSandboxConfig* linux = out.mutable_linux();
  linux->set_cgroup_parent(options.cgroup_parent);
  v1::LinuxSandboxSecurityContext* sc = linux->mutable_security_context();
  *sc->mutable_namespace_options() = NamespacesForPod(pod, options.cni_network);
  sc->set_privileged(HasPrivilegedContainer(pod));
  // "Forcing sandbox to run as `runtime/default` allow users to use least privileged seccomp
  // profiles at pod level" (kubernetes#84623); RuntimeDefault is the proto's zero value, set
  // explicitly all the same.
  sc->mutable_seccomp()->set_profile_type(v1::SecurityProfile::RuntimeDefault);
  if (pod.spec.security_context) {
    const api::PodSecurityContext& psc = *pod.spec.security_context;
    if (psc.run_as_user) sc->mutable_run_as_user()->set_value(*psc.run_as_user);
    if (psc.run_as_group) sc->mutable_run_as_group()->set_value(*psc.run_as_group);
  }
  return out;
}

base::Expected<v1::ContainerConfig> MakeContainerConfig(const runtime::ContainerConfig& config,
                                                        const api::Pod& pod,
                                                        const v1::PodSandboxConfig& sandbox,
                                                        const std::string& instance,
                                                        int64_t memory_capacity) {
  const api::Container& container = config.container;
  v1::ContainerConfig out;
  out.mutable_metadata()->set_name(container.name);
  out.mutable_metadata()->set_attempt(static_cast<uint32_t>(config.restart_count));
  out.mutable_image()->set_image(config.image_ref);
  out.mutable_image()->set_user_specified_image(container.image);

  // The kubelet's makeEnvironmentVariables and ExpandContainerCommandAndArgs, shared with the
  // process runtime: MakeContainerCommand expands command and args into one argv (command's
  // elements first, one for one) and adds what an image would give a host process (PATH,
  // HOME, HOSTNAME), which here the image itself gives: only the container's own variables go.
  ContainerCommand command = MakeContainerCommand(container, config.pod);
  for (size_t i = 0; i < command.argv.size(); ++i) {
    if (i < container.command.size()) {
      out.add_command(command.argv[i]);
    } else {
      out.add_args(command.argv[i]);
    }
  }
  std::set<std::string, std::less<>> own;
  for (const auto& e : container.env) own.insert(e.name);
  for (const auto& kv : command.env) {
    size_t eq = kv.find('=');
    std::string_view name = std::string_view(kv).substr(0, eq);
    if (!own.contains(name)) continue;
    v1::KeyValue* env = out.add_envs();
    env->set_key(std::string(name));
    env->set_value(eq == std::string::npos ? "" : kv.substr(eq + 1));
  }
  out.set_working_dir(container.working_dir);

  if (auto mounts = AddMounts(out, container, pod, sandbox); !mounts.ok()) return mounts.error();

  // newContainerLabels: the kubelet's only, not the pod's.
  (*out.mutable_labels())[std::string(kContainerNameLabel)] = container.name;
  PutPodLabels(*out.mutable_labels(), pod, instance);
  PutContainerAnnotations(*out.mutable_annotations(), container, pod, config.restart_count);
  out.set_log_path(ContainerLogPath(container.name, config.restart_count));

  // generateLinuxContainerConfig. The namespaces are the sandbox's (NamespacesForPod for both).
  v1::LinuxContainerConfig* linux = out.mutable_linux();
  *linux->mutable_resources() = MakeLinuxContainerResources(pod, container, memory_capacity);
  *linux->mutable_security_context() = MakeContainerSecurityContext(
      pod, container, sandbox.linux().security_context().namespace_options());
  return out;
}

std::string EmptyDirPath(const v1::PodSandboxConfig& sandbox, const std::string& volume) {
  return sandbox.log_directory() + "/volumes/kubernetes.io~empty-dir/" + volume;
}

std::string ContainerLogPath(const std::string& container_name, int32_t restart_count) {
  return container_name + "/" + std::to_string(restart_count) + ".log";
}

std::string HashContainer(const api::Container& container) {
  // The container's v1 JSON (the encoder writes object members in sorted order, so the text is
  // stable), hashed with FNV-32a as the kubelet's HashContainer does (hash.DeepHashObject).
  api::Pod pod;
  pod.spec.containers.push_back(container);
  std::string text = api::EncodePod(pod)["spec"]["containers"][0].dump();
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", hash);
  return buf;
}

}  // namespace probelet::runtime::cri
