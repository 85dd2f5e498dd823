#include "server/service_printers.h"

#include <fmt/format.h>

#include <vector>

#include "server/table_printers.h"

namespace probelet::server {
namespace {

std::string Join(const std::vector<std::string>& list) {
  std::string s;
  for (const auto& e : list) s += (s.empty() ? "" : ",") + e;
  return s;
}

// listWithMoreString.
std::string ListWithMore(const std::vector<std::string>& list, bool more, size_t count,
                         size_t max) {
  std::string s = Join(list);
  if (more) return fmt::format("{} + {} more...", s, count - max);
  return s.empty() ? "<unset>" : s;
}

}  // namespace

ServiceColumns PrintService(const api::Service& service, api::Time now) {
  ServiceColumns c;
  c.name = service.metadata.name;
  c.type = service.spec.type;
  c.cluster_ip = service.spec.cluster_ip.empty() ? "<none>" : service.spec.cluster_ip;
  c.external_ip = "<none>";
  std::vector<std::string> ports;
  for (const auto& p : service.spec.ports) {
    ports.push_back(p.node_port > 0 ? fmt::format("{}:{}/{}", p.port, p.node_port, p.protocol)
                                    : fmt::format("{}/{}", p.port, p.protocol));
  }
  c.ports = ports.empty() ? "<none>" : Join(ports);
  c.age = TimestampSince(service.metadata.creation_timestamp, now);
  std::vector<std::string> selector;
  for (const auto& [k, v] : service.spec.selector) selector.push_back(k + "=" + v);
  c.selector = selector.empty() ? "<none>" : Join(selector);
  return c;
}

std::string FormatEndpoints(const api::Endpoints& endpoints) {
  if (endpoints.subsets.empty()) return "<none>";
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  size_t count = 0;
  for (const auto& ss : endpoints.subsets) {
    if (ss.ports.empty()) {
      count += ss.addresses.size();
      for (const auto& a : ss.addresses) {
        if (list.size() == kMax) {
          more = true;
          break;
        }
        list.push_back(a.ip);
      }
      continue;
    }
    for (const auto& p : ss.ports) {
      count += ss.addresses.size();
      for (const auto& a : ss.addresses) {
        if (list.size() == kMax) {
          more = true;
          break;
        }
        list.push_back(a.ip + ":" + std::to_string(p.port));
      }
    }
  }
  std::string s = Join(list);
  if (more) return fmt::format("{} + {} more...", s, count - kMax);
  return s;
}

EndpointsColumns PrintEndpoints(const api::Endpoints& endpoints, api::Time now) {
  return {endpoints.metadata.name, FormatEndpoints(endpoints),
          TimestampSince(endpoints.metadata.creation_timestamp, now)};
}

EndpointSliceColumns PrintEndpointSlice(const api::EndpointSlice& slice, api::Time now) {
  constexpr size_t kMax = 3;
  EndpointSliceColumns c;
  c.name = slice.metadata.name;
  c.address_type = slice.address_type;
  std::vector<std::string> list;
  bool more = false;
  size_t count = 0;
  for (const auto& p : slice.ports) {
    if (list.size() < kMax) {
      list.push_back(std::to_string(p.port));
    } else {
      more = true;
    }
    ++count;
  }
  c.ports = ListWithMore(list, more, count, kMax);
  list.clear();
  more = false;
  count = 0;
  for (const auto& e : slice.endpoints) {
    for (const auto& a : e.addresses) {
      if (list.size() < kMax) {
        list.push_back(a);
      } else {
        more = true;
      }
      ++count;
    }
  }
  c.endpoints = ListWithMore(list, more, count, kMax);
  c.age = TimestampSince(slice.metadata.creation_timestamp, now);
  return c;
}

}  // namespace probelet::server
