// ComputeEndpoints (issue 11 §2, §4 unit): selector matching, targetPort resolution by name,
// the conditions ready/serving/terminating and publishNotReadyAddresses, which pods are left out.
#include "proxy/endpoints.h"

#include <gtest/gtest.h>

#include "testing/service_fixtures.h"

namespace probelet::proxy {
namespace {

using api::IntOrString;
using testing::MakePod;
using testing::MakeService;
using testing::Port;
using testing::Ptrs;

TEST(SelectorMatchesTest, EveryPairMustBeAmongTheLabels) {
  EXPECT_TRUE(SelectorMatches({{"app", "web"}}, {{"app", "web"}, {"tier", "fe"}}));
  EXPECT_FALSE(SelectorMatches({{"app", "web"}, {"tier", "be"}}, {{"app", "web"}, {"tier", "fe"}}));
  EXPECT_FALSE(SelectorMatches({{"app", "web"}}, {}));
  EXPECT_TRUE(SelectorMatches({}, {{"app", "web"}}));
}

TEST(ComputeEndpointsTest, SelectsMatchingPodsOfTheNamespace) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}}), MakePod("b", {{"app", "db"}}),
                                MakePod("c", {{"app", "web"}, {"x", "y"}}),
                                MakePod("d", {{"app", "web"}})};
  pods[3].metadata.namespace_ = "other";
  auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(8080))});
  auto eps = ComputeEndpoints(s, Ptrs(pods));
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].pod_name, "a");
  EXPECT_EQ(eps[0].pod_uid, "uid-a");
  EXPECT_EQ(eps[0].address, "127.0.0.1");
  EXPECT_EQ(eps[0].ports, (std::vector<std::optional<int32_t>>{8080}));
  EXPECT_EQ(eps[1].pod_name, "c");
}

TEST(ComputeEndpointsTest, NoSelectorNoEndpoints) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}})};
  auto s = MakeService({}, {Port("", 80, IntOrString::Int(80))});
  EXPECT_TRUE(ComputeEndpoints(s, Ptrs(pods)).empty());
}

TEST(ComputeEndpointsTest, TerminalPodsAndPodsWithoutIPAreLeftOut) {
  std::vector<api::Pod> pods = {
      MakePod("done", {{"app", "web"}}), MakePod("failed", {{"app", "web"}}),
      MakePod("noip", {{"app", "web"}}, true, ""), MakePod("pending", {{"app", "web"}}, false)};
  pods[0].status.phase = "Succeeded";
  pods[1].status.phase = "Failed";
  pods[3].status.phase = "Pending";
  auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(80))});
  auto eps = ComputeEndpoints(s, Ptrs(pods));
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].pod_name, "pending");
  EXPECT_FALSE(eps[0].ready);
}

TEST(ComputeEndpointsTest, NamedTargetPortIsResolvedPerPod) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}}), MakePod("b", {{"app", "web"}}),
                                MakePod("c", {{"app", "web"}})};
  testing::AddContainerPort(pods[0], "http", 8081);
  testing::AddContainerPort(pods[1], "http", 8082);
  testing::AddContainerPort(pods[2], "metrics", 9090);
  auto s = MakeService({{"app", "web"}}, {Port("http", 80, IntOrString::String("http")),
                                          Port("fixed", 81, IntOrString::Int(7000))});
  auto eps = ComputeEndpoints(s, Ptrs(pods));
  ASSERT_EQ(eps.size(), 3u);
  EXPECT_EQ(eps[0].ports, (std::vector<std::optional<int32_t>>{8081, 7000}));
  EXPECT_EQ(eps[1].ports, (std::vector<std::optional<int32_t>>{8082, 7000}));
  // c has no port named http: no endpoint for that service port, the number one stays.
  EXPECT_EQ(eps[2].ports, (std::vector<std::optional<int32_t>>{std::nullopt, 7000}));
}

TEST(ComputeEndpointsTest, NamedPortMustMatchProtocolAndSidecarsCount) {
  api::Pod pod = MakePod("a", {{"app", "web"}});
  pod.spec.containers.emplace_back().ports.push_back({"dns", 53, "UDP"});
  auto& sidecar = pod.spec.init_containers.emplace_back();
  sidecar.restart_policy = "Always";
  sidecar.ports.push_back({"proxy", 15001, "TCP"});
  auto& plain_init = pod.spec.init_containers.emplace_back();
  plain_init.ports.push_back({"setup", 1234, "TCP"});
  EXPECT_EQ(ResolveTargetPort(Port("", 53, IntOrString::String("dns")), pod), std::nullopt);
  EXPECT_EQ(ResolveTargetPort(Port("", 80, IntOrString::String("proxy")), pod), 15001);
  EXPECT_EQ(ResolveTargetPort(Port("", 80, IntOrString::String("setup")), pod), std::nullopt);
}

struct ConditionCase {
  const char* name;
  bool pod_ready;
  bool deleting;
  bool node_terminating;
  bool publish_not_ready;
  bool ready, serving, terminating;
};

TEST(ComputeEndpointsTest, Conditions) {
  const ConditionCase cases[] = {
      {"ready pod", true, false, false, false, true, true, false},
      {"unready pod", false, false, false, false, false, false, false},
      {"ready pod being deleted", true, true, false, false, false, true, true},
      {"unready pod being deleted", false, true, false, false, false, false, true},
      {"ready pod, node shutting down", true, false, true, false, false, true, true},
      {"unready pod, publishNotReadyAddresses", false, false, false, true, true, false, false},
      {"terminating pod, publishNotReadyAddresses", true, true, false, true, true, true, true},
  };
  for (const auto& c : cases) {
    std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}}, c.pod_ready)};
    if (c.deleting) pods[0].metadata.deletion_timestamp = api::Time{} + std::chrono::seconds(5);
    auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(80))});
    s.spec.publish_not_ready_addresses = c.publish_not_ready;
    auto eps = ComputeEndpoints(s, Ptrs(pods), {"", c.node_terminating});
    ASSERT_EQ(eps.size(), 1u) << c.name;
    EXPECT_EQ(eps[0].ready, c.ready) << c.name;
    EXPECT_EQ(eps[0].serving, c.serving) << c.name;
    EXPECT_EQ(eps[0].terminating, c.terminating) << c.name;
    EXPECT_EQ(eps[0].pod_deleting, c.deleting) << c.name;
  }
}

TEST(ComputeEndpointsTest, PodWithoutReadyConditionIsNotServing) {
  std::vector<api::Pod> pods = {MakePod("a", {{"app", "web"}})};
  pods[0].status.conditions.clear();
  auto s = MakeService({{"app", "web"}}, {Port("", 80, IntOrString::Int(80))});
  auto eps = ComputeEndpoints(s, Ptrs(pods));
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_FALSE(eps[0].serving);
  EXPECT_FALSE(eps[0].ready);
}

}  // namespace
}  // namespace probelet::proxy
