// The probe history API (issue 14), beside the read-only port's /pods:
//
//   GET /probes[?namespace=NS][&pod=POD][&container=C][&type=T][&attempts=N]
//       {"kind":"ProbeWorkerList","apiVersion":"probelet.dev/v1","items":[WORKER...]}, every
//       probe worker (or those the filters select), each with its last attempt; attempts=N
//       (0..the history's length) adds its last N attempts as "attempts".
//   GET /probes/NAMESPACE/POD/CONTAINER/TYPE[?since=RFC3339]
//       {"kind":"ProbeWorker",...WORKER, "attempts":[ATTEMPT...]}: one worker with its whole
//       ring (oldest first), or only the attempts started after `since`. TYPE is liveness,
//       readiness or startup. 404 (a v1 Status) when there is no such worker.
//
//   WORKER  {"pod":{"namespace","name","uid"},"container","type","probe" (kubectl's one-line
//           form),"containerID","result" (the cached result: "Success"|"Failure"|"Unknown", null
//           before the first instance),"consecutiveSuccesses","consecutiveFailures","threshold"
//           ("failure 2 of 3"),"onHold","historyLength","attemptsTotal","lastAttempt" (ATTEMPT or
//           null)}
//   ATTEMPT {"start" (RFC 3339, microseconds),"durationSeconds","duration" (Go's form),"result"
//           ("success"|"warning"|"failure"|"unknown"),"output","containerID",
//           "consecutiveSuccesses","consecutiveFailures","threshold","cachedResult","changed",
//           "discarded"}
//
// Pure functions of the PodSource; called on the loop thread like the rest of ApiHandler.
#pragma once

#include <optional>

#include "server/api_handler.h"
#include "server/http_target.h"
#include "server/pod_source.h"

namespace probelet::server {

// Serves /probes and /probes/...; nullopt for any other path.
std::optional<HttpResponse> ServeProbes(const HttpTarget& target, const PodSource& source);

}  // namespace probelet::server
