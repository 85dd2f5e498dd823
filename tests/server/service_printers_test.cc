// kubectl's columns for Services, Endpoints and EndpointSlices (service_printers.h).
#include "server/service_printers.h"

#include <gtest/gtest.h>

namespace probelet::server {
namespace {

api::Time At(int s) { return api::Time{} + std::chrono::seconds(s); }

TEST(ServicePrintersTest, ServiceColumns) {
  api::Service s;
  s.metadata.name = "web";
  s.metadata.creation_timestamp = At(1000);
  s.spec.type = "NodePort";
  s.spec.ports = {{"a", "TCP", 80, api::IntOrString::Int(8080), 30080},
                  {"b", "TCP", 443, api::IntOrString::Int(8443), 0}};
  s.spec.selector = {{"app", "web"}, {"tier", "fe"}};
  ServiceColumns c = PrintService(s, At(1300));
  EXPECT_EQ(c.type, "NodePort");
  EXPECT_EQ(c.cluster_ip, "<none>");
  EXPECT_EQ(c.external_ip, "<none>");
  EXPECT_EQ(c.ports, "80:30080/TCP,443/TCP");
  EXPECT_EQ(c.age, "5m");
  EXPECT_EQ(c.selector, "app=web,tier=fe");
  s.spec.cluster_ip = "127.0.0.1";
  s.spec.ports.clear();
  s.spec.selector.clear();
  c = PrintService(s, At(1300));
  EXPECT_EQ(c.cluster_ip, "127.0.0.1");
  EXPECT_EQ(c.ports, "<none>");
  EXPECT_EQ(c.selector, "<none>");
}

TEST(ServicePrintersTest, EndpointsShowReadyAddressesAtMostThree) {
  api::Endpoints e;
  EXPECT_EQ(FormatEndpoints(e), "<none>");
  api::EndpointSubset ss;
  ss.ports = {{"http", "TCP", 8080}};
  for (const char* ip : {"10.0.0.1", "10.0.0.2"}) ss.addresses.push_back({ip, "", std::nullopt});
  ss.not_ready_addresses.push_back({"10.0.0.9", "", std::nullopt});
  e.subsets.push_back(ss);
  EXPECT_EQ(FormatEndpoints(e), "10.0.0.1:8080,10.0.0.2:8080");
  e.subsets[0].ports.push_back({"admin", "TCP", 9000});
  EXPECT_EQ(FormatEndpoints(e), "10.0.0.1:8080,10.0.0.2:8080,10.0.0.1:9000 + 1 more...");
  e.subsets[0].addresses.clear();
  EXPECT_EQ(FormatEndpoints(e), "");
}

TEST(ServicePrintersTest, EndpointSliceColumns) {
  api::EndpointSlice s;
  s.metadata.name = "web-abcde";
  s.address_type = "IPv4";
  EndpointSliceColumns c = PrintEndpointSlice(s, At(0));
  EXPECT_EQ(c.ports, "<unset>");
  EXPECT_EQ(c.endpoints, "<unset>");
  for (int i = 0; i < 5; ++i) {
    api::Endpoint ep;
    ep.addresses = {"127.0.0." + std::to_string(i)};
    s.endpoints.push_back(ep);
  }
  s.ports = {{"", "TCP", 80}, {"", "TCP", 81}};
  c = PrintEndpointSlice(s, At(0));
  EXPECT_EQ(c.ports, "80,81");
  EXPECT_EQ(c.endpoints, "127.0.0.0,127.0.0.1,127.0.0.2 + 2 more...");
}

}  // namespace
}  // namespace probelet::server
