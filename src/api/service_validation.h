// SetDefaults and ValidateService for a v1 Service: the API server's defaulting
// (pkg/apis/core/v1/defaults.go, SetDefaults_Service) and validation (pkg/apis/core/validation,
// ValidateService), restricted to what probelet runs, with the API server's messages and
// field paths (field_error.h).
//
//   Defaults: metadata.namespace "default", metadata.uid a new UUID; spec.type "ClusterIP";
//     spec.sessionAffinity "None"; with ClientIP, sessionAffinityConfig.clientIP.timeoutSeconds
//     10800; each port's protocol "TCP" and targetPort = port when unset (0 or "").
//   Validation: metadata.name a DNS-1035 label, namespace a DNS-1123 label, labels and
//     annotations; spec.ports required, each port 1-65535, name a DNS-1123 label, required
//     when there are several ports and unique; targetPort 1-65535 or an IANA service name;
//     (protocol, port) pairs unique; spec.selector labels; spec.sessionAffinity None/ClientIP
//     with a timeout in 1..86400; nodePort forbidden on ClusterIP, in 30000-32767 and unique
//     on NodePort.
//   probelet: protocol UDP and SCTP, types LoadBalancer and ExternalName, and headless
//     Services (clusterIP: None) are refused as "Unsupported value" naming the field: the
//     proxy is a node-local TCP proxy.
//
// Run SetDefaults first. Pure functions apart from the uid generator; thread-safe.
#pragma once

#include <vector>

#include "api/field_error.h"
#include "api/service.h"
#include "api/uid.h"

namespace probelet::api {

void SetDefaults(Service& service, UidGenerator& uids);

std::vector<FieldError> ValidateService(const Service& service);

}  // namespace probelet::api
