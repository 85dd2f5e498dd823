// What every lint check looks at (one container of a loaded, valid pod, with the Services that
// select the pod) and the few helpers they share to say a consequence in the manifest's numbers:
// "3 x 10s = 30s".
//
// The pod and services are borrowed: they must outlive the context. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/pod.h"
#include "api/service.h"
#include "lint/finding.h"

namespace probelet::lint {

struct ContainerContext {
  const api::Pod& pod;              // defaulted and valid (the loader's output)
  const api::Container& container;  // one of pod.spec.containers or a sidecar init container
  std::string path;                 // "spec.containers[0]", "spec.initContainers[1]"
  std::vector<const api::Service*> services;  // Services whose selector picks the pod
};

enum class ProbeKind { kLiveness, kReadiness, kStartup };

std::string_view ProbeKindName(ProbeKind kind);   // "liveness"
std::string_view ProbeFieldName(ProbeKind kind);  // "livenessProbe"

// The probe of that kind on the container, or nullptr.
const api::Probe* ProbeOf(const api::Container& container, ProbeKind kind);

// "spec.containers[0].livenessProbe"
std::string ProbePath(const ContainerContext& context, ProbeKind kind);

// failureThreshold x periodSeconds: how long a probe fails before it acts.
int64_t FailureSeconds(const api::Probe& probe);
// initialDelaySeconds + failureThreshold x periodSeconds: the earliest it acts after a start.
int64_t FirstDecisionSeconds(const api::Probe& probe);

std::string Seconds(int64_t seconds);                // "30s"
std::string FailureWindow(const api::Probe& probe);  // "3 x 10s = 30s"
std::string FirstDecision(const api::Probe& probe);  // "5s + 3 x 10s = 35s" ("3 x 10s = 30s")

// What a probe that always fails does to the container, with its numbers: "the liveness probe
// restarts the container after 3 x 10s = 30s".
std::string AlwaysFailingConsequence(ProbeKind kind, const api::Probe& probe);

// A finding on the context's container, with the code's severity (codes.h); the linter fills in
// the file, line, namespace and pod.
Finding MakeFinding(const ContainerContext& context, std::string_view code, std::string field,
                    std::string message);

}  // namespace probelet::lint
