// DecodeServiceInto and EncodeService (service_codec.h).
#include "api/json_codec.h"
#include "api/json_decoder.h"
#include "api/service_codec.h"

namespace probelet::api {

using nlohmann::json;

void JsonDecoder::ServiceValue(const json& j, Service& s) {
  if (!j.is_object()) return TypeError(j, "an object");
  bool has_api_version = false;
  Object(j, {"status"}, {}, [&](std::string_view k, const json& v) {
    if (k == "apiVersion") {
      has_api_version = !v.is_null();
      String(v, s.api_version);
      return true;
    }
    if (k == "kind") return String(v, s.kind), true;
    if (k == "metadata") return Meta(v, s.metadata), true;
    if (k == "spec") return ServiceSpecValue(v, s.spec), true;
    return false;
  });
  if (!has_api_version) {
    Error(Required("apiVersion", "must be \"v1\""));
  } else if (s.api_version != "v1") {
    Error(NotSupported("apiVersion", s.api_version, {"v1"}));
  }
}

void JsonDecoder::ServiceSpecValue(const json& j, ServiceSpec& s) {
  Object(j,
         {"clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy",
          "externalTrafficPolicy", "allocateLoadBalancerNodePorts"},
         {"externalIPs", "externalName", "loadBalancerIP", "loadBalancerSourceRanges",
          "loadBalancerClass", "healthCheckNodePort", "trafficDistribution"},
         [&](std::string_view k, const json& v) {
           if (k == "selector") return StringMap(v, s.selector), true;
           if (k == "ports") {
             List(v, s.ports, [this](const json& e, ServicePort& p) { ServicePortValue(e, p); });
             return true;
           }
           if (k == "type") return String(v, s.type), true;
           if (k == "clusterIP") return String(v, s.cluster_ip), true;
           if (k == "publishNotReadyAddresses") return Bool(v, s.publish_not_ready_addresses), true;
           if (k == "sessionAffinity") return String(v, s.session_affinity), true;
           if (k == "sessionAffinityConfig") {
             Optional(v, s.session_affinity_config,
                      [this](const json& e, SessionAffinityConfig& c) {
                        Object(e, [&](std::string_view ck, const json& cv) {
                          if (ck != "clientIP") return false;
                          Optional(cv, c.client_ip, [this](const json& ce, ClientIPConfig& ci) {
                            Object(ce, [&](std::string_view ik, const json& iv) {
                              if (ik == "timeoutSeconds")
                                return Integer(iv, ci.timeout_seconds), true;
                              return false;
                            });
                          });
                          return true;
                        });
                      });
             return true;
           }
           return false;
         });
}

void JsonDecoder::ServicePortValue(const json& j, ServicePort& p) {
  Object(j, {"appProtocol"}, {}, [&](std::string_view k, const json& v) {
    if (k == "name") return String(v, p.name), true;
    if (k == "protocol") return String(v, p.protocol), true;
    if (k == "port") return Integer(v, p.port), true;
    if (k == "targetPort") return IntOrStr(v, p.target_port), true;
    if (k == "nodePort") return Integer(v, p.node_port), true;
    return false;
  });
}

bool DecodeServiceInto(const json& object, Service& service, std::vector<std::string>& errors,
                       std::vector<std::string>& warnings) {
  size_t before = errors.size();
  JsonDecoder(errors, warnings).ServiceValue(object, service);
  return errors.size() == before;
}

json EncodeService(const Service& service) {
  const ServiceSpec& s = service.spec;
  json spec = json::object();
  json ports = json::array();
  for (const auto& p : s.ports) {
    json jp = json::object();
    if (!p.name.empty()) jp["name"] = p.name;
    if (!p.protocol.empty()) jp["protocol"] = p.protocol;
    jp["port"] = p.port;  // no omitempty
    if (p.target_port.is_string()) {
      if (!p.target_port.str_val.empty()) jp["targetPort"] = p.target_port.str_val;
    } else if (p.target_port.int_val != 0) {
      jp["targetPort"] = p.target_port.int_val;
    }
    if (p.node_port != 0) jp["nodePort"] = p.node_port;
    ports.push_back(std::move(jp));
  }
  if (!ports.empty()) spec["ports"] = std::move(ports);
  if (!s.selector.empty()) spec["selector"] = s.selector;
  if (!s.cluster_ip.empty()) {
    spec["clusterIP"] = s.cluster_ip;
    spec["clusterIPs"] = json::array({s.cluster_ip});
  }
  if (!s.type.empty()) spec["type"] = s.type;
  if (!s.session_affinity.empty()) spec["sessionAffinity"] = s.session_affinity;
  if (s.publish_not_ready_addresses) spec["publishNotReadyAddresses"] = true;
  if (s.session_affinity_config) {
    json cfg = json::object();
    if (const auto& ci = s.session_affinity_config->client_ip) {
      json jc = json::object();
      if (ci->timeout_seconds) jc["timeoutSeconds"] = *ci->timeout_seconds;
      cfg["clientIP"] = std::move(jc);
    }
    spec["sessionAffinityConfig"] = std::move(cfg);
  }
  spec["ipFamilies"] = json::array({"IPv4"});
  spec["ipFamilyPolicy"] = "SingleStack";
  spec["internalTrafficPolicy"] = "Cluster";
  if (s.type == "NodePort") spec["externalTrafficPolicy"] = "Cluster";
  json j = json::object();
  j["kind"] = "Service";
  j["apiVersion"] = "v1";
  j["metadata"] = EncodeObjectMeta(service.metadata);
  j["spec"] = std::move(spec);
  j["status"] = json{{"loadBalancer", json::object()}};
  return j;
}

}  // namespace probelet::api
