// The columns kubectl prints for pods and events, computed as the API server's table printers
// compute them (k8s.io/kubernetes/pkg/printers/internalversion/printers.go: printPod,
// printEvent) and as `kubectl get` shows them: the STATUS of a pod is a container's waiting or
// terminated reason (CrashLoopBackOff, Completed, Error, ...) or the phase, RESTARTS gains
// "(2m ago)", ages use apimachinery's duration.HumanDuration ("5m10s", "3h", "2d").
//
// Used by the Kubernetes API (kube_api.h: meta.k8s.io/v1 Table responses) and by the CLI views.
// Pure functions of the values and `now`; any thread.
#pragma once

#include <optional>
#include <string>

#include "api/event.h"
#include "api/pod.h"

namespace probelet::server {

// apimachinery duration.HumanDuration: "0s", "59s", "2m", "2m3s", "3h", "5d", "2y".
std::string HumanDuration(std::chrono::nanoseconds d);
// translateTimestampSince: HumanDuration(now - t), "<unknown>" when t is unset.
std::string TimestampSince(const std::optional<api::Time>& t, api::Time now);

struct PodColumns {
  std::string name;
  std::string ready;     // "1/2"
  std::string status;    // "Running", "CrashLoopBackOff", "Init:0/1", "Completed", ...
  std::string restarts;  // "0", "3 (42s ago)"
  std::string age;
  // -o wide
  std::string ip;               // "<none>" when unset
  std::string node;             // "<none>" when unset
  std::string nominated_node;   // always "<none>" here
  std::string readiness_gates;  // "1/2" or "<none>"
};
PodColumns PrintPod(const api::Pod& pod, api::Time now);

struct EventColumns {
  std::string last_seen;
  std::string type;
  std::string reason;
  std::string object;  // "pod/web"
  std::string message;
  // -o wide
  std::string subobject;  // involvedObject.fieldPath
  std::string source;     // "kubelet, host"
  std::string first_seen;
  int64_t count = 1;
  std::string name;
};
EventColumns PrintEvent(const api::Event& event, api::Time now);

}  // namespace probelet::server
