// JSON form of the v1 Service (service.h): DecodeServiceInto for manifests, EncodeService for
// the API, with the same rules as the Pod codec (json_codec.h): strict types with field paths,
// unknown fields as warnings, Go's omitempty when encoding.
//
// Decoding accepts the fields `kubectl get svc -o yaml` writes (clusterIPs, ipFamilies,
// internalTrafficPolicy... are server-filled and ignored silently) and warns about real v1
// fields probelet does not implement (externalIPs, loadBalancerIP...). EncodeService writes what
// the API server stores after defaulting: clusterIP/clusterIPs (spec.cluster_ip when set),
// ipFamilies [IPv4], ipFamilyPolicy SingleStack, internalTrafficPolicy Cluster,
// externalTrafficPolicy Cluster on NodePort, and `status: {loadBalancer: {}}`.
//
// Pure functions; thread-safe. Pulls in nlohmann/json: include only where JSON is handled.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/service.h"

namespace probelet::api {

nlohmann::json EncodeService(const Service& service);

// Returns false when any error was added (`path: message`, one per error); `service` then
// holds what could be decoded. Warnings name the full path of the field.
bool DecodeServiceInto(const nlohmann::json& object, Service& service,
                       std::vector<std::string>& errors, std::vector<std::string>& warnings);

}  // namespace probelet::api
