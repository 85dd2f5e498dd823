// The Proxier: pod status changes reach each Service port's ready backends at once (named
// target ports per pod, unready and terminating pods left out), node termination, a busy port
// at Start, and the API views and metrics, with real listeners on 127.0.0.1.
#include "proxy/proxier.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/testing/proxy_loop.h"
#include "proxy/testing/service_fixtures.h"
#include "proxy/testing/tcp_peers.h"

namespace probelet::proxy {
namespace {

using api::IntOrString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MakePod;
using testing::MakeService;
using testing::Port;
using ::testing::SizeIs;

api::Pod WebPod(const std::string& name, int32_t http_port, bool ready = true) {
  api::Pod pod = MakePod(name, {{"app", "web"}}, ready);
  testing::AddContainerPort(pod, "http", http_port);
  return pod;
}

class ProxierTest : public ::testing::Test {
 protected:
  // A Service `web` selecting app=web with one port (0: any free port) to the named port http.
  std::unique_ptr<Proxier> Make(api::Service service) {
    ProxierOptions options;
    options.node_name = "node-1";
    options.seed = 7;
    std::vector<api::Service> services;
    services.push_back(std::move(service));
    return std::make_unique<Proxier>(loop_.io, loop_.clock, std::move(services), options);
  }
  static api::Service Web() {
    return MakeService({{"app", "web"}}, {Port("http", 0, IntOrString::String("http"))});
  }
  testing::ProxyLoop loop_;
};

TEST_F(ProxierTest, ReadyPodsAreTheBackendsWithTheirOwnNamedPorts) {
  auto proxier = Make(Web());
  proxier->UpdatePod(WebPod("a", 8081));
  proxier->UpdatePod(WebPod("b", 8082, /*ready=*/false));
  proxier->UpdatePod(MakePod("other", {{"app", "db"}}));
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0), ElementsAre(Backend{"127.0.0.1", 8081}));
  // b turns ready: it is a backend from this call on.
  proxier->UpdatePod(WebPod("b", 8082));
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0),
              ElementsAre(Backend{"127.0.0.1", 8081}, Backend{"127.0.0.1", 8082}));
  // a's labels change so the selector no longer matches: it leaves the Service.
  api::Pod moved = WebPod("a", 8081);
  moved.metadata.labels = {{"app", "moved"}};
  proxier->UpdatePod(moved);
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0), ElementsAre(Backend{"127.0.0.1", 8082}));
  proxier->RemovePod("uid-b");
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0), IsEmpty());
}

TEST_F(ProxierTest, APodWithoutTheNamedPortIsNoBackendOfThatPort) {
  auto proxier = Make(Web());
  api::Pod no_port = MakePod("c", {{"app", "web"}});
  testing::AddContainerPort(no_port, "metrics", 9090);
  proxier->UpdatePod(no_port);
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0), IsEmpty());
  // Still an endpoint, with no port for it (the Endpoints view shows it, without that port).
  EXPECT_EQ(proxier->ListEndpointSlices().size(), 1u);
}

TEST_F(ProxierTest, NodeTerminationTakesEveryEndpointOutOfRotation) {
  auto proxier = Make(Web());
  proxier->UpdatePod(WebPod("a", 8081));
  proxier->SetNodeTerminating();
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0), IsEmpty());
  auto slices = proxier->ListEndpointSlices();
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].endpoints.size(), 1u);
  const auto& c = slices[0].endpoints[0].conditions;
  EXPECT_EQ(c.ready, std::optional<bool>(false));
  EXPECT_EQ(c.serving, std::optional<bool>(true));
  EXPECT_EQ(c.terminating, std::optional<bool>(true));
}

TEST_F(ProxierTest, PublishNotReadyAddressesRoutesToUnreadyPods) {
  api::Service s = Web();
  s.spec.publish_not_ready_addresses = true;
  auto proxier = Make(s);
  proxier->UpdatePod(WebPod("a", 8081, /*ready=*/false));
  EXPECT_THAT(proxier->ReadyBackends("default", "web", 0), ElementsAre(Backend{"127.0.0.1", 8081}));
}

