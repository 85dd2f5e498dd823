// The container and what it holds (probes, lifecycle handlers, ports, environment, security
// context) for DecodePod (json_codec.h), read by JsonDecoder (json_decoder.h).
#include "api/json_decoder.h"

namespace probelet::api {

void JsonDecoder::ContainerValue(const json& j, Container& c) {
  Object(
      j, {"terminationMessagePath", "terminationMessagePolicy"},
      {"volumeDevices", "envFrom", "stdin", "stdinOnce", "tty", "resizePolicy",
       "restartPolicyRules"},
      [&](std::string_view k, const json& v) {
        if (k == "name") return String(v, c.name), true;
        if (k == "image") return String(v, c.image), true;
        if (k == "imagePullPolicy") return String(v, c.image_pull_policy), true;
        if (k == "resources") return ResourcesValue(v, c.resources), true;
        if (k == "volumeMounts") {
          List(v, c.volume_mounts, [this](const json& e, VolumeMount& m) {
            Object(e, {}, {"subPath", "subPathExpr", "mountPropagation", "recursiveReadOnly"},
                   [&](std::string_view mk, const json& mv) {
                     if (mk == "name") return String(mv, m.name), true;
                     if (mk == "mountPath") return String(mv, m.mount_path), true;
                     if (mk == "readOnly") return Bool(mv, m.read_only), true;
                     return false;
                   });
          });
          return true;
        }
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
          return Optional(v, c.lifecycle, [this](auto& e, auto& o) { LifecycleValue(e, o); }), true;
        }
        if (k == "securityContext") {
          Optional(v, c.security_context, [this](auto& e, auto& o) { SecurityContextValue(e, o); });
          return true;
        }
        return false;
      });
}

void JsonDecoder::SecurityContextValue(const json& j, SecurityContext& sc) {
  Object(j, {},
         {"seccompProfile", "seLinuxOptions", "procMount", "appArmorProfile", "windowsOptions"},
         [&](std::string_view k, const json& v) {
           if (k == "runAsUser") return Integer(v, sc.run_as_user), true;
           if (k == "runAsGroup") return Integer(v, sc.run_as_group), true;
           if (k == "runAsNonRoot") return Bool(v, sc.run_as_non_root), true;
           if (k == "privileged") return Bool(v, sc.privileged), true;
           if (k == "readOnlyRootFilesystem") return Bool(v, sc.read_only_root_filesystem), true;
           if (k == "allowPrivilegeEscalation") {
             return Bool(v, sc.allow_privilege_escalation), true;
           }
           if (k == "capabilities") {
             Optional(v, sc.capabilities, [this](const json& e, Capabilities& caps) {
               Object(e, [&](std::string_view ck, const json& cv) {
                 if (ck == "add") return Strings(cv, caps.add), true;
                 if (ck == "drop") return Strings(cv, caps.drop), true;
                 return false;
               });
             });
             return true;
           }
           return false;
         });
}

void JsonDecoder::ResourcesValue(const json& j, ResourceRequirements& r) {
  auto list = [this](const json& v, ResourceList& out) {
    if (v.is_null()) return;
    if (!v.is_object()) return TypeError(v, "an object");
    for (auto it = v.begin(); it != v.end(); ++it) {
      auto scope = Key(it.key());
      QuantityValue(it.value(), out[it.key()]);
    }
  };
  Object(j, {}, {"claims"}, [&](std::string_view k, const json& v) {
    if (k == "limits") return list(v, r.limits), true;
    if (k == "requests") return list(v, r.requests), true;
    return false;
  });
}

void JsonDecoder::QuantityValue(const json& v, Quantity& out) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    text = v.dump();
  } else if (v.is_number_float()) {
    // YAML `cpu: 0.5`; shortest text that reads back the same double.
    text = v.dump();
  } else {
    return TypeError(v, "a quantity (string or number)");
  }
  auto q = ParseQuantity(text);
  if (!q.ok()) return Error(Invalid(path_, text, q.error().message));
  out = std::move(*q);
}

void JsonDecoder::EnvVarValue(const json& j, EnvVar& e) {
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

void JsonDecoder::ProbeValue(const json& j, Probe& p) {
  Object(j, [&](std::string_view k, const json& v) {
    if (k == "exec")
      return Optional(v, p.handler.exec, [this](auto& e, auto& o) { Exec(e, o); }), true;
    if (k == "httpGet") {
      return Optional(v, p.handler.http_get, [this](auto& e, auto& o) { HTTPGet(e, o); }), true;
    }
    if (k == "tcpSocket") {
      return Optional(v, p.handler.tcp_socket, [this](auto& e, auto& o) { TCPSocket(e, o); }), true;
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

void JsonDecoder::LifecycleValue(const json& j, Lifecycle& l) {
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

void JsonDecoder::LifecycleHandlerValue(const json& j, LifecycleHandler& h) {
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

void JsonDecoder::Exec(const json& j, ExecAction& a) {
  Object(j, [&](std::string_view k, const json& v) {
    if (k == "command") return Strings(v, a.command), true;
    return false;
  });
}

void JsonDecoder::HTTPGet(const json& j, HTTPGetAction& a) {
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

void JsonDecoder::TCPSocket(const json& j, TCPSocketAction& a) {
  Object(j, [&](std::string_view k, const json& v) {
    if (k == "port") return IntOrStr(v, a.port), true;
    if (k == "host") return String(v, a.host), true;
    return false;
  });
}

void JsonDecoder::GRPC(const json& j, GRPCAction& a) {
  Object(j, [&](std::string_view k, const json& v) {
    if (k == "port") return Integer(v, a.port), true;
    if (k == "service") return String(v, a.service), true;
    return false;
  });
}

}  // namespace probelet::api
