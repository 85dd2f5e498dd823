// JSON form of the api types, with the Kubernetes v1 field names (contract C5).
//
// Encoding follows what the API server writes, field by field from the v1 Go types:
//   - camelCase names (`containerStatuses`, `lastState`, `podIP`, `involvedObject`...);
//   - Go's `omitempty`: empty strings, zero numbers, false, empty lists and maps and unset
//     optionals are left out where the v1 type says omitempty, and kept where it does not
//     (`ready`, `restartCount`, `state`, `lastState`, `image`, `imageID` of a container status;
//     `containers` of a spec; `containerPort` of a port; `name` of a container);
//   - metav1.Time is a struct, so omitempty never drops it: a zero (epoch) time is `null`
//     (`"creationTimestamp": null`, `"lastProbeTime": null`), any other is RFC 3339 in UTC.
//
// Decoding (DecodePod) is strict in the way `kubectl apply --validate=strict` is: a field of the
// wrong JSON type is an error naming its path (`spec.containers[0].ports[0].containerPort`); an
// unknown field is a warning naming its path (`unknown field
// "spec.containers[0].livenesProbe"`), so a misspelt probe never vanishes silently; `null`
// means "not set", as in Go. DecodePod does not default or validate (defaults.h,
// validation.h): the Pod holds exactly what the document said.
//
// Pure functions; thread-safe. This header pulls in nlohmann/json: include it only where JSON is
// produced or consumed (the server, the manifest loader), not from widely included headers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "base/expected.h"

namespace probelet::api {

nlohmann::json EncodePod(const Pod& pod);
nlohmann::json EncodeEvent(const Event& event);
nlohmann::json EncodePodStatus(const PodStatus& status);
nlohmann::json EncodeTime(Time t);
// A v1 Probe (its handler inlined), as inside a container's livenessProbe.
nlohmann::json EncodeProbe(const Probe& probe);
// metav1.ObjectMeta as the API server writes it (creationTimestamp always present, null if unset).
nlohmann::json EncodeObjectMeta(
    const ObjectMeta& meta);  // null for the zero (epoch) time, else RFC 3339

// Decodes one Pod object. Errors (wrong type, missing kind, bad time...) are all collected and
// returned together, one per line, each `path: message`. Warnings (unknown or ignored fields)
// are appended to `warnings` when it is not null, each naming the full path.
base::Expected<Pod> DecodePod(const nlohmann::json& object, std::vector<std::string>* warnings);

// The same, with every error kept apart (the manifest loader reports each on its own line).
// Returns false when any error was added; `pod` then holds what could be decoded.
bool DecodePodInto(const nlohmann::json& object, Pod& pod, std::vector<std::string>& errors,
                   std::vector<std::string>& warnings);

}  // namespace probelet::api
