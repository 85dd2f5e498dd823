// Named port resolution for HTTP and TCP probes (kubelet pkg/probe/util.go,
// ResolveContainerPort; probe-semantics.md §5.1.2, T46).
//
// Pure functions; thread-safe.
#pragma once

#include "api/pod.h"
#include "base/expected.h"

namespace probelet::api {

// An int is used as it is; a name is looked up in container.ports (first match), then parsed
// as a decimal number. The result must be in 1..65535. Errors carry the kubelet's text.
base::Expected<int> ResolveContainerPort(const IntOrString& param, const Container& container);

}  // namespace probelet::api
