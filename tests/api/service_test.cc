// kind: Service (issue 11 §1): decoding, defaults, validation with the API server's messages,
// the v1 JSON encoding, and the manifest loader returning Services beside Pods.
#include <gtest/gtest.h>

#include "api/manifest_loader.h"
#include "api/service_codec.h"
#include "api/service_validation.h"

namespace probelet::api {
namespace {

std::vector<std::string> Lines(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.ToString());
  return out;
}

LoadResult Load(const std::string& yaml) {
  UidGenerator uids(1);
  return LoadPodsFromText(yaml, ManifestFormat::kYaml, "s.yaml", uids);
}

// A Service with `spec` (YAML flow or block under `spec:`), named web.
std::string ServiceYaml(const std::string& spec, const std::string& name = "web") {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + "}\nspec:\n" + spec;
}

std::vector<std::string> Errors(const std::string& spec) {
  std::vector<std::string> out;
  for (const auto& d : Load(ServiceYaml(spec)).diagnostics) out.push_back(d.message);
  return out;
}

TEST(ServiceTest, DecodesDefaultsAndKeepsWhatTheManifestSaid) {
  auto r = Load(ServiceYaml(R"(  selector: {app: web}
  publishNotReadyAddresses: true
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: admin, port: 9000}
)"));
  ASSERT_TRUE(Lines(r).empty()) << Lines(r).at(0);
  ASSERT_EQ(r.services.size(), 1u);
  const Service& s = r.services[0].service;
  EXPECT_EQ(r.services[0].source, "s.yaml");
  EXPECT_EQ(s.metadata.namespace_, "default");
  EXPECT_FALSE(s.metadata.uid.empty());
  EXPECT_EQ(s.spec.type, "ClusterIP");
  EXPECT_EQ(s.spec.session_affinity, "None");
  EXPECT_TRUE(s.spec.publish_not_ready_addresses);
  EXPECT_EQ(s.spec.selector, (std::map<std::string, std::string>{{"app", "web"}}));
  ASSERT_EQ(s.spec.ports.size(), 2u);
  EXPECT_EQ(s.spec.ports[0].protocol, "TCP");
  EXPECT_EQ(s.spec.ports[0].target_port, IntOrString::String("http"));
  EXPECT_EQ(s.spec.ports[1].target_port, IntOrString::Int(9000));  // defaults to port
  EXPECT_EQ(ClientIPAffinitySeconds(s), 0);
}

TEST(ServiceTest, ClientIPAffinityDefaultsToThreeHours) {
  auto r = Load(ServiceYaml("  sessionAffinity: ClientIP\n  ports: [{port: 80}]\n"));
  ASSERT_EQ(r.services.size(), 1u) << Lines(r).at(0);
  EXPECT_EQ(ClientIPAffinitySeconds(r.services[0].service), 10800);
  r = Load(ServiceYaml(
      "  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n"
      "  ports: [{port: 80}]\n"));
  ASSERT_EQ(r.services.size(), 1u);
  EXPECT_EQ(ClientIPAffinitySeconds(r.services[0].service), 60);
}

TEST(ServiceTest, PodsAndServicesInOneFile) {
  auto r = Load(ServiceYaml("  ports: [{port: 80}]\n") +
                "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                "spec: {containers: [{name: a, command: [sleep, '1']}]}\n"
                "---\napiVersion: v1\nkind: List\nitems:\n"
                "- {apiVersion: v1, kind: Service, metadata: {name: other}, spec: {ports: [{port: "
                "81}]}}\n");
  EXPECT_TRUE(Lines(r).empty());
  EXPECT_EQ(r.pods.size(), 1u);
  ASSERT_EQ(r.services.size(), 2u);
  EXPECT_EQ(r.services[1].service.metadata.name, "other");
}

TEST(ServiceTest, DuplicateNameInANamespaceIsAnError) {
  auto r = Load(ServiceYaml("  ports: [{port: 80}]\n") + "---\n" +
                ServiceYaml("  ports: [{port: 81}]\n"));
  EXPECT_EQ(r.services.size(), 1u);
  EXPECT_EQ(Lines(r), std::vector<std::string>{
                          "s.yaml: service \"web\": metadata.name: Duplicate value: \"web\": a "
                          "service of this name is already in namespace \"default\" (s.yaml)"});
}

TEST(ServiceTest, PortErrors) {
  EXPECT_EQ(Errors("  ports: []\n"), std::vector<std::string>{"spec.ports: Required value"});
  EXPECT_EQ(Errors("  ports: [{port: 0, targetPort: 70000}]\n"),
            (std::vector<std::string>{
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, "
                "inclusive"}));
  EXPECT_EQ(Errors("  ports: [{port: 80}, {name: b, port: 81}]\n"),
            std::vector<std::string>{"spec.ports[0].name: Required value"});
  EXPECT_EQ(Errors("  ports: [{name: a, port: 80}, {name: a, port: 81}]\n"),
            std::vector<std::string>{"spec.ports[1].name: Duplicate value: \"a\""});
  EXPECT_EQ(Errors("  ports: [{name: a, port: 80}, {name: b, port: 80}]\n"),
            std::vector<std::string>{
                "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", "
                "AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, "
                "IntVal:0, StrVal:\"\"}, NodePort:0}"});
  EXPECT_EQ(Errors("  ports: [{port: 80, targetPort: Web_Port}]\n"),
            (std::vector<std::string>{
                "spec.ports[0].targetPort: Invalid value: \"Web_Port\": must contain only "
                "alpha-numeric characters (a-z, 0-9), and hyphens (-)"}));
}

TEST(ServiceTest, UdpAndSctpAreNotSupported) {
  EXPECT_EQ(Errors("  ports: [{port: 53, protocol: UDP}]\n"),
            std::vector<std::string>{"spec.ports[0].protocol: Unsupported value: \"UDP\": "
                                     "supported values: \"TCP\" (probelet proxies TCP only)"});
  EXPECT_EQ(Errors("  ports: [{port: 53, protocol: SCTP}]\n").size(), 1u);
}

TEST(ServiceTest, TypesAndNodePorts) {
  EXPECT_EQ(Errors("  type: LoadBalancer\n  ports: [{port: 80}]\n"),
            std::vector<std::string>{"spec.type: Unsupported value: \"LoadBalancer\": supported "
                                     "values: \"ClusterIP\", \"NodePort\""});
  EXPECT_EQ(Errors("  ports: [{port: 80, nodePort: 30080}]\n"),
            std::vector<std::string>{
                "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"});
  EXPECT_EQ(Errors("  type: NodePort\n  ports: [{port: 80, nodePort: 80}]\n"),
            std::vector<std::string>{
                "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid "
                "range. The range of valid ports is 30000-32767"});
  EXPECT_EQ(Errors("  type: NodePort\n  ports: [{name: a, port: 80, nodePort: 30001}, "
                   "{name: b, port: 81, nodePort: 30001}]\n"),
            std::vector<std::string>{"spec.ports[1].nodePort: Duplicate value: 30001"});
  EXPECT_EQ(Errors("  clusterIP: None\n  ports: [{port: 80}]\n"),
            std::vector<std::string>{"spec.clusterIP: Unsupported value: \"None\": headless "
                                     "Services are not supported by probelet"});
}

TEST(ServiceTest, NodePortsAreAllocatedLowestFreeFirst) {
  auto r = Load(ServiceYaml("  type: NodePort\n  ports: [{port: 80}]\n") + "---\n" +
                ServiceYaml("  type: NodePort\n  ports: [{port: 81, nodePort: 30000}]\n", "b"));
  ASSERT_EQ(r.services.size(), 2u) << Lines(r).at(0);
  EXPECT_EQ(r.services[0].service.spec.ports[0].node_port, 30001);
  EXPECT_EQ(r.services[1].service.spec.ports[0].node_port, 30000);
  r = Load(ServiceYaml("  type: NodePort\n  ports: [{port: 80, nodePort: 30005}]\n") + "---\n" +
           ServiceYaml("  type: NodePort\n  ports: [{port: 81, nodePort: 30005}]\n", "b"));
  EXPECT_EQ(Lines(r), std::vector<std::string>{
                          "s.yaml: service \"b\": spec.ports[0].nodePort: Invalid value: 30005: "
                          "provided port is already allocated (service \"web\")"});
}

TEST(ServiceTest, SelectorNameAndAffinityErrors) {
  EXPECT_EQ(Errors("  selector: {'a b': x}\n  ports: [{port: 80}]\n"),
            std::vector<std::string>{
                "spec.selector: Invalid value: \"a b\": name part must consist of alphanumeric "
                "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"});
  auto r = Load(ServiceYaml("  ports: [{port: 80}]\n", "1web"));
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].message.substr(0, 70),
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of");
  EXPECT_EQ(Errors("  sessionAffinity: Sticky\n  ports: [{port: 80}]\n"),
            std::vector<std::string>{"spec.sessionAffinity: Unsupported value: \"Sticky\": "
                                     "supported values: \"ClientIP\", \"None\""});
  EXPECT_EQ(Errors("  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: "
                   "{timeoutSeconds: 90000}}\n  ports: [{port: 80}]\n"),
            std::vector<std::string>{
                "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must "
                "be greater than 0 and less than 86400"});
}

