// The checks that need the Services of the same manifests (docs/lint.md). A Service selects the
// pods of its namespace whose labels contain its selector, and sends each port's traffic to the
// target port (a number, or a name looked up in the containers' ports):
// PL012 a container that receives a Service's traffic (it declares the target port, or no
// container does and the port is a number) with a liveness probe and no readiness probe: it is
// in the endpoints from its first running moment and stays there while liveness fails;
// PL015 a named targetPort that no container of a selected pod declares: that pod is no
// endpoint of that Service port.
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "api/pod.h"
#include "api/service.h"
#include "lint/check_context.h"
#include "lint/finding.h"

namespace probelet::lint {

// True when `service` selects `pod` (same namespace, a non-empty selector all of whose labels
// the pod carries).
bool ServiceSelects(const api::Service& service, const api::Pod& pod);

std::vector<Finding> CheckServices(const ContainerContext& context);

}  // namespace probelet::lint
