// The checks on a probe-level terminationGracePeriodSeconds (docs/lint.md). When a liveness or
// startup probe kills a container, the kubelet gives it the probe's grace period instead of the
// pod's; the preStop hook runs inside that period, and what is left (at least 2 s) is the time
// between SIGTERM and SIGKILL:
// PL013 a probe-level grace longer than the pod's: a hung container, the very case the field is
// for, is left running longer than a pod deletion would allow; PL014 a preStop `sleep` that is
// no shorter than the probe-level grace: the hook uses the whole period and the process gets
// only the 2 s minimum after SIGTERM. (A probe-level grace of 0 is refused by validation.)
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "lint/check_context.h"
#include "lint/finding.h"

namespace probelet::lint {

std::vector<Finding> CheckProbeGrace(const ContainerContext& context);

}  // namespace probelet::lint