TEST(ServiceTest, DecodingErrorsAndWarningsNameTheField) {
  auto r = Load(ServiceYaml("  ports: [{port: eighty}]\n  externalIPs: [1.2.3.4]\n  bogus: 1\n"));
  EXPECT_TRUE(r.services.empty());
  EXPECT_EQ(Lines(r),
            (std::vector<std::string>{
                "s.yaml: service \"web\": warning: unknown field \"spec.bogus\"",
                "s.yaml: service \"web\": warning: field \"spec.externalIPs\" is not supported "
                "by probelet and is ignored",
                "s.yaml: service \"web\": spec.ports[0].port: Invalid value: \"eighty\": "
                "expected an integer, got a string"}));
}

TEST(ServiceTest, EncodesAsV1) {
  auto r = Load(ServiceYaml(
      "  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: "
      "http}]\n"));
  ASSERT_EQ(r.services.size(), 1u);
  Service s = r.services[0].service;
  s.spec.cluster_ip = "127.0.0.1";
  nlohmann::json j = EncodeService(s);
  EXPECT_EQ(j["kind"], "Service");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["metadata"]["name"], "web");
  EXPECT_EQ(j["spec"]["ports"][0], (nlohmann::json{{"name", "http"},
                                                   {"protocol", "TCP"},
                                                   {"port", 80},
                                                   {"targetPort", "http"},
                                                   {"nodePort", 30000}}));
  EXPECT_EQ(j["spec"]["clusterIP"], "127.0.0.1");
  EXPECT_EQ(j["spec"]["clusterIPs"], nlohmann::json::array({"127.0.0.1"}));
  EXPECT_EQ(j["spec"]["type"], "NodePort");
  EXPECT_EQ(j["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(j["status"], (nlohmann::json{{"loadBalancer", nlohmann::json::object()}}));
  // What the encoder writes decodes to the same Service (kubectl get -o yaml | validate).
  Service back;
  std::vector<std::string> errors, warnings;
  EXPECT_TRUE(DecodeServiceInto(j, back, errors, warnings));
  EXPECT_TRUE(warnings.empty()) << warnings.at(0);
  EXPECT_EQ(back, s);
}

}  // namespace
}  // namespace probelet::api
