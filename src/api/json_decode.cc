// DecodePod and DecodePodInto (json_codec.h): the decoding half of the JSON codec, apart from
// the encoder to keep each file to one direction.
#include <cmath>
#include <limits>
#include <string_view>

#include "api/field_error.h"
#include "api/json_codec.h"

namespace probelet::api {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Decoding.
// ---------------------------------------------------------------------------------------------
namespace {

using Names = std::initializer_list<std::string_view>;

bool Contains(Names names, std::string_view key) {
  for (auto n : names) {
    if (n == key) return true;
  }
  return false;
}

std::string_view JsonTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

// A short rendering of a bad value for a message: strings quoted as Go does, scalars as JSON,
// containers elided (a message must stay one line whatever the input).
std::string RenderValue(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > 64) return GoQuote(s.substr(0, 64)) + "...";
    return GoQuote(s);
  }
  if (v.is_object()) return "{...}";
  if (v.is_array()) return "[...]";
  return v.dump();
}

// Walks a JSON document into the api types, keeping the field path of where it is, so that
// every problem names its field. Collects all errors rather than stopping at the first.
class Decoder {
 public:
  Decoder(std::vector<std::string>& errors, std::vector<std::string>& warnings)
      : errors_(errors), warnings_(warnings) {}

  // RAII path segment: restores the path when the field is done.
  class Scope {
   public:
    Scope(std::string& path, size_t len) : path_(path), len_(len) {}
    ~Scope() { path_.resize(len_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::string& path_;
    size_t len_;
  };
  [[nodiscard]] Scope Field(std::string_view name) {
    size_t len = path_.size();
    if (!path_.empty()) path_.push_back('.');
    path_.append(name);
    return Scope(path_, len);
  }
  [[nodiscard]] Scope Index(size_t i) {
    size_t len = path_.size();
    path_ += "[" + std::to_string(i) + "]";
    return Scope(path_, len);
  }
  [[nodiscard]] Scope Key(std::string_view key) {
    size_t len = path_.size();
    path_ += "[";
    path_ += key;
    path_ += "]";
    return Scope(path_, len);
  }

  void Error(const FieldError& e) { errors_.push_back(e.ToString()); }
  void TypeError(const json& v, std::string_view expected) {
    std::string detail =
        "expected " + std::string(expected) + ", got " + std::string(JsonTypeName(v));
    // YAML turns unquoted 8080, true or yes into a number or a boolean; say how to keep text.
    if (expected == "a string" && (v.is_number() || v.is_boolean())) {
      detail += " (quote it to make it a string)";
    }
    Error(InvalidRendered(path_, RenderValue(v), detail));
  }

  // Calls `field(key, value)` for each member of the object `j`; a member it does not know
  // (returns false) is ignored silently when listed in `silent` (server-filled bookkeeping),
  // with a warning when listed in `unsupported` (real v1 fields probelet does not implement),
  // and otherwise warned about as unknown. null means "not set".
  template <typename F>
  void Object(const json& j, Names silent, Names unsupported, F&& field) {
    if (j.is_null()) return;
    if (!j.is_object()) {
      TypeError(j, "an object");
      return;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto scope = Field(it.key());
      if (field(std::string_view(it.key()), it.value())) continue;
      if (Contains(silent, it.key())) continue;
      if (Contains(unsupported, it.key())) {
        // `resources: {}` and the like, as generators and `kubectl get -o yaml` write them,
        // ask for nothing: no warning.
        const json& v = it.value();
        bool empty = v.is_null() ||
                     ((v.is_object() || v.is_array() || v.is_string()) && v.empty()) ||
                     v == false || v == 0;
        if (!empty) {
          warnings_.push_back("field \"" + path_ +
                              "\" is not supported by probelet and is ignored");
        }
      } else {
        warnings_.push_back("unknown field \"" + path_ + "\"");
      }
    }
  }
  template <typename F>
  void Object(const json& j, F&& field) {
    Object(j, {}, {}, std::forward<F>(field));
  }

  void String(const json& v, std::string& out) {
    if (v.is_null()) return;
    if (!v.is_string()) return TypeError(v, "a string");
    out = v.get<std::string>();
  }
  void String(const json& v, std::optional<std::string>& out) {
    if (v.is_null()) return;
    out.emplace();
    String(v, *out);
  }
  template <typename T>
  void Integer(const json& v, T& out) {
    if (v.is_null()) return;
    int64_t value = 0;
    if (v.is_number_integer() && !v.is_number_unsigned()) {
      value = v.get<int64_t>();
    } else if (v.is_number_unsigned()) {
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Error(InvalidRendered(path_, v.dump(), "out of range"));
      }
      value = static_cast<int64_t>(u);
    } else if (v.is_number_float()) {
      double d = v.get<double>();
      // YAML `1.0` arrives as a float; accept it only when it is a whole number in range.
      if (!std::isfinite(d) || d != std::trunc(d) || d < -9.2e18 || d > 9.2e18) {
        return TypeError(v, "an integer");
      }
      value = static_cast<int64_t>(d);
    } else {
      return TypeError(v, "an integer");
    }
    if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max()) {
      return Error(Invalid(path_, value,
                           sizeof(T) == 4 ? "out of range for a 32-bit integer" : "out of range"));
    }
    out = static_cast<T>(value);
  }
  template <typename T>
  void Integer(const json& v, std::optional<T>& out) {
    if (v.is_null()) return;
    out.emplace();
    Integer(v, *out);
  }
  void Bool(const json& v, bool& out) {
    if (v.is_null()) return;
    if (!v.is_boolean()) return TypeError(v, "a boolean");
    out = v.get<bool>();
  }
  void Bool(const json& v, std::optional<bool>& out) {
    if (v.is_null()) return;
    out.emplace();
    Bool(v, *out);
  }
  void IntOrStr(const json& v, IntOrString& out) {
    if (v.is_null()) return;
    if (v.is_string()) {
      out = IntOrString::String(v.get<std::string>());
      return;
    }
    if (!v.is_number()) return TypeError(v, "an integer or a string");
    int32_t n = 0;
    size_t errors = errors_.size();
    Integer(v, n);
    if (errors_.size() == errors) out = IntOrString::Int(n);
  }
  void TimeValue(const json& v, Time& out) {
    if (v.is_null()) return;
    if (!v.is_string()) return TypeError(v, "an RFC 3339 time");
    auto t = ParseRFC3339(v.get_ref<const std::string&>());
    if (!t) {
      return Error(Invalid(path_, v.get_ref<const std::string&>(),
                           "expected an RFC 3339 time, e.g. \"2026-01-02T15:04:05Z\""));
    }
    out = *t;
  }
  void TimeValue(const json& v, std::optional<Time>& out) {
    if (v.is_null()) return;
    out.emplace();
    TimeValue(v, *out);
  }
  void Strings(const json& v, std::vector<std::string>& out) {
    List(v, out, [this](const json& e, std::string& s) { String(e, s); });
  }
  void StringMap(const json& v, std::map<std::string, std::string>& out) {
    if (v.is_null()) return;
    if (!v.is_object()) return TypeError(v, "a map of strings");
    for (auto it = v.begin(); it != v.end(); ++it) {
      auto scope = Key(it.key());
      String(it.value(), out[it.key()]);
    }
  }
  template <typename T, typename F>
  void List(const json& v, std::vector<T>& out, F&& element) {
    if (v.is_null()) return;
    if (!v.is_array()) return TypeError(v, "a list");
    out.clear();
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      auto scope = Index(i);
      element(v[i], out.emplace_back());
    }
  }
  template <typename T, typename F>
  void Optional(const json& v, std::optional<T>& out, F&& decode) {
    if (v.is_null()) return;
    decode(v, out.emplace());
  }

  // --- the v1 types --------------------------------------------------------------------------

  void Meta(const json& j, ObjectMeta& m) {
    Object(j,
           {"resourceVersion", "generation", "selfLink", "managedFields", "ownerReferences",
            "finalizers"},
           {"generateName"}, [&](std::string_view k, const json& v) {
             if (k == "name") return String(v, m.name), true;
             if (k == "namespace") return String(v, m.namespace_), true;
             if (k == "uid") return String(v, m.uid), true;
             if (k == "labels") return StringMap(v, m.labels), true;
             if (k == "annotations") return StringMap(v, m.annotations), true;
             if (k == "creationTimestamp") return TimeValue(v, m.creation_timestamp), true;
             if (k == "deletionTimestamp") return TimeValue(v, m.deletion_timestamp), true;
             if (k == "deletionGracePeriodSeconds") {
               return Integer(v, m.deletion_grace_period_seconds), true;
             }
             return false;
           });
  }

  void Exec(const json& j, ExecAction& a) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "command") return Strings(v, a.command), true;
      return false;
    });
  }

  void HTTPGet(const json& j, HTTPGetAction& a) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "path") return String(v, a.path), true;
      if (k == "port") return IntOrStr(v, a.port), true;
      if (k == "host") return String(v, a.host), true;
      if (k == "scheme") return String(v, a.scheme), true;
      if (k == "httpHeaders") {
        List(v, a.http_headers, [this](const json& e, HTTPHeader& h) {
          Object(e, [&](std::string_view hk, const json& hv) {
            if (hk == "name") return String(hv, h.name), true;
            if (hk == "value") return String(hv, h.value), true;
            return false;
          });
        });
        return true;
      }
      return false;
    });
  }

  void TCPSocket(const json& j, TCPSocketAction& a) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "port") return IntOrStr(v, a.port), true;
      if (k == "host") return String(v, a.host), true;
      return false;
    });
  }

  void GRPC(const json& j, GRPCAction& a) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "port") return Integer(v, a.port), true;
      if (k == "service") return String(v, a.service), true;
      return false;
    });
  }

  void ProbeValue(const json& j, Probe& p) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "exec")
        return Optional(v, p.handler.exec, [this](auto& e, auto& o) { Exec(e, o); }), true;
      if (k == "httpGet") {
        return Optional(v, p.handler.http_get, [this](auto& e, auto& o) { HTTPGet(e, o); }), true;
      }
      if (k == "tcpSocket") {
        return Optional(v, p.handler.tcp_socket, [this](auto& e, auto& o) { TCPSocket(e, o); }),
               true;
      }
      if (k == "grpc")
        return Optional(v, p.handler.grpc, [this](auto& e, auto& o) { GRPC(e, o); }), true;
      if (k == "initialDelaySeconds") return Integer(v, p.initial_delay_seconds), true;
      if (k == "timeoutSeconds") return Integer(v, p.timeout_seconds), true;
      if (k == "periodSeconds") return Integer(v, p.period_seconds), true;
      if (k == "successThreshold") return Integer(v, p.success_threshold), true;
      if (k == "failureThreshold") return Integer(v, p.failure_threshold), true;
      if (k == "terminationGracePeriodSeconds") {
        return Integer(v, p.termination_grace_period_seconds), true;
      }
      return false;
    });
  }

  void LifecycleHandlerValue(const json& j, LifecycleHandler& h) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "exec") return Optional(v, h.exec, [this](auto& e, auto& o) { Exec(e, o); }), true;
      if (k == "httpGet")
        return Optional(v, h.http_get, [this](auto& e, auto& o) { HTTPGet(e, o); }), true;
      if (k == "tcpSocket") {
        return Optional(v, h.tcp_socket, [this](auto& e, auto& o) { TCPSocket(e, o); }), true;
      }
      if (k == "sleep") {
        Optional(v, h.sleep, [this](const json& e, SleepAction& s) {
          Object(e, [&](std::string_view sk, const json& sv) {
            if (sk == "seconds") return Integer(sv, s.seconds), true;
            return false;
          });
        });
        return true;
      }
      return false;
    });
  }

  void LifecycleValue(const json& j, Lifecycle& l) {
    Object(j, {}, {"stopSignal"}, [&](std::string_view k, const json& v) {
      if (k == "postStart") {
        return Optional(v, l.post_start, [this](auto& e, auto& o) { LifecycleHandlerValue(e, o); }),
               true;
      }
      if (k == "preStop") {
        return Optional(v, l.pre_stop, [this](auto& e, auto& o) { LifecycleHandlerValue(e, o); }),
               true;
      }
      return false;
    });
  }

  void EnvVarValue(const json& j, EnvVar& e) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "name") return String(v, e.name), true;
      if (k == "value") return String(v, e.value), true;
      if (k == "valueFrom") {
        Optional(v, e.value_from, [this](const json& vf, EnvVarSource& src) {
          Object(vf, [&](std::string_view sk, const json& sv) {
            if (sk == "fieldRef") {
              Optional(sv, src.field_ref, [this](const json& fr, ObjectFieldSelector& sel) {
                Object(fr, [&](std::string_view fk, const json& fv) {
                  if (fk == "apiVersion") return String(fv, sel.api_version), true;
                  if (fk == "fieldPath") return String(fv, sel.field_path), true;
                  return false;
                });
              });
              return true;
            }
            if (sk == "configMapKeyRef" || sk == "secretKeyRef" || sk == "resourceFieldRef" ||
                sk == "fileKeyRef") {
              // Not a silent drop: the variable would be empty where the user expects a value.
              if (!sv.is_null()) {
                Error(Forbidden(path_,
                                "probelet has no API server to read it from; only "
                                "valueFrom.fieldRef is supported"));
              }
              return true;
            }
            return false;
          });
        });
        return true;
      }
      return false;
    });
  }

  void ContainerValue(const json& j, Container& c) {
    Object(j, {"imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy"},
           {"resources", "volumeMounts", "volumeDevices", "envFrom", "stdin", "stdinOnce", "tty",
            "resizePolicy", "restartPolicyRules"},
           [&](std::string_view k, const json& v) {
             if (k == "name") return String(v, c.name), true;
             if (k == "image") return String(v, c.image), true;
             if (k == "command") return Strings(v, c.command), true;
             if (k == "args") return Strings(v, c.args), true;
             if (k == "workingDir") return String(v, c.working_dir), true;
             if (k == "env") {
               return List(v, c.env, [this](auto& e, auto& o) { EnvVarValue(e, o); }), true;
             }
             if (k == "ports") {
               List(v, c.ports, [this](const json& e, ContainerPort& p) {
                 Object(e, {}, {"hostPort", "hostIP"}, [&](std::string_view pk, const json& pv) {
                   if (pk == "name") return String(pv, p.name), true;
                   if (pk == "containerPort") return Integer(pv, p.container_port), true;
                   if (pk == "protocol") return String(pv, p.protocol), true;
                   return false;
                 });
               });
               return true;
             }
             auto probe = [this](auto& e, auto& o) { ProbeValue(e, o); };
             if (k == "livenessProbe") return Optional(v, c.liveness_probe, probe), true;
             if (k == "readinessProbe") return Optional(v, c.readiness_probe, probe), true;
             if (k == "startupProbe") return Optional(v, c.startup_probe, probe), true;
             if (k == "restartPolicy") return String(v, c.restart_policy), true;
             if (k == "lifecycle") {
               return Optional(v, c.lifecycle, [this](auto& e, auto& o) { LifecycleValue(e, o); }),
                      true;
             }
             if (k == "securityContext") {
               Optional(v, c.security_context, [this](const json& e, SecurityContext& sc) {
                 Object(e, {},
                        {"runAsNonRoot", "privileged", "capabilities", "readOnlyRootFilesystem",
                         "allowPrivilegeEscalation", "seccompProfile", "seLinuxOptions",
                         "procMount", "appArmorProfile", "windowsOptions"},
                        [&](std::string_view sk, const json& sv) {
                          if (sk == "runAsUser") return Integer(sv, sc.run_as_user), true;
                          if (sk == "runAsGroup") return Integer(sv, sc.run_as_group), true;
                          return false;
                        });
               });
               return true;
             }
             return false;
           });
  }

  void Spec(const json& j, PodSpec& s) {
    Object(j,
           {"nodeName",
            "dnsPolicy",
            "schedulerName",
            "securityContext",
            "serviceAccountName",
            "serviceAccount",
            "automountServiceAccountToken",
            "enableServiceLinks",
            "preemptionPolicy",
            "priority",
            "priorityClassName",
            "tolerations",
            "nodeSelector",
            "affinity",
            "imagePullSecrets",
            "hostname",
            "subdomain",
            "runtimeClassName",
            "overhead",
            "topologySpreadConstraints",
            "setHostnameAsFQDN",
            "os",
            "schedulingGates",
            "dnsConfig",
            "hostAliases"},
           {"volumes", "ephemeralContainers", "activeDeadlineSeconds", "hostPID", "hostIPC",
            "shareProcessNamespace", "hostUsers", "resourceClaims", "resources"},
           [&](std::string_view k, const json& v) {
             auto container = [this](auto& e, auto& o) { ContainerValue(e, o); };
             if (k == "initContainers") return List(v, s.init_containers, container), true;
             if (k == "containers") return List(v, s.containers, container), true;
             if (k == "restartPolicy") return String(v, s.restart_policy), true;
             if (k == "terminationGracePeriodSeconds") {
               return Integer(v, s.termination_grace_period_seconds), true;
             }
             if (k == "hostNetwork") return Bool(v, s.host_network), true;
             if (k == "readinessGates") {
               List(v, s.readiness_gates, [this](const json& e, PodReadinessGate& g) {
                 Object(e, [&](std::string_view gk, const json& gv) {
                   if (gk == "conditionType") return String(gv, g.condition_type), true;
                   return false;
                 });
               });
               return true;
             }
             return false;
           });
  }

  void State(const json& j, ContainerState& s) {
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "waiting") {
        Optional(v, s.waiting, [this](const json& e, ContainerStateWaiting& w) {
          Object(e, [&](std::string_view wk, const json& wv) {
            if (wk == "reason") return String(wv, w.reason), true;
            if (wk == "message") return String(wv, w.message), true;
            return false;
          });
        });
        return true;
      }
      if (k == "running") {
        Optional(v, s.running, [this](const json& e, ContainerStateRunning& r) {
          Object(e, [&](std::string_view rk, const json& rv) {
            if (rk == "startedAt") return TimeValue(rv, r.started_at), true;
            return false;
          });
        });
        return true;
      }
      if (k == "terminated") {
        Optional(v, s.terminated, [this](const json& e, ContainerStateTerminated& t) {
          Object(e, [&](std::string_view tk, const json& tv) {
            if (tk == "exitCode") return Integer(tv, t.exit_code), true;
            if (tk == "signal") return Integer(tv, t.signal), true;
            if (tk == "reason") return String(tv, t.reason), true;
            if (tk == "message") return String(tv, t.message), true;
            if (tk == "startedAt") return TimeValue(tv, t.started_at), true;
            if (tk == "finishedAt") return TimeValue(tv, t.finished_at), true;
            if (tk == "containerID") return String(tv, t.container_id), true;
            return false;
          });
        });
        return true;
      }
      return false;
    });
  }

  void ContainerStatusValue(const json& j, ContainerStatus& c) {
    Object(j,
           {"allocatedResources", "resources", "volumeMounts", "user", "allocatedResourcesStatus",
            "stopSignal"},
           {}, [&](std::string_view k, const json& v) {
             if (k == "name") return String(v, c.name), true;
             if (k == "state") return State(v, c.state), true;
             if (k == "lastState") return State(v, c.last_state), true;
             if (k == "ready") return Bool(v, c.ready), true;
             if (k == "restartCount") return Integer(v, c.restart_count), true;
             if (k == "image") return String(v, c.image), true;
             if (k == "imageID") return String(v, c.image_id), true;
             if (k == "containerID") return String(v, c.container_id), true;
             if (k == "started") return Bool(v, c.started), true;
             return false;
           });
  }

  void Status(const json& j, PodStatus& s) {
    Object(j,
           {"hostIPs", "qosClass", "nominatedNodeName", "ephemeralContainerStatuses", "resize",
            "resourceClaimStatuses", "observedGeneration"},
           {}, [&](std::string_view k, const json& v) {
             if (k == "phase") return String(v, s.phase), true;
             if (k == "conditions") {
               List(v, s.conditions, [this](const json& e, PodCondition& c) {
                 Object(e, {"observedGeneration"}, {}, [&](std::string_view ck, const json& cv) {
                   if (ck == "type") return String(cv, c.type), true;
                   if (ck == "status") return String(cv, c.status), true;
                   if (ck == "reason") return String(cv, c.reason), true;
                   if (ck == "message") return String(cv, c.message), true;
                   if (ck == "lastProbeTime") return TimeValue(cv, c.last_probe_time), true;
                   if (ck == "lastTransitionTime")
                     return TimeValue(cv, c.last_transition_time), true;
                   return false;
                 });
               });
               return true;
             }
             if (k == "message") return String(v, s.message), true;
             if (k == "reason") return String(v, s.reason), true;
             if (k == "hostIP") return String(v, s.host_ip), true;
             if (k == "podIP") return String(v, s.pod_ip), true;
             if (k == "podIPs") {
               List(v, s.pod_ips, [this](const json& e, PodIP& ip) {
                 Object(e, [&](std::string_view ik, const json& iv) {
                   if (ik == "ip") return String(iv, ip.ip), true;
                   return false;
                 });
               });
               return true;
             }
             if (k == "startTime") return TimeValue(v, s.start_time), true;
             auto status = [this](auto& e, auto& o) { ContainerStatusValue(e, o); };
             if (k == "initContainerStatuses") {
               return List(v, s.init_container_statuses, status), true;
             }
             if (k == "containerStatuses") return List(v, s.container_statuses, status), true;
             return false;
           });
  }

  void PodValue(const json& j, Pod& pod) {
    if (!j.is_object()) return TypeError(j, "an object");
    bool has_kind = false, has_api_version = false;
    Object(j, [&](std::string_view k, const json& v) {
      if (k == "apiVersion") {
        has_api_version = !v.is_null();
        String(v, pod.api_version);
        return true;
      }
      if (k == "kind") {
        has_kind = !v.is_null();
        String(v, pod.kind);
        return true;
      }
      if (k == "metadata") return Meta(v, pod.metadata), true;
      if (k == "spec") return Spec(v, pod.spec), true;
      if (k == "status") return Status(v, pod.status), true;
      return false;
    });
    if (!has_kind) {
      Error(Required("kind", "must be \"Pod\""));
    } else if (pod.kind != "Pod") {
      Error(NotSupported("kind", pod.kind, {"Pod"}));
    }
    if (!has_api_version) {
      Error(Required("apiVersion", "must be \"v1\""));
    } else if (pod.api_version != "v1") {
      Error(NotSupported("apiVersion", pod.api_version, {"v1"}));
    }
  }

 private:
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
  std::string path_;
};

}  // namespace

bool DecodePodInto(const json& object, Pod& pod, std::vector<std::string>& errors,
                   std::vector<std::string>& warnings) {
  size_t before = errors.size();
  Decoder(errors, warnings).PodValue(object, pod);
  return errors.size() == before;
}

base::Expected<Pod> DecodePod(const json& object, std::vector<std::string>* warnings) {
  std::vector<std::string> errors, local_warnings;
  Pod pod;
  if (!DecodePodInto(object, pod, errors, local_warnings)) {
    std::string message;
    for (const auto& e : errors) {
      if (!message.empty()) message += '\n';
      message += e;
    }
    return base::Error{message};
  }
  if (warnings) warnings->insert(warnings->end(), local_warnings.begin(), local_warnings.end());
  return pod;
}

}  // namespace probelet::api
