// The subset of Kubernetes core/v1 that probelet acts on, as plain value types.
//
// Field names follow the v1 JSON names in snake_case (`livenessProbe` -> liveness_probe), so a
// reader who knows the API finds each one. Optional fields the API distinguishes from their zero
// value are std::optional. Defaults (defaults.h) and validation (validation.h) are separate steps,
// as in the API server: a decoded Pod holds exactly what the manifest said.
//
// Value types: copyable, no hidden sharing, safe to use from any thread once built.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/pod_status.h"
#include "api/quantity.h"
#include "api/time.h"

namespace probelet::api {

// A number or a name (v1 IntOrString), e.g. a probe port `8080` or `"http"`.
struct IntOrString {
  enum class Type { kInt, kString };
  Type type = Type::kInt;
  int32_t int_val = 0;
  std::string str_val;

  static IntOrString Int(int32_t v) { return {Type::kInt, v, {}}; }
  static IntOrString String(std::string s) { return {Type::kString, 0, std::move(s)}; }
  bool is_string() const { return type == Type::kString; }
  friend bool operator==(const IntOrString&, const IntOrString&) = default;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // "namespace" in JSON
  std::string uid;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<Time> creation_timestamp;
  std::optional<Time> deletion_timestamp;
  std::optional<int64_t> deletion_grace_period_seconds;
  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

struct ExecAction {
  std::vector<std::string> command;
  friend bool operator==(const ExecAction&, const ExecAction&) = default;
};

struct HTTPHeader {
  std::string name;
  std::string value;
  friend bool operator==(const HTTPHeader&, const HTTPHeader&) = default;
};

struct HTTPGetAction {
  std::string path;
  IntOrString port;
  std::string host;
  std::string scheme;  // "HTTP" or "HTTPS" once defaulted
  std::vector<HTTPHeader> http_headers;
  friend bool operator==(const HTTPGetAction&, const HTTPGetAction&) = default;
};

struct TCPSocketAction {
  IntOrString port;
  std::string host;
  friend bool operator==(const TCPSocketAction&, const TCPSocketAction&) = default;
};

struct GRPCAction {
  int32_t port = 0;
  std::optional<std::string> service;  // nil means ""
  friend bool operator==(const GRPCAction&, const GRPCAction&) = default;
};

struct SleepAction {
  int64_t seconds = 0;
  friend bool operator==(const SleepAction&, const SleepAction&) = default;
};

// Exactly one handler should be set; validation says so when not.
struct ProbeHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
  std::optional<TCPSocketAction> tcp_socket;
  std::optional<GRPCAction> grpc;
  friend bool operator==(const ProbeHandler&, const ProbeHandler&) = default;
};

struct Probe {
  ProbeHandler handler;  // inlined in JSON: exec/httpGet/tcpSocket/grpc sit on the probe
  int32_t initial_delay_seconds = 0;
  int32_t timeout_seconds = 0;
  int32_t period_seconds = 0;
  int32_t success_threshold = 0;
  int32_t failure_threshold = 0;
  std::optional<int64_t> termination_grace_period_seconds;
  friend bool operator==(const Probe&, const Probe&) = default;
};

struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
  std::optional<TCPSocketAction> tcp_socket;
  std::optional<SleepAction> sleep;
  friend bool operator==(const LifecycleHandler&, const LifecycleHandler&) = default;
};

struct Lifecycle {
  std::optional<LifecycleHandler> post_start;
  std::optional<LifecycleHandler> pre_stop;
  friend bool operator==(const Lifecycle&, const Lifecycle&) = default;
};

struct ObjectFieldSelector {
  std::string api_version;
  std::string field_path;  // metadata.name, metadata.namespace, metadata.uid, status.podIP
  friend bool operator==(const ObjectFieldSelector&, const ObjectFieldSelector&) = default;
};

struct EnvVarSource {
  std::optional<ObjectFieldSelector> field_ref;
  friend bool operator==(const EnvVarSource&, const EnvVarSource&) = default;
};

struct EnvVar {
  std::string name;
  std::string value;
  std::optional<EnvVarSource> value_from;
  friend bool operator==(const EnvVar&, const EnvVar&) = default;
};

