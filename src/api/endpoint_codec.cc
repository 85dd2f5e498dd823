#include "api/endpoint_codec.h"

#include "api/json_codec.h"

namespace probelet::api {
namespace {

using nlohmann::json;

json EncodeReference(const ObjectReference& r) {
  json j = json::object();
  if (!r.kind.empty()) j["kind"] = r.kind;
  if (!r.namespace_.empty()) j["namespace"] = r.namespace_;
  if (!r.name.empty()) j["name"] = r.name;
  if (!r.uid.empty()) j["uid"] = r.uid;
  return j;
}

json EncodePort(const EndpointPort& p) {
  // In a slice name, protocol and port are pointers the controller always sets: "" is written.
  return json{{"name", p.name}, {"protocol", p.protocol}, {"port", p.port}};
}

json EncodeAddress(const EndpointAddress& a) {
  json j = json{{"ip", a.ip}};
  if (!a.node_name.empty()) j["nodeName"] = a.node_name;
  if (a.target_ref) j["targetRef"] = EncodeReference(*a.target_ref);
  return j;
}

}  // namespace

json EncodeEndpointSlice(const EndpointSlice& slice) {
  json endpoints;  // null when empty (no omitempty)
  for (const auto& e : slice.endpoints) {
    json je = json::object();
    je["addresses"] = e.addresses;
    je["conditions"] = json{{"ready", e.conditions.ready},
                            {"serving", e.conditions.serving},
                            {"terminating", e.conditions.terminating}};
    if (e.target_ref) je["targetRef"] = EncodeReference(*e.target_ref);
    if (!e.node_name.empty()) je["nodeName"] = e.node_name;
    endpoints.push_back(std::move(je));
  }
  json ports;
  for (const auto& p : slice.ports) ports.push_back(EncodePort(p));
  json j = json::object();
  j["kind"] = "EndpointSlice";
  j["apiVersion"] = "discovery.k8s.io/v1";
  j["metadata"] = EncodeObjectMeta(slice.metadata);
  j["addressType"] = slice.address_type;
  j["endpoints"] = std::move(endpoints);
  j["ports"] = std::move(ports);
  return j;
}

json EncodeEndpoints(const Endpoints& endpoints) {
  json j = json::object();
  j["kind"] = "Endpoints";
  j["apiVersion"] = "v1";
  j["metadata"] = EncodeObjectMeta(endpoints.metadata);
  if (!endpoints.subsets.empty()) {
    json subsets = json::array();
    for (const auto& s : endpoints.subsets) {
      json js = json::object();
      if (!s.addresses.empty()) {
        for (const auto& a : s.addresses) js["addresses"].push_back(EncodeAddress(a));
      }
      if (!s.not_ready_addresses.empty()) {
        for (const auto& a : s.not_ready_addresses) {
          js["notReadyAddresses"].push_back(EncodeAddress(a));
        }
      }
      if (!s.ports.empty()) {
        for (const auto& p : s.ports) {
          json jp = json{{"port", p.port}};  // legacy EndpointPort: name and protocol omitempty
          if (!p.name.empty()) jp["name"] = p.name;
          if (!p.protocol.empty()) jp["protocol"] = p.protocol;
          js["ports"].push_back(std::move(jp));
        }
      }
      subsets.push_back(std::move(js));
    }
    j["subsets"] = std::move(subsets);
  }
  return j;
}

}  // namespace probelet::api
