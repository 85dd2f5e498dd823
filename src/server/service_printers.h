// The columns kubectl prints for Services, Endpoints and EndpointSlices, as the API server's
// table printers compute them (pkg/printers/internalversion/printers.go: printService,
// printEndpoints, printEndpointSlice), so `kubectl get svc,ep,endpointslices` and
// `probelet get services` show the same text:
//   PORT(S) "80/TCP,443:30443/TCP" (nodePort after a colon) or "<none>"; EXTERNAL-IP "<none>"
//   (no external IPs or load balancers here); SELECTOR "app=web" (wide);
//   ENDPOINTS of Endpoints: the ready "ip:port" pairs, at most 3 then " + N more...", "<none>"
//   without subsets; of a slice: its addresses (any condition), PORTS its port numbers, both
//   at most 3 then " + N more...", "<unset>" when empty.
//
// Pure functions of the values and `now`; any thread.
#pragma once

#include <string>

#include "api/endpoint_slice.h"
#include "api/service.h"
#include "api/time.h"

namespace probelet::server {

struct ServiceColumns {
  std::string name;
  std::string type;
  std::string cluster_ip;
  std::string external_ip;
  std::string ports;
  std::string age;
  std::string selector;  // -o wide
};
ServiceColumns PrintService(const api::Service& service, api::Time now);

// formatEndpoints: the ready addresses with each of their subset's ports.
std::string FormatEndpoints(const api::Endpoints& endpoints);

struct EndpointsColumns {
  std::string name;
  std::string endpoints;
  std::string age;
};
EndpointsColumns PrintEndpoints(const api::Endpoints& endpoints, api::Time now);

struct EndpointSliceColumns {
  std::string name;
  std::string address_type;
  std::string ports;
  std::string endpoints;
  std::string age;
};
EndpointSliceColumns PrintEndpointSlice(const api::EndpointSlice& slice, api::Time now);

}  // namespace probelet::server
