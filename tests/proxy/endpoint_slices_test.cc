// BuildEndpointSlices and BuildEndpoints (issue 11 §2): grouping by resolved ports, the
// placeholder slice, labels and names, legacy addresses/notReadyAddresses, and their v1 JSON.
#include "proxy/endpoint_slices.h"

#include <gtest/gtest.h>

#include "api/endpoint_codec.h"
#include "testing/service_fixtures.h"

namespace probelet::proxy {
namespace {

using api::IntOrString;
using testing::MakePod;
using testing::MakeService;
using testing::Port;
using testing::Ptrs;

TEST(BuildEndpointSlicesTest, OneSliceForPodsWithTheSamePorts) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}}),
                                MakePod("b", {{"app", "web"}}, false)};
  auto s = MakeService({{"app", "web"}}, {Port("http", 80, IntOrString::Int(8080))});
  s.metadata.labels = {{"team", "x"}};
  auto slices = BuildEndpointSlices(s, ComputeEndpoints(s, Ptrs(pods)), {"node-1", false});
  ASSERT_EQ(slices.size(), 1u);
  const auto& slice = slices[0];
  EXPECT_EQ(slice.metadata.name.substr(0, 4), "web-");
  EXPECT_EQ(slice.metadata.name.size(), 9u);
  EXPECT_EQ(slice.metadata.namespace_, "default");
  EXPECT_EQ(slice.metadata.labels,
            (std::map<std::string, std::string>{
                {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"},
                {"kubernetes.io/service-name", "web"},
                {"team", "x"}}));
  EXPECT_EQ(slice.address_type, "IPv4");
  EXPECT_EQ(slice.ports, (std::vector<api::EndpointPort>{{"http", "TCP", 8080}}));
  ASSERT_EQ(slice.endpoints.size(), 2u);
  EXPECT_EQ(slice.endpoints[0].addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(slice.endpoints[0].conditions, (api::EndpointConditions{true, true, false}));
  EXPECT_EQ(slice.endpoints[1].conditions, (api::EndpointConditions{false, false, false}));
  ASSERT_TRUE(slice.endpoints[0].target_ref);
  EXPECT_EQ(slice.endpoints[0].target_ref->kind, "Pod");
  EXPECT_EQ(slice.endpoints[0].target_ref->namespace_, "default");
  EXPECT_EQ(slice.endpoints[0].target_ref->name, "a");
  EXPECT_EQ(slice.endpoints[0].target_ref->uid, "uid-a");
  EXPECT_EQ(slice.endpoints[0].node_name, "node-1");
  // The same input gives the same names (kubectl get output stays steady).
  EXPECT_EQ(BuildEndpointSlices(s, ComputeEndpoints(s, Ptrs(pods)))[0].metadata.name,
            slice.metadata.name);
}

TEST(BuildEndpointSlicesTest, PodsWhoseNamedPortsDifferGetSlicesOfTheirOwn) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}}), MakePod("b", {{"app", "web"}}),
                                MakePod("c", {{"app", "web"}})};
  testing::AddContainerPort(pods[0], "http", 8081);
  testing::AddContainerPort(pods[1], "http", 8082);
  testing::AddContainerPort(pods[2], "http", 8081);
  auto s = MakeService({{"app", "web"}}, {Port("http", 80, IntOrString::String("http"))});
  auto slices = BuildEndpointSlices(s, ComputeEndpoints(s, Ptrs(pods)));
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].ports[0].port, 8081);
  EXPECT_EQ(slices[0].endpoints.size(), 2u);
  EXPECT_EQ(slices[1].ports[0].port, 8082);
  EXPECT_NE(slices[0].metadata.name, slices[1].metadata.name);
}

TEST(BuildEndpointSlicesTest, AtMostOneHundredEndpointsASlice) {
  std::vector<api::Pod> pods;
  for (int i = 0; i < 150; ++i) pods.push_back(MakePod("p" + std::to_string(i), {{"app", "w"}}));
  auto s = MakeService({{"app", "w"}}, {Port("", 80, IntOrString::Int(80))});
  auto slices = BuildEndpointSlices(s, ComputeEndpoints(s, Ptrs(pods)));
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].endpoints.size(), 100u);
  EXPECT_EQ(slices[1].endpoints.size(), 50u);
}

