// A Kubernetes core/v1 Event as probelet records and serves it, and the interface through which
// the prober and the pod workers record them (the kubelet's record.EventRecorder).
//
// Events are aggregated by (involved object, type, reason, message): a repeat raises `count`
// and `last_timestamp` (what `kubectl describe` shows as "x3 over 40s").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/time.h"

namespace probelet::api {

struct ObjectReference {
  std::string kind = "Pod";
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string api_version = "v1";
  std::string field_path;  // e.g. "spec.containers{web}"
  friend bool operator==(const ObjectReference&, const ObjectReference&) = default;
};

inline constexpr std::string_view kEventNormal = "Normal";
inline constexpr std::string_view kEventWarning = "Warning";

struct Event {
  std::string name;  // "<pod>.<hex>", unique in the store
  ObjectReference involved_object;
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
  int32_t count = 1;
  Time first_timestamp{};
  Time last_timestamp{};
  std::string source_component = "kubelet";
  std::string source_host;
  friend bool operator==(const Event&, const Event&) = default;
};

// Records events. Thread safety: called on the event loop thread only.
class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  virtual void Record(const ObjectReference& object, std::string_view type, std::string_view reason,
                      std::string message) = 0;
};

// The reference the kubelet uses for a container's events: the pod, with field path
// spec.containers{name} or spec.initContainers{name}.
inline ObjectReference ContainerRef(std::string_view pod_namespace, std::string_view pod_name,
                                    std::string_view pod_uid, std::string_view container,
                                    bool init_container) {
  ObjectReference ref;
  ref.namespace_ = pod_namespace;
  ref.name = pod_name;
  ref.uid = pod_uid;
  ref.field_path = std::string(init_container ? "spec.initContainers{" : "spec.containers{") +
                   std::string(container) + "}";
  return ref;
}

}  // namespace probelet::api
