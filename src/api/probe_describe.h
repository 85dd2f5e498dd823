// DescribeProbe: a probe in one line, as `kubectl describe pod` prints it (kubectl's
// describe.go DescribeProbe): "http-get http://:8080/healthz delay=0s timeout=1s period=10s
// #success=1 #failure=3", "tcp-socket :8080 ...", "exec [cat /tmp/ok] ...",
// "grpc <pod>:9090 <service> ...". Shared by `probelet describe pod` (which reads the v1 JSON
// the API serves) and the server's /probes (which holds the api::Probe), so both print the
// same text.
//
// Pure functions; any thread. Pulls in nlohmann/json: include it only where JSON is handled.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/pod.h"

namespace probelet::api {

// `probe`: a v1 Probe object (a container's livenessProbe, readinessProbe or startupProbe).
std::string DescribeProbe(const nlohmann::json& probe);
// The same, from the api type (through its v1 JSON form, so the two cannot differ).
std::string DescribeProbe(const Probe& probe);

}  // namespace probelet::api
