#include "server/kube_services.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/endpoint_codec.h"
#include "api/service_codec.h"
#include "server/kube_api.h"
#include "server/kube_encoding.h"
#include "server/kube_selectors.h"
#include "server/service_printers.h"

namespace probelet::server {
namespace {

using nlohmann::json;

constexpr std::string_view kDiscoveryGroup = "discovery.k8s.io";
constexpr std::string_view kDiscoveryVersion = "discovery.k8s.io/v1";

HttpResponse Json(const json& body) {
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

bool WantsTable(std::string_view accept) { return accept.find("as=Table") != accept.npos; }

json NameColumn() {
  return TableColumn("Name",
                     "Name must be unique within a namespace. Is required when creating "
                     "resources, although some resources may allow a client to request the "
                     "generation of an appropriate name automatically. Name is primarily "
                     "intended for creation idempotence and configuration definition. Cannot be "
                     "updated. More info: "
                     "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
                     "names#names",
                     0, "name");
}
json AgeColumn() {
  return TableColumn("Age",
                     "CreationTimestamp is a timestamp representing the server time when this "
                     "object was created.");
}

// One kind's handling: its list kind, resource name, encoder, filter and Table.
struct ServiceKind {
  static constexpr std::string_view kResource = "services";
  static constexpr std::string_view kListKind = "ServiceList";
  static constexpr std::string_view kApiVersion = "v1";
  using T = api::Service;
  static std::vector<T> List(const PodSource& s) { return s.ListServices(); }
  static json Encode(const T& o) { return api::EncodeService(o); }
  static auto Filter(const HttpTarget& t, std::vector<T>& v) { return FilterServices(t, v); }
  static json Columns() {
    return json::array(
        {NameColumn(),
         TableColumn("Type", "type determines how the Service is exposed. Defaults to ClusterIP."),
         TableColumn("Cluster-IP", "clusterIP is the IP address of the service."),
         TableColumn("External-IP",
                     "externalIPs is a list of IP addresses for which nodes in "
                     "the cluster will also accept traffic for this service."),
         TableColumn("Port(s)", "The list of ports that are exposed by this service."), AgeColumn(),
         TableColumn("Selector",
                     "Route service traffic to pods with label keys and values matching this "
                     "selector.",
                     1)});
  }
  static json Cells(const T& o, api::Time now) {
    ServiceColumns c = PrintService(o, now);
    return {c.name, c.type, c.cluster_ip, c.external_ip, c.ports, c.age, c.selector};
  }
};

struct EndpointsKind {
  static constexpr std::string_view kResource = "endpoints";
  static constexpr std::string_view kListKind = "EndpointsList";
  static constexpr std::string_view kApiVersion = "v1";
  using T = api::Endpoints;
  static std::vector<T> List(const PodSource& s) { return s.ListEndpoints(); }
  static json Encode(const T& o) { return api::EncodeEndpoints(o); }
  static auto Filter(const HttpTarget& t, std::vector<T>& v) { return FilterEndpoints(t, v); }
  static json Columns() {
    return json::array({NameColumn(),
                        TableColumn("Endpoints", "Endpoints is the list of ready addresses."),
                        AgeColumn()});
  }
  static json Cells(const T& o, api::Time now) {
    EndpointsColumns c = PrintEndpoints(o, now);
    return {c.name, c.endpoints, c.age};
  }
};

struct EndpointSliceKind {
  static constexpr std::string_view kResource = "endpointslices";
  static constexpr std::string_view kListKind = "EndpointSliceList";
  static constexpr std::string_view kApiVersion = kDiscoveryVersion;
  using T = api::EndpointSlice;
  static std::vector<T> List(const PodSource& s) { return s.ListEndpointSlices(); }
  static json Encode(const T& o) { return api::EncodeEndpointSlice(o); }
  static auto Filter(const HttpTarget& t, std::vector<T>& v) { return FilterEndpointSlices(t, v); }
  static json Columns() {
    return json::array({NameColumn(), TableColumn("AddressType", "The IP protocol for this slice"),
                        TableColumn("Ports", "The ports for this slice"),
                        TableColumn("Endpoints", "The endpoints for this slice"), AgeColumn()});
  }
  static json Cells(const T& o, api::Time now) {
    EndpointSliceColumns c = PrintEndpointSlice(o, now);
    return {c.name, c.address_type, c.ports, c.endpoints, c.age};
  }
};

template <typename K>
HttpResponse Respond(const HttpTarget& target, std::string_view accept,
                     const std::vector<typename K::T>& items, api::Time now) {
  if (WantsTable(accept)) {
    json rows = json::array();
    for (const auto& o : items) {
      rows.push_back(
          {{"cells", K::Cells(o, now)}, {"object", TableRowObject(target, K::Encode(o))}});
    }
    return Json(TableOf(K::Columns(), std::move(rows)));
  }
  json list_items = json::array();
  for (const auto& o : items) list_items.push_back(K::Encode(o));
  return Json({{"kind", K::kListKind},
               {"apiVersion", K::kApiVersion},
               {"metadata", json::object()},
               {"items", std::move(list_items)}});
}

// GET .../{resource}[/{name}] in `ns` (all namespaces when null).
template <typename K>
HttpResponse Serve(const HttpTarget& target, std::string_view accept, const PodSource& source,
                   const std::string* ns, const std::string* name, api::Time now) {
  std::vector<typename K::T> items = K::List(source);
  if (ns != nullptr) {
    std::erase_if(items, [&](const auto& o) { return o.metadata.namespace_ != *ns; });
  }
  if (name == nullptr) {
    if (auto err = K::Filter(target, items)) return *err;
    return Respond<K>(target, accept, items, now);
  }
  for (const auto& o : items) {
    if (o.metadata.name != *name) continue;
    if (WantsTable(accept)) return Respond<K>(target, accept, {o}, now);
    return Json(K::Encode(o));
  }
  return StatusResponse(404, "NotFound", fmt::format("{} \"{}\" not found", K::kResource, *name),
                        K::kResource, *name);
}

// /{prefix...}/[namespaces/{ns}/]{resource}[/{name}] from segment `at` on.
template <typename K>
std::optional<HttpResponse> Route(const HttpTarget& target, std::string_view accept,
                                  const PodSource& source, size_t at, api::Time now) {
  const std::vector<std::string>& s = target.segments;
  if (s.size() == at + 1 && s[at] == K::kResource) {
    return Serve<K>(target, accept, source, nullptr, nullptr, now);
  }
  if (s.size() >= at + 3 && s[at] == "namespaces" && s[at + 2] == K::kResource) {
    if (s.size() == at + 3) return Serve<K>(target, accept, source, &s[at + 1], nullptr, now);
    if (s.size() == at + 4) return Serve<K>(target, accept, source, &s[at + 1], &s[at + 3], now);
  }
  return std::nullopt;
}

json GroupVersion() { return {{"groupVersion", kDiscoveryVersion}, {"version", "v1"}}; }

json DiscoveryGroup() {
  return {{"name", kDiscoveryGroup},
          {"versions", json::array({GroupVersion()})},
          {"preferredVersion", GroupVersion()}};
}

}  // namespace

json ServiceCoreResources() {
  return json::array({{{"name", "services"},
                       {"singularName", "service"},
                       {"namespaced", true},
                       {"kind", "Service"},
                       {"verbs", {"get", "list"}},
                       {"shortNames", {"svc"}},
                       {"categories", {"all"}}},
                      {{"name", "endpoints"},
                       {"singularName", "endpoints"},
                       {"namespaced", true},
                       {"kind", "Endpoints"},
                       {"verbs", {"get", "list"}},
                       {"shortNames", {"ep"}}}});
}

std::optional<HttpResponse> ServeServiceApi(const HttpTarget& target, std::string_view accept,
                                            const PodSource& source, api::Time now) {
  const std::vector<std::string>& s = target.segments;
  if (s.empty()) return std::nullopt;
  if (s[0] == "api" && s.size() >= 3 && s[1] == "v1") {
    if (auto r = Route<ServiceKind>(target, accept, source, 2, now)) return r;
    if (auto r = Route<EndpointsKind>(target, accept, source, 2, now)) return r;
    return std::nullopt;
  }
  if (s[0] != "apis") return std::nullopt;
  if (s.size() == 1) {
    return Json({{"kind", "APIGroupList"},
                 {"apiVersion", "v1"},
                 {"groups", json::array({DiscoveryGroup()})}});
  }
  if (s[1] != kDiscoveryGroup) return std::nullopt;
  if (s.size() == 2) {
    json group = DiscoveryGroup();
    group["kind"] = "APIGroup";
    group["apiVersion"] = "v1";
    return Json(group);
  }
  if (s[2] != "v1") return std::nullopt;
  if (s.size() == 3) {
    return Json({{"kind", "APIResourceList"},
                 {"apiVersion", "v1"},
                 {"groupVersion", kDiscoveryVersion},
                 {"resources", json::array({{{"name", "endpointslices"},
                                             {"singularName", "endpointslice"},
                                             {"namespaced", true},
                                             {"kind", "EndpointSlice"},
                                             {"verbs", {"get", "list"}}}})}});
  }
  return Route<EndpointSliceKind>(target, accept, source, 3, now);
}

}  // namespace probelet::server