TEST(BuildEndpointSlicesTest, PlaceholderWithoutEndpointsNoneWithoutSelector) {
  auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(80))});
  auto slices = BuildEndpointSlices(s, {});
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_TRUE(slices[0].endpoints.empty());
  EXPECT_TRUE(slices[0].ports.empty());
  nlohmann::json j = api::EncodeEndpointSlice(slices[0]);
  EXPECT_TRUE(j["endpoints"].is_null());
  EXPECT_TRUE(j["ports"].is_null());
  s.spec.selector.clear();
  EXPECT_TRUE(BuildEndpointSlices(s, {}).empty());
}

TEST(BuildEndpointSlicesTest, EncodesAsDiscoveryV1) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}})};
  auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(8080))});
  auto slice = BuildEndpointSlices(s, ComputeEndpoints(s, Ptrs(pods)))[0];
  nlohmann::json j = api::EncodeEndpointSlice(slice);
  EXPECT_EQ(j["kind"], "EndpointSlice");
  EXPECT_EQ(j["apiVersion"], "discovery.k8s.io/v1");
  EXPECT_EQ(j["addressType"], "IPv4");
  EXPECT_EQ(j["ports"], nlohmann::json::parse(R"([{"name":"","protocol":"TCP","port":8080}])"));
  EXPECT_EQ(j["endpoints"], nlohmann::json::parse(R"([{"addresses":["127.0.0.1"],
      "conditions":{"ready":true,"serving":true,"terminating":false},
      "targetRef":{"kind":"Pod","namespace":"default","name":"a","uid":"uid-a"}}])"));
  EXPECT_EQ(j["metadata"]["labels"]["kubernetes.io/service-name"], "web");
}

TEST(BuildEndpointsTest, ReadyAndNotReadyAddressesGroupedByPorts) {
  std::vector<api::Pod> pods = {MakePod("b", {{"app", "web"}}), MakePod("a", {{"app", "web"}}),
                                MakePod("c", {{"app", "web"}}, false),
                                MakePod("gone", {{"app", "web"}}),
                                MakePod("other", {{"app", "web"}}, true, "10.0.0.9")};
  pods[3].metadata.deletion_timestamp = api::Time{} + std::chrono::seconds(1);
  testing::AddContainerPort(pods[0], "http", 8080);
  testing::AddContainerPort(pods[1], "http", 8080);
  testing::AddContainerPort(pods[2], "http", 8080);
  testing::AddContainerPort(pods[3], "http", 8080);
  testing::AddContainerPort(pods[4], "http", 9090);
  auto s = MakeService({{"app", "web"}}, {Port("http", 80, IntOrString::String("http"))});
  api::Endpoints e = BuildEndpoints(s, ComputeEndpoints(s, Ptrs(pods)));
  EXPECT_EQ(e.metadata.name, "web");
  ASSERT_EQ(e.subsets.size(), 2u);
  ASSERT_EQ(e.subsets[0].addresses.size(), 2u);  // a and b, sorted by ip then uid; gone left out
  EXPECT_EQ(e.subsets[0].addresses[0].target_ref->name, "a");
  EXPECT_EQ(e.subsets[0].addresses[1].target_ref->name, "b");
  ASSERT_EQ(e.subsets[0].not_ready_addresses.size(), 1u);
  EXPECT_EQ(e.subsets[0].not_ready_addresses[0].target_ref->name, "c");
  EXPECT_EQ(e.subsets[0].ports, (std::vector<api::EndpointPort>{{"http", "TCP", 8080}}));
  EXPECT_EQ(e.subsets[1].addresses[0].ip, "10.0.0.9");
  nlohmann::json j = api::EncodeEndpoints(e);
  EXPECT_EQ(j["kind"], "Endpoints");
  EXPECT_EQ(j["subsets"][0]["ports"],
            nlohmann::json::parse(R"([{"name":"http","protocol":"TCP","port":8080}])"));
  EXPECT_EQ(j["subsets"][0]["notReadyAddresses"][0]["ip"], "127.0.0.1");
  EXPECT_FALSE(j["subsets"][1].contains("notReadyAddresses"));
}

TEST(BuildEndpointsTest, NoEndpointsNoSubsets) {
  auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(80))});
  api::Endpoints e = BuildEndpoints(s, {});
  EXPECT_TRUE(e.subsets.empty());
  EXPECT_FALSE(api::EncodeEndpoints(e).contains("subsets"));
}

}  // namespace
}  // namespace probelet::proxy
