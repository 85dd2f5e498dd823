// EncodePod, EncodeEvent (json_codec.h): the encoding half of the JSON codec.
#include "api/json_codec.h"

#include <string_view>

namespace probelet::api {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Encoding. Each function mirrors one v1 Go type; a comment marks the fields that have no
// `omitempty` (always written), everything else is left out when empty.
// ---------------------------------------------------------------------------------------------
namespace {

void PutString(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
template <typename T>
void PutNumber(json& j, const char* key, T v) {
  if (v != 0) j[key] = v;
}
template <typename T>
void PutOptional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void PutStrings(json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}
void PutMap(json& j, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty()) j[key] = v;
}
template <typename T, typename F>
void PutList(json& j, const char* key, const std::vector<T>& v, F encode) {
  if (v.empty()) return;
  json a = json::array();
  for (const auto& e : v) a.push_back(encode(e));
  j[key] = std::move(a);
}

json EncodeIntOrString(const IntOrString& v) {
  return v.is_string() ? json(v.str_val) : json(v.int_val);
}

json EncodeMeta(const ObjectMeta& m) {
  json j = json::object();
  PutString(j, "name", m.name);
  PutString(j, "namespace", m.namespace_);
  PutString(j, "uid", m.uid);
  // metav1.Time is a struct: omitempty keeps it, and a zero one marshals as null.
  j["creationTimestamp"] = m.creation_timestamp ? EncodeTime(*m.creation_timestamp) : json();
  if (m.deletion_timestamp) j["deletionTimestamp"] = EncodeTime(*m.deletion_timestamp);
  PutOptional(j, "deletionGracePeriodSeconds", m.deletion_grace_period_seconds);
  PutMap(j, "labels", m.labels);
  PutMap(j, "annotations", m.annotations);
  return j;
}

json EncodeExec(const ExecAction& a) {
  json j = json::object();
  PutStrings(j, "command", a.command);
  return j;
}

json EncodeHTTPGet(const HTTPGetAction& a) {
  json j = json::object();
  PutString(j, "path", a.path);
  j["port"] = EncodeIntOrString(a.port);  // required
  PutString(j, "host", a.host);
  PutString(j, "scheme", a.scheme);
  PutList(j, "httpHeaders", a.http_headers, [](const HTTPHeader& h) {
    return json{{"name", h.name}, {"value", h.value}};  // both required
  });
  return j;
}

json EncodeTCPSocket(const TCPSocketAction& a) {
  json j = json::object();
  j["port"] = EncodeIntOrString(a.port);  // required
  PutString(j, "host", a.host);
  return j;
}

json EncodeGRPC(const GRPCAction& a) {
  json j = json::object();
  j["port"] = a.port;                                    // required
  j["service"] = a.service ? json(*a.service) : json();  // *string without omitempty
  return j;
}

}  // namespace

json EncodeProbe(const Probe& p) {
  json j = json::object();
  // ProbeHandler is inlined into the Probe.
  if (p.handler.exec) j["exec"] = EncodeExec(*p.handler.exec);
  if (p.handler.http_get) j["httpGet"] = EncodeHTTPGet(*p.handler.http_get);
  if (p.handler.tcp_socket) j["tcpSocket"] = EncodeTCPSocket(*p.handler.tcp_socket);
  if (p.handler.grpc) j["grpc"] = EncodeGRPC(*p.handler.grpc);
  PutNumber(j, "initialDelaySeconds", p.initial_delay_seconds);
  PutNumber(j, "timeoutSeconds", p.timeout_seconds);
  PutNumber(j, "periodSeconds", p.period_seconds);
  PutNumber(j, "successThreshold", p.success_threshold);
  PutNumber(j, "failureThreshold", p.failure_threshold);
  PutOptional(j, "terminationGracePeriodSeconds", p.termination_grace_period_seconds);
  return j;
}

namespace {

json EncodeLifecycleHandler(const LifecycleHandler& h) {
  json j = json::object();
  if (h.exec) j["exec"] = EncodeExec(*h.exec);
  if (h.http_get) j["httpGet"] = EncodeHTTPGet(*h.http_get);
  if (h.tcp_socket) j["tcpSocket"] = EncodeTCPSocket(*h.tcp_socket);
  if (h.sleep) j["sleep"] = json{{"seconds", h.sleep->seconds}};  // required
  return j;
}

json EncodeResourceList(const ResourceList& list) {
  json j = json::object();
  for (const auto& [name, q] : list) j[name] = q.text;
  return j;
}

json EncodeSecurityContext(const SecurityContext& sc) {
  json j = json::object();
  if (sc.capabilities) {
    json cj = json::object();
    PutStrings(cj, "add", sc.capabilities->add);
    PutStrings(cj, "drop", sc.capabilities->drop);
    j["capabilities"] = std::move(cj);
  }
  PutOptional(j, "privileged", sc.privileged);
  PutOptional(j, "runAsUser", sc.run_as_user);
  PutOptional(j, "runAsGroup", sc.run_as_group);
  PutOptional(j, "runAsNonRoot", sc.run_as_non_root);
  PutOptional(j, "readOnlyRootFilesystem", sc.read_only_root_filesystem);
  PutOptional(j, "allowPrivilegeEscalation", sc.allow_privilege_escalation);
  return j;
}

json EncodeVolume(const Volume& v) {
  json j = json::object();
  j["name"] = v.name;  // required
  // VolumeSource is inlined.
  if (v.empty_dir) {
    json ej = json::object();
    PutString(ej, "medium", v.empty_dir->medium);
    j["emptyDir"] = std::move(ej);
  }
  if (v.host_path) {
    json hj = json::object();
    hj["path"] = v.host_path->path;              // required
    PutOptional(hj, "type", v.host_path->type);  // *HostPathType: "" is written
    j["hostPath"] = std::move(hj);
  }
  // Sources probelet does not model: their kind only (validation refuses them for the CRI runtime).
  for (const auto& other : v.other_sources) j[other] = json::object();
  return j;
}

json EncodeContainer(const Container& c) {
  json j = json::object();
  j["name"] = c.name;  // required
  PutString(j, "image", c.image);
  PutStrings(j, "command", c.command);
  PutStrings(j, "args", c.args);
  PutString(j, "workingDir", c.working_dir);
  // A struct in v1, always written by the API server as at least {}; left out here when empty so
  // that the JSON of pods without resources keeps its shape.
  if (!c.resources.limits.empty() || !c.resources.requests.empty()) {
    json rj = json::object();
    if (!c.resources.limits.empty()) rj["limits"] = EncodeResourceList(c.resources.limits);
    if (!c.resources.requests.empty()) rj["requests"] = EncodeResourceList(c.resources.requests);
    j["resources"] = std::move(rj);
  }
  PutList(j, "volumeMounts", c.volume_mounts, [](const VolumeMount& m) {
    json mj = json::object();
    mj["name"] = m.name;  // required
    if (m.read_only) mj["readOnly"] = true;
    mj["mountPath"] = m.mount_path;  // required
    return mj;
  });
  PutString(j, "imagePullPolicy", c.image_pull_policy);
  PutList(j, "ports", c.ports, [](const ContainerPort& p) {
    json pj = json::object();
    PutString(pj, "name", p.name);
    pj["containerPort"] = p.container_port;  // required
    PutString(pj, "protocol", p.protocol);
    return pj;
  });
  PutList(j, "env", c.env, [](const EnvVar& e) {
    json ej = json::object();
    ej["name"] = e.name;  // required
    PutString(ej, "value", e.value);
    if (e.value_from) {
      json vf = json::object();
      if (e.value_from->field_ref) {
        json fr = json::object();
        PutString(fr, "apiVersion", e.value_from->field_ref->api_version);
        fr["fieldPath"] = e.value_from->field_ref->field_path;  // required
        vf["fieldRef"] = std::move(fr);
      }
      ej["valueFrom"] = std::move(vf);
    }
    return ej;
  });
  if (c.liveness_probe) j["livenessProbe"] = EncodeProbe(*c.liveness_probe);
  if (c.readiness_probe) j["readinessProbe"] = EncodeProbe(*c.readiness_probe);
  if (c.startup_probe) j["startupProbe"] = EncodeProbe(*c.startup_probe);
  if (c.lifecycle) {
    json lj = json::object();
    if (c.lifecycle->post_start) lj["postStart"] = EncodeLifecycleHandler(*c.lifecycle->post_start);
    if (c.lifecycle->pre_stop) lj["preStop"] = EncodeLifecycleHandler(*c.lifecycle->pre_stop);
    j["lifecycle"] = std::move(lj);
  }
  PutOptional(j, "restartPolicy", c.restart_policy);
  if (c.security_context) j["securityContext"] = EncodeSecurityContext(*c.security_context);
  return j;
}

json EncodeSpec(const PodSpec& s) {
  json j = json::object();
  PutList(j, "volumes", s.volumes, EncodeVolume);
  PutList(j, "initContainers", s.init_containers, EncodeContainer);
  json containers = json::array();  // required
  for (const auto& c : s.containers) containers.push_back(EncodeContainer(c));
  j["containers"] = std::move(containers);
  PutString(j, "restartPolicy", s.restart_policy);
  PutOptional(j, "terminationGracePeriodSeconds", s.termination_grace_period_seconds);
  if (s.host_network) j["hostNetwork"] = true;
  if (s.host_pid) j["hostPID"] = true;
  if (s.host_ipc) j["hostIPC"] = true;
  PutOptional(j, "shareProcessNamespace", s.share_process_namespace);
  if (s.security_context) {
    json sj = json::object();
    PutOptional(sj, "runAsUser", s.security_context->run_as_user);
    PutOptional(sj, "runAsGroup", s.security_context->run_as_group);
    PutOptional(sj, "runAsNonRoot", s.security_context->run_as_non_root);
    j["securityContext"] = std::move(sj);
  }
  PutList(j, "readinessGates", s.readiness_gates, [](const PodReadinessGate& g) {
    return json{{"conditionType", g.condition_type}};
  });
  return j;
}

json EncodeContainerState(const ContainerState& s) {
  json j = json::object();
  if (s.waiting) {
    json w = json::object();
    PutString(w, "reason", s.waiting->reason);
    PutString(w, "message", s.waiting->message);
    j["waiting"] = std::move(w);
  }
  if (s.running) j["running"] = json{{"startedAt", EncodeTime(s.running->started_at)}};
  if (s.terminated) {
    const auto& t = *s.terminated;
    json tj = json::object();
    tj["exitCode"] = t.exit_code;  // required
    PutNumber(tj, "signal", t.signal);
    PutString(tj, "reason", t.reason);
    PutString(tj, "message", t.message);
    tj["startedAt"] = EncodeTime(t.started_at);
    tj["finishedAt"] = EncodeTime(t.finished_at);
    PutString(tj, "containerID", t.container_id);
    j["terminated"] = std::move(tj);
  }
  return j;
}

json EncodeContainerStatus(const ContainerStatus& s) {
  json j = json::object();
  j["name"] = s.name;                          // required
  j["state"] = EncodeContainerState(s.state);  // struct: always written
  j["lastState"] = EncodeContainerState(s.last_state);
  j["ready"] = s.ready;                 // required
  j["restartCount"] = s.restart_count;  // required
  j["image"] = s.image;                 // required
  j["imageID"] = s.image_id;            // required
  PutString(j, "containerID", s.container_id);
  PutOptional(j, "started", s.started);
  return j;
}

}  // namespace

json EncodeObjectMeta(const ObjectMeta& meta) { return EncodeMeta(meta); }

json EncodeTime(Time t) {
  if (t.time_since_epoch().count() == 0) return json();
  return FormatRFC3339(t);
}

json EncodePodStatus(const PodStatus& s) {
  json j = json::object();
  PutString(j, "phase", s.phase);
  PutList(j, "conditions", s.conditions, [](const PodCondition& c) {
    json cj = json::object();
    cj["type"] = c.type;      // required
    cj["status"] = c.status;  // required
    cj["lastProbeTime"] = c.last_probe_time ? EncodeTime(*c.last_probe_time) : json();
    cj["lastTransitionTime"] = EncodeTime(c.last_transition_time);
    PutString(cj, "reason", c.reason);
    PutString(cj, "message", c.message);
    return cj;
  });
  PutString(j, "message", s.message);
  PutString(j, "reason", s.reason);
  PutString(j, "hostIP", s.host_ip);
  PutString(j, "podIP", s.pod_ip);
  PutList(j, "podIPs", s.pod_ips, [](const PodIP& ip) { return json{{"ip", ip.ip}}; });
  if (s.start_time) j["startTime"] = EncodeTime(*s.start_time);
  PutList(j, "initContainerStatuses", s.init_container_statuses, EncodeContainerStatus);
  PutList(j, "containerStatuses", s.container_statuses, EncodeContainerStatus);
  return j;
}

json EncodePod(const Pod& pod) {
  json j = json::object();
  j["apiVersion"] = pod.api_version;
  j["kind"] = pod.kind;
  j["metadata"] = EncodeMeta(pod.metadata);
  j["spec"] = EncodeSpec(pod.spec);
  j["status"] = EncodePodStatus(pod.status);
  return j;
}

json EncodeEvent(const Event& e) {
  json j = json::object();
  j["apiVersion"] = "v1";
  j["kind"] = "Event";
  json meta = json::object();
  PutString(meta, "name", e.name);
  PutString(meta, "namespace", e.involved_object.namespace_);
  meta["creationTimestamp"] = EncodeTime(e.first_timestamp);
  j["metadata"] = std::move(meta);
  const ObjectReference& o = e.involved_object;
  json io = json::object();
  PutString(io, "kind", o.kind);
  PutString(io, "namespace", o.namespace_);
  PutString(io, "name", o.name);
  PutString(io, "uid", o.uid);
  PutString(io, "apiVersion", o.api_version);
  PutString(io, "fieldPath", o.field_path);
  j["involvedObject"] = std::move(io);
  PutString(j, "reason", e.reason);
  PutString(j, "message", e.message);
  json source = json::object();
  PutString(source, "component", e.source_component);
  PutString(source, "host", e.source_host);
  j["source"] = std::move(source);  // struct: always written
  j["firstTimestamp"] = EncodeTime(e.first_timestamp);
  j["lastTimestamp"] = EncodeTime(e.last_timestamp);
  PutNumber(j, "count", e.count);
  PutString(j, "type", e.type);
  j["eventTime"] = json();                       // MicroTime struct, zero: null
  j["reportingComponent"] = e.source_component;  // no omitempty
  j["reportingInstance"] = e.source_host;        // no omitempty
  return j;
}

}  // namespace probelet::api
