#include "api/validation.h"

#include <set>
#include <string_view>

namespace probelet::api {
namespace {

// The regular expressions of k8s.io/apimachinery/pkg/util/validation, checked by hand: no
// std::regex on untrusted input (it recurses per character and is slow).
constexpr std::string_view kDNS1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDNS1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr std::string_view kDNS1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDNS1035LabelErrMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr std::string_view kDNS1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDNS1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kEnvVarNameFmt = "[-._a-zA-Z][-._a-zA-Z0-9]*";
constexpr std::string_view kEnvVarNameErrMsg =
    "a valid environment variable name must consist of alphabetic characters, digits, '_', "
    "'-', or '.', and must not start with a digit";
constexpr std::string_view kRelaxedEnvVarNameErrMsg =
    "a valid environment variable name must consist only of printable ASCII characters other "
    "than '='";
constexpr std::string_view kHTTPHeaderNameFmt = "[-A-Za-z0-9]+";
constexpr std::string_view kHTTPHeaderNameErrMsg =
    "a valid HTTP header must consist of alphanumeric characters or '-'";
constexpr std::string_view kInitContainerOnly =
    "may not be set for init containers without restartPolicy=Always";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// validation.RegexError: "<msg> (e.g. 'a', or 'b', regex used for validation is '<fmt>')".
std::string RegexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  std::string s(msg);
  if (examples.size() == 0) return s + " (regex used for validation is '" + std::string(fmt) + "')";
  s += " (e.g. ";
  bool first = true;
  for (auto e : examples) {
    if (!first) s += " or ";
    first = false;
    s += "'" + std::string(e) + "', ";
  }
  return s + "regex used for validation is '" + std::string(fmt) + "')";
}
std::string MaxLenError(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

bool MatchesLabel(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}
bool MatchesSubdomain(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!MatchesLabel(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}
bool MatchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// validation.IsValidPortNum, InclusiveRangeError.
std::vector<std::string> IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

class PodValidator {
 public:
  explicit PodValidator(const ValidationOptions& options) : options_(options) {}

  std::vector<FieldError> Validate(const Pod& pod) {
    Meta(pod.metadata);
    const PodSpec& spec = pod.spec;
    grace_ = spec.termination_grace_period_seconds;
    Containers(spec.containers);
    InitContainers(spec.init_containers, spec.containers);
    RestartPolicy(spec.restart_policy);
    if (spec.termination_grace_period_seconds && *spec.termination_grace_period_seconds < 0) {
      Add(Invalid("spec.terminationGracePeriodSeconds", *spec.termination_grace_period_seconds,
                  "must be greater than or equal to 0"));
    }
    for (auto& e : ValidateVolumesAndResources(spec)) Add(std::move(e));
    if (options_.container_runtime) {
      for (auto& e : ValidateContainerRuntimeSupport(spec)) Add(std::move(e));
    }
    for (size_t i = 0; i < spec.readiness_gates.size(); ++i) {
      std::string path = "spec.readinessGates[" + std::to_string(i) + "].conditionType";
      const std::string& type = spec.readiness_gates[i].condition_type;
      for (auto& msg : IsQualifiedName(type)) Add(Invalid(path, type, msg));
    }
    return std::move(errors_);
  }

 private:
  void Add(FieldError e) { errors_.push_back(std::move(e)); }

  ValidationOptions options_;

  void Meta(const ObjectMeta& m) {
    if (m.name.empty()) {
      Add(Required("metadata.name", "name or generateName is required"));
    } else {
      for (auto& msg : IsDNS1123Subdomain(m.name)) Add(Invalid("metadata.name", m.name, msg));
    }
    if (m.namespace_.empty()) {
      Add(Required("metadata.namespace"));
    } else {
      for (auto& msg : IsDNS1123Label(m.namespace_)) {
        Add(Invalid("metadata.namespace", m.namespace_, msg));
      }
    }
    // probelet: the kubelet names state directories and log files after the uid.
    if (!m.uid.empty() && (m.uid.size() > 128 || !MatchesQualifiedNamePart(m.uid))) {
      Add(Invalid("metadata.uid", m.uid,
                  "must be at most 128 alphanumeric characters, '-', '_' or '.', starting and "
                  "ending with an alphanumeric character (probelet uses it in file names)"));
    }
    for (auto& e : ValidateLabels(m.labels, "metadata.labels")) Add(std::move(e));
    for (auto& e : ValidateAnnotations(m.annotations, "metadata.annotations")) Add(std::move(e));
  }

  void Containers(const std::vector<Container>& containers) {
    if (containers.empty()) Add(Required("spec.containers"));
    std::set<std::string> names;
    for (size_t i = 0; i < containers.size(); ++i) {
      const Container& c = containers[i];
      std::string path = "spec.containers[" + std::to_string(i) + "]";
      Common(c, path);
      if (!names.insert(c.name).second) Add(Duplicate(path + ".name", c.name));
      if (c.lifecycle) Lifecycle(*c.lifecycle, path + ".lifecycle");
      LivenessProbe(c.liveness_probe, path + ".livenessProbe");
      ReadinessProbe(c.readiness_probe, path + ".readinessProbe");
      StartupProbe(c.startup_probe, path + ".startupProbe");
      // ContainerRestartRules (beta, on by default in 1.35): a regular container may override
      // the pod's policy.
      if (c.restart_policy && *c.restart_policy != "Always" && *c.restart_policy != "OnFailure" &&
          *c.restart_policy != "Never") {
        Add(NotSupported(path + ".restartPolicy", *c.restart_policy,
                         {"Always", "OnFailure", "Never"}));
      }
    }
  }

  void InitContainers(const std::vector<Container>& init, const std::vector<Container>& regular) {
    std::set<std::string> names;
    for (const auto& c : regular) names.insert(c.name);
    for (size_t i = 0; i < init.size(); ++i) {
      const Container& c = init[i];
      std::string path = "spec.initContainers[" + std::to_string(i) + "]";
      Common(c, path);
      bool restartable = false;
      if (c.restart_policy) {
        if (*c.restart_policy != "Always") {
          Add(NotSupported(path + ".restartPolicy", *c.restart_policy, {"Always"}));
        }
        restartable = *c.restart_policy == "Always";
      }
      // Names are unique across init and regular containers; the init one is the duplicate.
      if (names.count(c.name)) {
        Add(Duplicate(path + ".name", c.name));
      } else if (!c.name.empty()) {
        names.insert(c.name);
      }
      if (restartable) {
        if (c.lifecycle) Lifecycle(*c.lifecycle, path + ".lifecycle");
        LivenessProbe(c.liveness_probe, path + ".livenessProbe");
        ReadinessProbe(c.readiness_probe, path + ".readinessProbe");
        StartupProbe(c.startup_probe, path + ".startupProbe");
      } else {
        if (c.lifecycle) Add(Forbidden(path + ".lifecycle", std::string(kInitContainerOnly)));
        if (c.liveness_probe) {
          Add(Forbidden(path + ".livenessProbe", std::string(kInitContainerOnly)));
        }
        if (c.readiness_probe) {
          Add(Forbidden(path + ".readinessProbe", std::string(kInitContainerOnly)));
        }
        if (c.startup_probe)
          Add(Forbidden(path + ".startupProbe", std::string(kInitContainerOnly)));
      }
    }
  }

  // validateContainerCommon, for the fields probelet models.
  void Common(const Container& c, const std::string& path) {
    if (c.name.empty()) {
      Add(Required(path + ".name"));
    } else {
      for (auto& msg : IsDNS1123Label(c.name)) Add(Invalid(path + ".name", c.name, msg));
    }
    // probelet: the process runtime has no image, so no image entrypoint to fall back on.
    if (c.command.empty() && !options_.container_runtime) {
      Add(Required(path + ".command",
                   "probelet runs the command directly and has no image entrypoint to fall back "
                   "on: set command (and args)"));
    }
    Ports(c.ports, path + ".ports");
    Env(c.env, path + ".env");
    if (c.security_context) {
      const auto& sc = *c.security_context;
      if (sc.run_as_user && (*sc.run_as_user < 0 || *sc.run_as_user > 2147483647)) {
        Add(Invalid(path + ".securityContext.runAsUser", *sc.run_as_user,
                    "must be between 0 and 2147483647, inclusive"));
      }
      if (sc.run_as_group && (*sc.run_as_group < 0 || *sc.run_as_group > 2147483647)) {
        Add(Invalid(path + ".securityContext.runAsGroup", *sc.run_as_group,
                    "must be between 0 and 2147483647, inclusive"));
      }
    }
  }

  void Ports(const std::vector<ContainerPort>& ports, const std::string& path) {
    std::set<std::string> names;
    for (size_t i = 0; i < ports.size(); ++i) {
      const ContainerPort& p = ports[i];
      std::string idx = path + "[" + std::to_string(i) + "]";
      if (!p.name.empty()) {
        auto msgs = IsValidPortName(p.name);
        if (!msgs.empty()) {
          for (auto& msg : msgs) Add(Invalid(idx + ".name", p.name, msg));
        } else if (!names.insert(p.name).second) {
          Add(Duplicate(idx + ".name", p.name));
        }
      }
      if (p.container_port == 0) {
        Add(Required(idx + ".containerPort"));
      } else {
        for (auto& msg : IsValidPortNum(p.container_port)) {
          Add(Invalid(idx + ".containerPort", p.container_port, msg));
        }
      }
      if (p.protocol.empty()) {
        Add(Required(idx + ".protocol"));
      } else if (p.protocol != "TCP" && p.protocol != "UDP" && p.protocol != "SCTP") {
        Add(NotSupported(idx + ".protocol", p.protocol, {"SCTP", "TCP", "UDP"}));
      }
    }
  }

  void Env(const std::vector<EnvVar>& env, const std::string& path) {
    for (size_t i = 0; i < env.size(); ++i) {
      const EnvVar& e = env[i];
      std::string idx = path + "[" + std::to_string(i) + "]";
      if (e.name.empty()) Add(Required(idx + ".name"));
      for (auto& msg : IsRelaxedEnvVarName(e.name)) Add(Invalid(idx + ".name", e.name, msg));
      if (!e.value_from) continue;
      std::string vf = idx + ".valueFrom";
      if (!e.value_from->field_ref) {
        Add(Invalid(vf, "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                    "`secretKeyRef`"));
        continue;
      }
      const ObjectFieldSelector& sel = *e.value_from->field_ref;
      std::string fr = vf + ".fieldRef";
      if (sel.api_version.empty()) {
        Add(Required(fr + ".apiVersion"));
      } else if (sel.field_path.empty()) {
        Add(Required(fr + ".fieldPath"));
      } else if (sel.api_version != "v1") {
        Add(Invalid(fr + ".fieldPath", sel.field_path,
                    "error converting fieldPath: field label not supported: " + sel.field_path));
      } else if (sel.field_path != "metadata.name" && sel.field_path != "metadata.namespace" &&
                 sel.field_path != "metadata.uid" && sel.field_path != "status.podIP") {
        // probelet fills these four; the others name cluster state it does not have.
        Add(NotSupported(fr + ".fieldPath", sel.field_path,
                         {"metadata.name", "metadata.namespace", "metadata.uid", "status.podIP"}));
      }
      if (!e.value.empty()) Add(Invalid(vf, "", "may not be specified when `value` is not empty"));
    }
  }

  void RestartPolicy(const std::string& policy) {
    if (policy.empty()) {
      Add(Required("spec.restartPolicy"));
    } else if (policy != "Always" && policy != "OnFailure" && policy != "Never") {
      Add(NotSupported("spec.restartPolicy", policy, {"Always", "OnFailure", "Never"}));
    }
  }

  // validatePortNumOrName
  void PortNumOrName(const IntOrString& port, const std::string& path) {
    if (!port.is_string()) {
      for (auto& msg : IsValidPortNum(port.int_val)) Add(Invalid(path, port.int_val, msg));
    } else {
      for (auto& msg : IsValidPortName(port.str_val)) Add(Invalid(path, port.str_val, msg));
    }
  }

  void HTTPGet(const HTTPGetAction& a, const std::string& path) {
    if (a.path.empty()) Add(Required(path + ".path"));
    PortNumOrName(a.port, path + ".port");
    if (a.scheme != "HTTP" && a.scheme != "HTTPS") {
      Add(NotSupported(path + ".scheme", a.scheme, {"HTTP", "HTTPS"}));
    }
    for (const auto& h : a.http_headers) {
      // The path is httpHeaders itself, without an index, as the API server reports it.
      for (auto& msg : IsHTTPHeaderName(h.name)) Add(Invalid(path + ".httpHeaders", h.name, msg));
    }
  }

  // validateHandler: one handler, checked in the order exec, httpGet, tcpSocket, grpc, sleep;
  // each extra one is Forbidden on its own path.
  void Handler(const std::optional<ExecAction>& exec, const std::optional<HTTPGetAction>& http,
               const std::optional<TCPSocketAction>& tcp, const std::optional<GRPCAction>& grpc,
               const std::optional<SleepAction>& sleep, const std::string& path) {
    int handlers = 0;
    auto one = [&](bool set, const char* name, auto validate) {
      if (!set) return;
      std::string p = path + "." + name;
      if (handlers > 0) {
        Add(Forbidden(p, "may not specify more than 1 handler type"));
      } else {
        ++handlers;
        validate(p);
      }
    };
    one(exec.has_value(), "exec", [&](const std::string& p) {
      if (exec->command.empty()) Add(Required(p + ".command"));
    });
    one(http.has_value(), "httpGet", [&](const std::string& p) { HTTPGet(*http, p); });
    one(tcp.has_value(), "tcpSocket",
        [&](const std::string& p) { PortNumOrName(tcp->port, p + ".port"); });
    one(grpc.has_value(), "grpc", [&](const std::string& p) {
      for (auto& msg : IsValidPortNum(grpc->port)) Add(Invalid(p + ".port", grpc->port, msg));
    });
    one(sleep.has_value(), "sleep", [&](const std::string& p) {
      // PodLifecycleSleepActionAllowZero (on by default since 1.33): 0 <= seconds <= grace.
      if (grace_ && (sleep->seconds < 0 || sleep->seconds > *grace_)) {
        Add(Invalid(p, sleep->seconds,
                    "must be non-negative and less than terminationGracePeriodSeconds (" +
                        std::to_string(*grace_) + ")"));
      }
    });
    if (handlers == 0) Add(Required(path, "must specify a handler type"));
  }

  void Lifecycle(const api::Lifecycle& l, const std::string& path) {
    for (auto [h, name] : {std::pair{&l.post_start, ".postStart"}, {&l.pre_stop, ".preStop"}}) {
      if (*h) {
        Handler((*h)->exec, (*h)->http_get, (*h)->tcp_socket, std::nullopt, (*h)->sleep,
                path + name);
      }
    }
  }

  void Probe(const api::Probe& p, const std::string& path) {
    Handler(p.handler.exec, p.handler.http_get, p.handler.tcp_socket, p.handler.grpc, std::nullopt,
            path);
    auto nonnegative = [&](int64_t v, const char* field) {
      if (v < 0) Add(Invalid(path + "." + field, v, "must be greater than or equal to 0"));
    };
    nonnegative(p.initial_delay_seconds, "initialDelaySeconds");
    nonnegative(p.timeout_seconds, "timeoutSeconds");
    nonnegative(p.period_seconds, "periodSeconds");
    nonnegative(p.success_threshold, "successThreshold");
    nonnegative(p.failure_threshold, "failureThreshold");
    if (p.termination_grace_period_seconds && *p.termination_grace_period_seconds <= 0) {
      Add(Invalid(path + ".terminationGracePeriodSeconds", *p.termination_grace_period_seconds,
                  "must be greater than 0"));
    }
  }

  void LivenessProbe(const std::optional<api::Probe>& p, const std::string& path) {
    if (!p) return;
    Probe(*p, path);
    if (p->success_threshold != 1) {
      Add(Invalid(path + ".successThreshold", p->success_threshold, "must be 1"));
    }
  }
  void StartupProbe(const std::optional<api::Probe>& p, const std::string& path) {
    LivenessProbe(p, path);  // the same extra rule (validateStartupProbe)
  }
  void ReadinessProbe(const std::optional<api::Probe>& p, const std::string& path) {
    if (!p) return;
    Probe(*p, path);
    if (p->termination_grace_period_seconds) {
      Add(Invalid(path + ".terminationGracePeriodSeconds", *p->termination_grace_period_seconds,
                  "must not be set for readinessProbes"));
    }
  }

  std::optional<int64_t> grace_;
  std::vector<FieldError> errors_;
};

}  // namespace

std::vector<std::string> IsDNS1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(MaxLenError(63));
  if (!MatchesLabel(value)) {
    if (MatchesSubdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(kDNS1123LabelErrMsg, kDNS1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> IsDNS1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(MaxLenError(63));
  bool ok = !value.empty() && value.front() >= 'a' && value.front() <= 'z' && MatchesLabel(value);
  if (!ok) {
    errs.push_back(RegexError(kDNS1035LabelErrMsg, kDNS1035LabelFmt, {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> IsDNS1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(MaxLenError(253));
  if (!MatchesSubdomain(value)) {
    errs.push_back(RegexError(kDNS1123SubdomainErrMsg, kDNS1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> IsValidPortName(std::string_view port) {
  std::vector<std::string> errs;
  if (port.size() > 15) errs.push_back(MaxLenError(15));
  bool chars_ok = !port.empty();
  bool has_letter = false;
  for (char c : port) {
    if (!IsLowerAlnum(c) && c != '-') chars_ok = false;
    if (c >= 'a' && c <= 'z') has_letter = true;
  }
  if (!chars_ok) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!has_letter) errs.push_back("must contain at least one letter (a-z)");
  if (port.find("--") != std::string_view::npos) {
    errs.push_back("must not contain consecutive hyphens");
  }
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::string name_msg =
      RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"});
  size_t slash = value.find('/');
  std::string_view name = value;
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      return {"a qualified name " + name_msg +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (auto& msg : IsDNS1123Subdomain(prefix)) errs.push_back("prefix part " + msg);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + MaxLenError(63));
  }
  if (!MatchesQualifiedNamePart(name)) errs.push_back("name part " + name_msg);
  return errs;
}

std::vector<std::string> IsValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(MaxLenError(63));
  if (!value.empty() && !MatchesQualifiedNamePart(value)) {
    errs.push_back(RegexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<std::string> IsEnvVarName(std::string_view value) {
  std::vector<std::string> errs;
  bool ok = !value.empty() && !(value[0] >= '0' && value[0] <= '9');
  for (char c : value) {
    if (!IsAlnum(c) && c != '-' && c != '.' && c != '_') ok = false;
  }
  if (!ok) {
    errs.push_back(RegexError(kEnvVarNameErrMsg, kEnvVarNameFmt,
                              {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  }
  if (value == ".") {
    errs.push_back("must not be '.'");
  } else if (value == "..") {
    errs.push_back("must not be '..'");
  } else if (value.starts_with("..")) {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::vector<std::string> IsRelaxedEnvVarName(std::string_view value) {
  std::vector<std::string> errs;
  if (value.empty()) errs.push_back("environment variable name must be non-empty");
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E || c == '=') {
      errs.push_back(std::string(kRelaxedEnvVarNameErrMsg));
      break;
    }
  }
  return errs;
}

std::vector<std::string> IsHTTPHeaderName(std::string_view value) {
  bool ok = !value.empty();
  for (char c : value) {
    if (!IsAlnum(c) && c != '-') ok = false;
  }
  if (ok) return {};
  return {RegexError(kHTTPHeaderNameErrMsg, kHTTPHeaderNameFmt, {"X-Header-Name"})};
}

std::vector<FieldError> ValidatePod(const Pod& pod, const ValidationOptions& options) {
  return PodValidator(options).Validate(pod);
}

std::vector<FieldError> ValidateForContainerRuntime(const Pod& pod) {
  return ValidatePod(pod, ValidationOptions{.container_runtime = true});
}

std::vector<std::string> PodWarnings(const Pod& pod) {
  std::vector<std::string> warnings;
  auto containers = [&](const std::vector<Container>& list, const char* field) {
    for (size_t i = 0; i < list.size(); ++i) {
      std::set<std::string> seen;
      for (size_t k = 0; k < list[i].env.size(); ++k) {
        const std::string& name = list[i].env[k].name;
        std::string path = std::string("spec.") + field + "[" + std::to_string(i) + "].env[" +
                           std::to_string(k) + "]";
        // As the API server warns (pkg/api/pod/warnings.go).
        if (!seen.insert(name).second) {
          warnings.push_back(path + ": hides previous definition of " + GoQuote(name) +
                             ", which may be dropped when using apply");
        }
        if (!name.empty() && IsRelaxedEnvVarName(name).empty() && !IsEnvVarName(name).empty()) {
          warnings.push_back(path + ".name: " + GoQuote(name) +
                             " is accepted since Kubernetes 1.32 but is not a portable variable "
                             "name (a shell cannot expand it)");
        }
      }
    }
  };
  containers(pod.spec.init_containers, "initContainers");
  containers(pod.spec.containers, "containers");
  return warnings;
}

}  // namespace probelet::api
