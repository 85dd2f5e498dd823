// ValidatePod: the API server's validation of a defaulted Pod (pkg/apis/core/validation,
// ValidatePodCreate; probe-semantics.md §1.3), restricted to the fields probelet models, plus
// the rules probelet needs of its own (marked "probelet:" below). Every error is reported, in
// the order the API server finds them, as field.Error prints them (field_error.h):
//
//   metadata: name (DNS-1123 subdomain, required), namespace (DNS-1123 label), labels and
//     annotations (qualified names, label values); probelet: uid safe as a file name.
//   spec: containers required; container names DNS-1123 labels, unique across init and regular
//     containers (a duplicate is reported on the later one); ports 1-65535, names IANA service
//     names and unique within the container, protocol TCP/UDP/SCTP; env names (the 1.35
//     relaxed rule: printable ASCII but '='), valueFrom.fieldRef paths; probes (§1.3: handler
//     count, non-negative fields, successThreshold 1 for liveness/startup,
//     terminationGracePeriodSeconds > 0 and not on readiness, exec command, httpGet path, port,
//     scheme, header names, grpc port); probes and lifecycle on init containers only when
//     restartable; lifecycle hooks; restartPolicy (pod: Always/OnFailure/Never; container:
//     Always/OnFailure/Never on regular containers (ContainerRestartRules, beta in 1.35), Always
//     on init containers); terminationGracePeriodSeconds >= 0; readiness gate condition types;
//     runAsUser/runAsGroup; probelet: `command` required (no image entrypoint here);
//   volumes, volumeMounts, resources, imagePullPolicy, the rest of the security context
//     (ValidateVolumesAndResources, validation_volumes.cc).
// With ValidationOptions::container_runtime (the CRI runtime runs images): `command` may be left
// to the image's entrypoint, `image` is required, and only emptyDir and hostPath volumes are
// accepted (ValidateContainerRuntimeSupport).
//
// Run SetDefaults first: validation sees what the API server would have stored.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/field_error.h"
#include "api/pod.h"

namespace probelet::api {

struct ValidationOptions {
  // The pod is for a runtime with images (CRI): see above.
  bool container_runtime = false;
};

std::vector<FieldError> ValidatePod(const Pod& pod, const ValidationOptions& options = {});

// ValidatePod for the CRI runtime: what the CLI calls when that runtime is selected.
std::vector<FieldError> ValidateForContainerRuntime(const Pod& pod);

// The API server's rules for volumes (names DNS-1123 labels, unique, exactly one source;
// hostPath path and type; emptyDir medium), volumeMounts (a volume of the pod, mountPath
// required and unique), resources (quantities >= 0, requests <= limits for cpu and memory,
// standard or qualified resource names), imagePullPolicy, and the security context
// (allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN). Part of ValidatePod.
std::vector<FieldError> ValidateVolumesAndResources(const PodSpec& spec);

// What the CRI runtime cannot run: a container without `image`, a volume other than emptyDir
// and hostPath, an emptyDir on medium "Memory". Part of ValidatePod with container_runtime.
std::vector<FieldError> ValidateContainerRuntimeSupport(const PodSpec& spec);

// Things that are allowed but probably not meant, one message per line with its field path
// (as the API server's pod warnings): an env var hiding an earlier one of the same name, an env
// var name a shell cannot reference.
std::vector<std::string> PodWarnings(const Pod& pod);

// ValidateLabels (metav1 validation): keys qualified names, values label values, every error
// at `path` (metadata.labels, spec.selector). ValidateAnnotations: keys qualified names
// (case-insensitive), 256 KiB in all.
std::vector<FieldError> ValidateLabels(const std::map<std::string, std::string>& labels,
                                       const std::string& path);
std::vector<FieldError> ValidateAnnotations(const std::map<std::string, std::string>& annotations,
                                            const std::string& path);

// The apimachinery name checks, each returning its messages (empty when valid).
std::vector<std::string> IsDNS1123Label(std::string_view value);
std::vector<std::string> IsDNS1123Subdomain(std::string_view value);
std::vector<std::string> IsDNS1035Label(std::string_view value);  // Service names
std::vector<std::string> IsValidPortName(std::string_view value);
std::vector<std::string> IsQualifiedName(std::string_view value);
std::vector<std::string> IsValidLabelValue(std::string_view value);
std::vector<std::string> IsEnvVarName(std::string_view value);         // strict (pre-1.32)
std::vector<std::string> IsRelaxedEnvVarName(std::string_view value);  // 1.35 default
std::vector<std::string> IsHTTPHeaderName(std::string_view value);

}  // namespace probelet::api
