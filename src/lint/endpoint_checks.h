// The checks on where an httpGet, tcpSocket or grpc probe connects (docs/lint.md). The kubelet
// connects to `host` (the pod IP when unset) on the probe's port; a probe is meant to check its
// own container:
// PL009 a numeric port that no container of the pod declares in `ports` (while some declare
// ports): it may be another process's port, a dependency's; PL010 (info) the same cannot be
// checked because no container declares any port; PL011 a `host` other than the pod (unset,
// localhost, 127.0.0.1 or ::1, which probelet's process runtime serves the pod on): the probe
// checks that host, and its failure restarts or unreadies this container.
// Named ports are resolved by the kubelet in the container's own ports; they are not checked.
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "lint/check_context.h"
#include "lint/finding.h"

namespace probelet::lint {

std::vector<Finding> CheckProbeEndpoints(const ContainerContext& context);

}  // namespace probelet::lint
