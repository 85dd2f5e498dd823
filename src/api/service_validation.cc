#include "api/service_validation.h"

#include <set>
#include <string>
#include <utility>

#include "api/validation.h"

namespace probelet::api {
namespace {

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// How Go's %#v prints the core.ServicePort key of a duplicate (protocol, port) pair.
std::string RenderPortKey(const std::string& protocol, int32_t port) {
  return "core.ServicePort{Name:\"\", Protocol:" + GoQuote(protocol) +
         ", AppProtocol:(*string)(nil), Port:" + std::to_string(port) +
         ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}";
}

class ServiceValidator {
 public:
  std::vector<FieldError> Validate(const Service& s) {
    Meta(s.metadata);
    const ServiceSpec& spec = s.spec;
    if (spec.type != "ClusterIP" && spec.type != "NodePort") {
      Add(NotSupported("spec.type", spec.type, {"ClusterIP", "NodePort"}));
    }
    if (spec.cluster_ip == "None") {
      Add({FieldErrorType::kNotSupported, "spec.clusterIP", GoQuote(spec.cluster_ip),
           "headless Services are not supported by probelet"});
    }
    if (spec.ports.empty()) Add(Required("spec.ports"));
    std::set<std::string> names;
    std::set<std::pair<std::string, int32_t>> pairs, node_ports;
    for (size_t i = 0; i < spec.ports.size(); ++i) {
      const ServicePort& p = spec.ports[i];
      std::string path = Index("spec.ports", i);
      Port(p, path, spec.ports.size() > 1, names);
      if (!pairs.emplace(p.protocol, p.port).second) {
        Add(InvalidRendered(path, RenderPortKey(p.protocol, p.port), ""));
        errors_.back().type = FieldErrorType::kDuplicate;
      }
      if (p.node_port == 0) continue;
      if (spec.type == "ClusterIP") {
        Add(Forbidden(path + ".nodePort", "may not be used when `type` is 'ClusterIP'"));
      } else if (spec.type == "NodePort") {
        if (p.node_port < kNodePortRangeFirst || p.node_port > kNodePortRangeLast) {
          Add(Invalid(path + ".nodePort", p.node_port,
                      "provided port is not in the valid range. The range of valid ports is " +
                          std::to_string(kNodePortRangeFirst) + "-" +
                          std::to_string(kNodePortRangeLast)));
        }
        if (!node_ports.emplace(p.protocol, p.node_port).second) {
          Add(Duplicate(path + ".nodePort", std::to_string(p.node_port)));
          errors_.back().bad_value = std::to_string(p.node_port);
        }
      }
    }
    for (auto& e : ValidateLabels(spec.selector, "spec.selector")) Add(std::move(e));
    Affinity(spec);
    return std::move(errors_);
  }

 private:
  void Add(FieldError e) { errors_.push_back(std::move(e)); }

  void Meta(const ObjectMeta& m) {
    if (m.name.empty()) {
      Add(Required("metadata.name", "name or generateName is required"));
    } else {
      for (auto& msg : IsDNS1035Label(m.name)) Add(Invalid("metadata.name", m.name, msg));
    }
    if (m.namespace_.empty()) {
      Add(Required("metadata.namespace"));
    } else {
      for (auto& msg : IsDNS1123Label(m.namespace_)) {
        Add(Invalid("metadata.namespace", m.namespace_, msg));
      }
    }
    for (auto& e : ValidateLabels(m.labels, "metadata.labels")) Add(std::move(e));
    for (auto& e : ValidateAnnotations(m.annotations, "metadata.annotations")) Add(std::move(e));
  }

