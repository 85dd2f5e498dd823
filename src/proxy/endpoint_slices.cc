#include "proxy/endpoint_slices.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace probelet::proxy {
namespace {

using PortList = std::vector<api::EndpointPort>;

PortList PortsOf(const api::Service& service, const ServiceEndpoint& e) {
  PortList ports;
  for (size_t i = 0; i < service.spec.ports.size() && i < e.ports.size(); ++i) {
    if (!e.ports[i]) continue;
    const api::ServicePort& sp = service.spec.ports[i];
    ports.push_back({sp.name, sp.protocol, *e.ports[i]});
  }
  return ports;
}

api::ObjectReference PodRef(const ServiceEndpoint& e) {
  api::ObjectReference ref;
  ref.kind = "Pod";
  ref.namespace_ = e.pod_namespace;
  ref.name = e.pod_name;
  ref.uid = e.pod_uid;
  return ref;
}

// FNV-1a: a stable name suffix, drawn from the alphabet of apimachinery's rand.String (no
// vowels, no look-alike characters), as generateName's suffixes are.
std::string Suffix(const std::string& key) {
  constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  std::string s;
  for (int i = 0; i < 5; ++i) {
    s += kAlphabet[h % kAlphabet.size()];
    h /= kAlphabet.size();
  }
  return s;
}

std::string PortKey(const PortList& ports) {
  std::string key;
  for (const auto& p : ports) key += p.name + "/" + p.protocol + "/" + std::to_string(p.port) + ";";
  return key;
}

api::EndpointSlice NewSlice(const api::Service& service, const std::string& key) {
  api::EndpointSlice slice;
  const api::ObjectMeta& m = service.metadata;
  std::string base = m.name.substr(0, 57) + "-";  // generateName keeps 58 characters of base
  slice.metadata.name = base + Suffix(m.uid + "|" + key);
  slice.metadata.namespace_ = m.namespace_;
  slice.metadata.uid = m.uid.empty() ? "" : m.uid.substr(0, 24) + Suffix("uid|" + key + m.uid);
  slice.metadata.creation_timestamp = m.creation_timestamp;
  slice.metadata.labels = m.labels;
  slice.metadata.labels["kubernetes.io/service-name"] = m.name;
  slice.metadata.labels["endpointslice.kubernetes.io/managed-by"] =
      api::kEndpointSliceControllerName;
  slice.address_type = "IPv4";
  return slice;
}

}  // namespace

std::vector<api::EndpointSlice> BuildEndpointSlices(const api::Service& service,
                                                    const std::vector<ServiceEndpoint>& endpoints,
                                                    const EndpointOptions& options) {
  std::vector<api::EndpointSlice> slices;
  if (service.spec.selector.empty()) return slices;
  // Port lists in order of first appearance, each with its endpoints.
  std::vector<std::pair<PortList, std::vector<const ServiceEndpoint*>>> groups;
  for (const auto& e : endpoints) {
    PortList ports = PortsOf(service, e);
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == ports; });
    if (it == groups.end()) it = groups.insert(groups.end(), {std::move(ports), {}});
    it->second.push_back(&e);
  }
  for (const auto& [ports, members] : groups) {
    std::string key = PortKey(ports);
    for (size_t start = 0; start < members.size(); start += api::kMaxEndpointsPerSlice) {
      api::EndpointSlice slice =
          NewSlice(service, key + "#" + std::to_string(start / api::kMaxEndpointsPerSlice));
      slice.ports = ports;
      size_t end = std::min(members.size(), start + api::kMaxEndpointsPerSlice);
      for (size_t i = start; i < end; ++i) {
        const ServiceEndpoint& e = *members[i];
        api::Endpoint ep;
        ep.addresses = {e.address};
        ep.conditions = {e.ready, e.serving, e.terminating};
        ep.target_ref = PodRef(e);
        ep.node_name = options.node_name;
        slice.endpoints.push_back(std::move(ep));
      }
      slices.push_back(std::move(slice));
    }
  }
  if (slices.empty()) slices.push_back(NewSlice(service, "placeholder"));
  return slices;
}

api::Endpoints BuildEndpoints(const api::Service& service,
                              const std::vector<ServiceEndpoint>& endpoints,
                              const EndpointOptions& options) {
  api::Endpoints out;
  out.metadata.name = service.metadata.name;
  out.metadata.namespace_ = service.metadata.namespace_;
  out.metadata.labels = service.metadata.labels;
  out.metadata.creation_timestamp = service.metadata.creation_timestamp;
  if (service.spec.selector.empty()) return out;
  for (const auto& e : endpoints) {
    if (e.pod_deleting && !service.spec.publish_not_ready_addresses) continue;
    PortList ports = PortsOf(service, e);
    if (ports.empty()) continue;  // no port resolved on this pod: nothing to list it under
    auto it = std::find_if(out.subsets.begin(), out.subsets.end(),
                           [&](const api::EndpointSubset& s) { return s.ports == ports; });
    if (it == out.subsets.end()) {
      it = out.subsets.insert(out.subsets.end(), api::EndpointSubset{});
      it->ports = std::move(ports);
    }
    api::EndpointAddress address{e.address, options.node_name, PodRef(e)};
    (e.ready ? it->addresses : it->not_ready_addresses).push_back(std::move(address));
  }
  auto by_ip_then_uid = [](const api::EndpointAddress& a, const api::EndpointAddress& b) {
    return std::tie(a.ip, a.target_ref->uid) < std::tie(b.ip, b.target_ref->uid);
  };
  for (auto& s : out.subsets) {
    std::sort(s.addresses.begin(), s.addresses.end(), by_ip_then_uid);
    std::sort(s.not_ready_addresses.begin(), s.not_ready_addresses.end(), by_ip_then_uid);
  }
  return out;
}

}  // namespace probelet::proxy
