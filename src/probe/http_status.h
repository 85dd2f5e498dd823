// The HTTP prober's status rule, in one place (the kubelet's DoHTTPProbe, pkg/probe/http/
// http.go, §5.3.4.3; Envoy names the same idea HttpStatusChecker): a final status in
// [200, 400) is healthy; within it a 3xx (a redirect not followed) is a Warning, which the
// prober counts as a success; anything else is a Failure.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "probe/result.h"

namespace probelet::probe {

// 200 <= status < 400: the probe passes (Success or Warning).
bool HttpStatusIsSuccess(int status);

// kSuccess for 2xx, kWarning for 3xx, kFailure for everything else (1xx, 4xx, 5xx, garbage).
Result ClassifyHttpStatus(int status);

// The probe's Outcome for a final `status` with `body` (already cut to 10 KiB, T40): the body as
// the output of a Success, "Probe terminated redirects, Response body: <body>" for a Warning,
// "HTTP probe failed with statuscode: <status>" for a Failure.
Outcome HttpStatusOutcome(int status, std::string body);

}  // namespace probelet::probe
