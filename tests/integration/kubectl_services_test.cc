// A real kubectl reads Services, Endpoints and EndpointSlices (issue 11 §2) from the agent's API
// server: manifests loaded by the real loader, endpoints computed by the real proxy functions
// over three pods (two ready, one not), served through a fake PodSource.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/manifest_loader.h"
#include "integration/testing/kubectl_env.h"
#include "proxy/endpoint_slices.h"
#include "server/testing/fake_pod_source.h"

namespace probelet::integration {
namespace {

using ::testing::HasSubstr;

constexpr const char* kServices = R"(apiVersion: v1
kind: Service
metadata: {name: web, labels: {team: a}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: admin}
spec:
  type: NodePort
  selector: {app: nothing}
  ports: [{port: 9000, nodePort: 30900}]
)";

api::Pod WebPod(const std::string& name, bool ready, int32_t port, api::Time now) {
  api::Pod pod;
  pod.api_version = "v1";
  pod.kind = "Pod";
  pod.metadata.name = name;
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "uid-" + name;
  pod.metadata.labels = {{"app", "web"}};
  pod.metadata.creation_timestamp = now;
  auto& c = pod.spec.containers.emplace_back();
  c.name = "web";
  c.command = {"sleep", "1"};
  c.ports.push_back({"http", port, "TCP"});
  pod.status.phase = "Running";
  pod.status.pod_ip = "127.0.0.1";
  api::PodCondition cond;
  cond.type = "Ready";
  cond.status = ready ? "True" : "False";
  pod.status.conditions.push_back(cond);
  return pod;
}

class KubectlServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/kubectl", X_OK) != 0 && system("command -v kubectl >/dev/null") != 0) {
      GTEST_SKIP() << "kubectl is not installed (make deps installs it)";
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("kubectl_services_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    api::Time now =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    api::UidGenerator uids(7);
    api::LoadResult loaded =
        api::LoadPodsFromText(kServices, api::ManifestFormat::kYaml, "s.yaml", uids);
    ASSERT_FALSE(loaded.has_errors());
    std::vector<api::Pod> pods = {WebPod("web-a", true, 8081, now),
                                  WebPod("web-b", true, 8081, now),
                                  WebPod("web-c", false, 8081, now)};
    std::vector<const api::Pod*> ptrs;
    for (const auto& p : pods) ptrs.push_back(&p);
    std::vector<api::Service> services;
    std::vector<api::Endpoints> endpoints;
    std::vector<api::EndpointSlice> slices;
    for (auto& l : loaded.services) {
      api::Service s = l.service;
      s.metadata.creation_timestamp = now - std::chrono::minutes(5);
      s.spec.cluster_ip = "127.0.0.1";
      auto eps = proxy::ComputeEndpoints(s, ptrs);
      endpoints.push_back(proxy::BuildEndpoints(s, eps));
      for (auto& slice : proxy::BuildEndpointSlices(s, eps)) slices.push_back(std::move(slice));
      services.push_back(std::move(s));
    }
    source_.SetPods(pods);
    source_.SetServices(services, endpoints, slices);
    server_ = std::make_unique<ServerThread>(source_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  CommandResult Kubectl(const std::string& args) {
    std::string cmd = "env KUBECONFIG=/dev/null HOME=" + dir_.string() +
                      " kubectl --server http://" + server_->address() + " --cache-dir " +
                      (dir_ / "cache").string() + " --request-timeout=10s " + args;
    return RunCommand(cmd, dir_.string());
  }

  std::filesystem::path dir_;
  server::testing::FakePodSource source_;
  std::unique_ptr<ServerThread> server_;
};

TEST_F(KubectlServicesTest, GetServices) {
  auto r = Kubectl("get services");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("NAME    TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)          AGE"));
  EXPECT_THAT(r.out,
              HasSubstr("admin   NodePort    127.0.0.1    <none>        9000:30900/TCP   5m"));
  EXPECT_THAT(r.out,
              HasSubstr("web     ClusterIP   127.0.0.1    <none>        80/TCP           5m"));
  r = Kubectl("get svc -o wide");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("app=web"));
}

TEST_F(KubectlServicesTest, GetEndpointsAndEndpointSlices) {
  auto r = Kubectl("get endpoints");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("web     127.0.0.1:8081,127.0.0.1:8081"));
  EXPECT_THAT(r.out, HasSubstr("admin   <none>"));
  r = Kubectl("get endpointslices");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ADDRESSTYPE   PORTS     ENDPOINTS"));
  EXPECT_THAT(r.out, HasSubstr("IPv4          8081      127.0.0.1,127.0.0.1,127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("IPv4          <unset>   <unset>"));
  r = Kubectl("get endpointslices -l kubernetes.io/service-name=web -o json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["endpoints"][2]["conditions"]["ready"], false);
}

TEST_F(KubectlServicesTest, DescribeServiceListsReadyEndpoints) {
  auto r = Kubectl("describe service web");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Name:                     web"));
  EXPECT_THAT(r.out, HasSubstr("Selector:                 app=web"));
  EXPECT_THAT(r.out, HasSubstr("Type:                     ClusterIP"));
  EXPECT_THAT(r.out, HasSubstr("IP:                       127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("TargetPort:               http/TCP"));
  EXPECT_THAT(r.out, HasSubstr("Endpoints:                127.0.0.1:8081,127.0.0.1:8081"));
  EXPECT_THAT(r.out, HasSubstr("Session Affinity:         None"));
}

TEST_F(KubectlServicesTest, GetServiceYamlAndUnknownName) {
  auto r = Kubectl("get svc web -o yaml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kind: Service"));
  EXPECT_THAT(r.out, HasSubstr("targetPort: http"));
  EXPECT_THAT(r.out, HasSubstr("clusterIP: 127.0.0.1"));
  r = Kubectl("get svc nope");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("services \"nope\" not found"));
}

}  // namespace
}  // namespace probelet::integration