  // validateServicePort.
  void Port(const ServicePort& p, const std::string& path, bool require_name,
            std::set<std::string>& names) {
    if (require_name && p.name.empty()) {
      Add(Required(path + ".name"));
    } else if (!p.name.empty()) {
      for (auto& msg : IsDNS1123Label(p.name)) Add(Invalid(path + ".name", p.name, msg));
      if (!names.insert(p.name).second) Add(Duplicate(path + ".name", p.name));
    }
    if (p.port < 1 || p.port > 65535) {
      Add(Invalid(path + ".port", p.port, "must be between 1 and 65535, inclusive"));
    }
    if (p.protocol.empty()) {
      Add(Required(path + ".protocol"));
    } else if (p.protocol != "TCP") {
      // The API server accepts UDP and SCTP; probelet's proxy is TCP only.
      Add(NotSupported(path + ".protocol", p.protocol, {"TCP"}));
      errors_.back().detail += " (probelet proxies TCP only)";
    }
    if (p.target_port.is_string()) {
      for (auto& msg : IsValidPortName(p.target_port.str_val)) {
        Add(Invalid(path + ".targetPort", p.target_port.str_val, msg));
      }
    } else if (p.target_port.int_val < 1 || p.target_port.int_val > 65535) {
      Add(Invalid(path + ".targetPort", p.target_port.int_val,
                  "must be between 1 and 65535, inclusive"));
    }
  }

  void Affinity(const ServiceSpec& spec) {
    if (spec.session_affinity != "None" && spec.session_affinity != "ClientIP") {
      Add(NotSupported("spec.sessionAffinity", spec.session_affinity, {"ClientIP", "None"}));
      return;
    }
    if (spec.session_affinity == "None") {
      if (spec.session_affinity_config) {
        Add(InvalidRendered("spec.sessionAffinityConfig", "{clientIP:...}",
                            "must not be set when session affinity is None"));
      }
      return;
    }
    const auto& cfg = spec.session_affinity_config;
    if (!cfg || !cfg->client_ip || !cfg->client_ip->timeout_seconds) {
      Add(Required("spec.sessionAffinityConfig.clientIP.timeoutSeconds"));
      return;
    }
    int32_t t = *cfg->client_ip->timeout_seconds;
    if (t <= 0 || t > kMaxClientIPServiceAffinitySeconds) {
      Add(Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", t,
                  "must be greater than 0 and less than " +
                      std::to_string(kMaxClientIPServiceAffinitySeconds)));
    }
  }

  std::vector<FieldError> errors_;
};

}  // namespace

std::vector<FieldError> ValidateService(const Service& service) {
  return ServiceValidator().Validate(service);
}

int32_t ClientIPAffinitySeconds(const Service& service) {
  if (service.spec.session_affinity != "ClientIP") return 0;
  const auto& cfg = service.spec.session_affinity_config;
  if (cfg && cfg->client_ip && cfg->client_ip->timeout_seconds) {
    return *cfg->client_ip->timeout_seconds;
  }
  return kDefaultClientIPServiceAffinitySeconds;
}

void SetDefaults(Service& service, UidGenerator& uids) {
  if (service.metadata.namespace_.empty()) service.metadata.namespace_ = "default";
  if (service.metadata.uid.empty()) service.metadata.uid = uids.NewUid();
  ServiceSpec& spec = service.spec;
  if (spec.type.empty()) spec.type = "ClusterIP";
  if (spec.session_affinity.empty()) spec.session_affinity = "None";
  if (spec.session_affinity == "ClientIP") {
    auto& cfg = spec.session_affinity_config;
    if (!cfg) cfg.emplace();
    if (!cfg->client_ip) cfg->client_ip.emplace();
    if (!cfg->client_ip->timeout_seconds) {
      cfg->client_ip->timeout_seconds = kDefaultClientIPServiceAffinitySeconds;
    }
  }
  for (auto& p : spec.ports) {
    if (p.protocol.empty()) p.protocol = "TCP";
    bool unset =
        p.target_port.is_string() ? p.target_port.str_val.empty() : p.target_port.int_val == 0;
    if (unset) p.target_port = IntOrString::Int(p.port);
  }
}

}  // namespace probelet::api