struct ContainerPort {
  std::string name;
  int32_t container_port = 0;
  std::string protocol;  // "TCP" once defaulted
  friend bool operator==(const ContainerPort&, const ContainerPort&) = default;
};

// Capability names as written ("NET_ADMIN"; the runtime adds the "CAP_" prefix).
struct Capabilities {
  std::vector<std::string> add;
  std::vector<std::string> drop;
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

struct SecurityContext {
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<bool> privileged;
  std::optional<bool> read_only_root_filesystem;
  std::optional<bool> allow_privilege_escalation;
  std::optional<Capabilities> capabilities;
  friend bool operator==(const SecurityContext&, const SecurityContext&) = default;
};

// The pod-level defaults of the containers' SecurityContext (v1 PodSecurityContext, the
// fields probelet models); a container's own value wins.
struct PodSecurityContext {
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  friend bool operator==(const PodSecurityContext&, const PodSecurityContext&) = default;
};

// Resource name ("cpu", "memory", or any other the manifest names) -> quantity.
using ResourceList = std::map<std::string, Quantity>;

struct ResourceRequirements {
  ResourceList limits;
  ResourceList requests;
  friend bool operator==(const ResourceRequirements&, const ResourceRequirements&) = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool read_only = false;
  friend bool operator==(const VolumeMount&, const VolumeMount&) = default;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<EnvVar> env;
  std::vector<ContainerPort> ports;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> startup_probe;
  // Container-level policy: on init containers "Always" makes a sidecar; on regular containers
  // (ContainerRestartRules, beta in 1.35) it overrides the pod's policy.
  std::optional<std::string> restart_policy;
  std::optional<Lifecycle> lifecycle;
  std::optional<SecurityContext> security_context;
  // Used by runtimes with images (CRI); the process runtime ignores these three.
  // Always | IfNotPresent | Never; defaulted by the API defaults (Always for an image with no
  // tag or the tag :latest, else IfNotPresent), as the kubelet's image manager reads it.
  std::string image_pull_policy;
  ResourceRequirements resources;
  std::vector<VolumeMount> volume_mounts;
  friend bool operator==(const Container&, const Container&) = default;
};

struct PodReadinessGate {
  std::string condition_type;
  friend bool operator==(const PodReadinessGate&, const PodReadinessGate&) = default;
};

struct EmptyDirVolumeSource {
  std::string medium;  // "" (node disk) or "Memory"
  friend bool operator==(const EmptyDirVolumeSource&, const EmptyDirVolumeSource&) = default;
};

struct HostPathVolumeSource {
  std::string path;
  // "" (no check), DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice,
  // BlockDevice; "" once defaulted when unset.
  std::optional<std::string> type;
  friend bool operator==(const HostPathVolumeSource&, const HostPathVolumeSource&) = default;
};

// A pod volume. Only emptyDir and hostPath are modelled; any other source a manifest gives is
// kept by its v1 name in `other_sources` ("configMap", "persistentVolumeClaim"...), so that
// validation can refuse it by name rather than the volume silently having no source.
struct Volume {
  std::string name;
  std::optional<EmptyDirVolumeSource> empty_dir;
  std::optional<HostPathVolumeSource> host_path;
  std::vector<std::string> other_sources;
  friend bool operator==(const Volume&, const Volume&) = default;
};

struct PodSpec {
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::string restart_policy;  // Always | OnFailure | Never; "Always" once defaulted
  std::optional<int64_t> termination_grace_period_seconds;
  std::vector<PodReadinessGate> readiness_gates;
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  std::optional<bool> share_process_namespace;
  std::optional<PodSecurityContext> security_context;
  std::vector<Volume> volumes;
  friend bool operator==(const PodSpec&, const PodSpec&) = default;
};

struct Pod {
  std::string api_version = "v1";
  std::string kind = "Pod";
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
  friend bool operator==(const Pod&, const Pod&) = default;
};

// True for an init container with restartPolicy: Always (a "sidecar").
inline bool IsRestartableInitContainer(const Container& c) {
  return c.restart_policy && *c.restart_policy == "Always";
}

}  // namespace probelet::api