TEST_F(ProxierTest, ForwardsToTheReadyPodAndCountsItInTheMetrics) {
  testing::TestBackend backend(testing::Reply("hello"));
  api::Service s = Web();
  s.spec.type = "NodePort";
  auto proxier = Make(s);
  // NodePort 0: any free port here (the loader assigns real ones from 30000-32767).
  ASSERT_TRUE(proxier->Start().ok());
  uint16_t port = proxier->BoundPort("default", "web", 0);
  uint16_t node_port = proxier->BoundPort("default", "web", 0, /*node_port=*/true);
  ASSERT_NE(port, 0);
  ASSERT_NE(node_port, 0);
  // No ready endpoint: refused at once.
  int fd = testing::ConnectClient(port);
  int err = 0;
  loop_.Receive(fd, 1, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);

  proxier->UpdatePod(WebPod("a", backend.port()));
  for (uint16_t p : {port, node_port}) {
    fd = testing::ConnectClient(p);
    EXPECT_EQ(loop_.Receive(fd, 5), "hello");
    ::close(fd);
  }
  loop_.RunFor(std::chrono::milliseconds(50));
  std::string metrics;
  proxier->WriteMetrics(metrics);
  const std::string labels = "{namespace=\"default\",service=\"web\",port=\"http\"}";
  EXPECT_THAT(metrics, HasSubstr("probelet_service_connections_accepted_total" + labels + " 3"));
  EXPECT_THAT(metrics, HasSubstr("probelet_service_connections_refused_total" + labels + " 1"));
  EXPECT_THAT(metrics, HasSubstr("probelet_service_connections_failed_total" + labels + " 0"));
  EXPECT_THAT(metrics, HasSubstr("probelet_service_bytes_total{namespace=\"default\","
                                 "service=\"web\",port=\"http\",direction=\"to_client\"} 10"));
  EXPECT_THAT(metrics, HasSubstr("probelet_service_endpoints{namespace=\"default\",service=\"web\","
                                 "condition=\"ready\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("# TYPE probelet_service_active_connections gauge"));
}

TEST_F(ProxierTest, ABusyPortFailsStartNamingTheServiceAndFreesWhatItBound) {
  int busy = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(busy, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(busy, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(busy, reinterpret_cast<sockaddr*>(&a), &len);
  const int busy_port = ntohs(a.sin_port);

  api::Service s = MakeService({{"app", "web"}}, {Port("free", 0, IntOrString::Int(80)),
                                                  Port("taken", busy_port, IntOrString::Int(80))});
  auto proxier = Make(s);
  base::Status st = proxier->Start();
  ASSERT_FALSE(st.ok());
  const std::string p = std::to_string(busy_port);
  EXPECT_EQ(st.error().message, "service default/web port " + p + ": listen tcp 127.0.0.1:" + p +
                                    ": bind: Address already in use");
  EXPECT_EQ(proxier->BoundPort("default", "web", 0), 0) << "the first listener stayed open";
  ::close(busy);
}

TEST_F(ProxierTest, ServicesShowTheServiceAddressAsClusterIp) {
  auto proxier = Make(Web());
  auto services = proxier->ListServices();
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0].spec.cluster_ip, "127.0.0.1");
  EXPECT_TRUE(services[0].metadata.creation_timestamp.has_value());
  auto endpoints = proxier->ListEndpoints();
  ASSERT_EQ(endpoints.size(), 1u);
  EXPECT_EQ(endpoints[0].metadata.name, "web");
}

TEST_F(ProxierTest, AServiceAddedLaterTakesTheRunningPodsAndCanBeRemoved) {
  auto proxier = Make(MakeService({{"app", "db"}}, {Port("", 0, IntOrString::Int(5432))}));
  ASSERT_TRUE(proxier->Start().ok());
  // A web pod runs before any Service selects it: the Proxier does not keep it.
  proxier->UpdatePod(WebPod("a", 8081));
  std::vector<api::Pod> running = {WebPod("a", 8081), WebPod("b", 8082, /*ready=*/false)};
  api::Service web = Web();
  web.metadata.name = "web2";
  ASSERT_TRUE(proxier->AddService(web, running).ok());
  EXPECT_THAT(proxier->ReadyBackends("default", "web2", 0),
              ElementsAre(Backend{"127.0.0.1", 8081}));
  proxier->UpdatePod(WebPod("b", 8082));
  EXPECT_THAT(proxier->ReadyBackends("default", "web2", 0), SizeIs(2));
  const uint16_t port = proxier->BoundPort("default", "web2", 0);
  ASSERT_NE(port, 0);
  EXPECT_EQ(proxier->ListServices().size(), 2u);
  proxier->RemoveService("default", "web2");
  EXPECT_EQ(proxier->ListServices().size(), 1u);
  EXPECT_EQ(proxier->BoundPort("default", "web2", 0), 0);
  // Its port is free again.
  EXPECT_LT(testing::ConnectClient(port, 1000), 0) << "still listening on " << port;
}

}  // namespace
}  // namespace probelet::proxy
