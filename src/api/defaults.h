// SetDefaults: the API server's defaulting of a Pod (pkg/apis/core/v1/defaults.go;
// probe-semantics.md §1.2), run after decoding and before validation, as the API server does.
//
//   Probe: timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3 when
//          zero (so an explicit 0 becomes the default, §1.2.5); initialDelaySeconds and
//          terminationGracePeriodSeconds have none; grpc has none (§1.2.3).
//   HTTPGetAction (probes and lifecycle hooks): path "/" and scheme "HTTP" when empty.
//   PodSpec: restartPolicy "Always"; terminationGracePeriodSeconds 30 when unset.
//   Container: imagePullPolicy "Always" for an image tagged :latest or with neither tag nor
//          digest, else "IfNotPresent"; resources.requests from resources.limits for each
//          resource that has a limit and no request (SetDefaults_Pod).
//   Volume: hostPath.type "" when unset.
//   ContainerPort: protocol "TCP". ObjectFieldSelector: apiVersion "v1".
//   ObjectMeta: namespace "default"; uid a new UUID v4 when empty (the API server assigns one).
//
// Pure apart from the generator; thread-safe for distinct pods and generators.
#pragma once

#include <string>
#include <string_view>

#include "api/pod.h"
#include "api/uid.h"

namespace probelet::api {

inline constexpr int64_t kDefaultTerminationGracePeriodSeconds = 30;

void SetDefaults(Pod& pod, UidGenerator& uids);

// The probe part alone (used by tests and by SetDefaults).
void SetDefaultsProbe(Probe& probe);

// The imagePullPolicy the API server gives a container of `image` that sets none.
std::string DefaultImagePullPolicy(std::string_view image);

}  // namespace probelet::api
