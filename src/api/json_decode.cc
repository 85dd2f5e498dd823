// DecodePod and DecodePodInto (json_codec.h): the decoding half of the JSON codec, apart from
// the encoder to keep each file to one direction. This file reads the pod, its metadata, spec
// and status; the container and what it holds are in json_decode_container.cc, and the walk
// that keeps the field path and the typed readers in json_decoder.cc.
#include "api/json_codec.h"
#include "api/json_decoder.h"

namespace probelet::api {

using nlohmann::json;

void JsonDecoder::PodValue(const json& j, Pod& pod) {
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

void JsonDecoder::Meta(const json& j, ObjectMeta& m) {
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

void JsonDecoder::Spec(const json& j, PodSpec& s) {
  Object(
      j,
      {"nodeName",
       "dnsPolicy",
       "schedulerName",
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
      {"ephemeralContainers", "activeDeadlineSeconds", "hostUsers", "resourceClaims", "resources"},
      [&](std::string_view k, const json& v) {
        auto container = [this](auto& e, auto& o) { ContainerValue(e, o); };
        if (k == "initContainers") return List(v, s.init_containers, container), true;
        if (k == "containers") return List(v, s.containers, container), true;
        if (k == "restartPolicy") return String(v, s.restart_policy), true;
        if (k == "terminationGracePeriodSeconds") {
          return Integer(v, s.termination_grace_period_seconds), true;
        }
        if (k == "hostNetwork") return Bool(v, s.host_network), true;
        if (k == "hostPID") return Bool(v, s.host_pid), true;
        if (k == "hostIPC") return Bool(v, s.host_ipc), true;
        if (k == "shareProcessNamespace") return Bool(v, s.share_process_namespace), true;
        if (k == "securityContext") {
          Optional(v, s.security_context,
                   [this](auto& e, auto& o) { PodSecurityContextValue(e, o); });
          return true;
        }
        if (k == "volumes") {
          return List(v, s.volumes, [this](auto& e, auto& o) { VolumeValue(e, o); }), true;
        }
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

void JsonDecoder::PodSecurityContextValue(const json& j, PodSecurityContext& sc) {
  Object(j, {},
         {"seLinuxOptions", "windowsOptions", "supplementalGroups", "supplementalGroupsPolicy",
          "fsGroup", "sysctls", "fsGroupChangePolicy", "seccompProfile", "appArmorProfile",
          "seLinuxChangePolicy"},
         [&](std::string_view k, const json& v) {
           if (k == "runAsUser") return Integer(v, sc.run_as_user), true;
           if (k == "runAsGroup") return Integer(v, sc.run_as_group), true;
           if (k == "runAsNonRoot") return Bool(v, sc.run_as_non_root), true;
           return false;
         });
}

// Every v1 volume source is a member of the Volume object; the two probelet mounts are read, any
// other set one is kept by name, for validation to refuse (ValidateForContainerRuntime).
void JsonDecoder::VolumeValue(const json& j, Volume& vol) {
  Object(j, [&](std::string_view k, const json& v) {
    if (k == "name") return String(v, vol.name), true;
    if (k == "emptyDir") {
      Optional(v, vol.empty_dir, [this](const json& e, EmptyDirVolumeSource& ed) {
        Object(e, {}, {"sizeLimit"}, [&](std::string_view ek, const json& ev) {
          if (ek == "medium") return String(ev, ed.medium), true;
          return false;
        });
      });
      return true;
    }
    if (k == "hostPath") {
      Optional(v, vol.host_path, [this](const json& e, HostPathVolumeSource& hp) {
        Object(e, [&](std::string_view hk, const json& hv) {
          if (hk == "path") return String(hv, hp.path), true;
          if (hk == "type") return String(hv, hp.type), true;
          return false;
        });
      });
      return true;
    }
    static constexpr std::string_view kOtherSources[] = {"gcePersistentDisk",
                                                         "awsElasticBlockStore",
                                                         "gitRepo",
                                                         "secret",
                                                         "nfs",
                                                         "iscsi",
                                                         "glusterfs",
                                                         "persistentVolumeClaim",
                                                         "rbd",
                                                         "flexVolume",
                                                         "cinder",
                                                         "cephfs",
                                                         "flocker",
                                                         "downwardAPI",
                                                         "fc",
                                                         "azureFile",
                                                         "configMap",
                                                         "vsphereVolume",
                                                         "quobyte",
                                                         "azureDisk",
                                                         "photonPersistentDisk",
                                                         "projected",
                                                         "portworxVolume",
                                                         "scaleIO",
                                                         "storageos",
                                                         "csi",
                                                         "ephemeral",
                                                         "image"};
    for (std::string_view other : kOtherSources) {
      if (k != other) continue;
      if (!v.is_null()) vol.other_sources.emplace_back(k);
      return true;
    }
    return false;
  });
}

void JsonDecoder::Status(const json& j, PodStatus& s) {
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
                 if (ck == "lastTransitionTime") return TimeValue(cv, c.last_transition_time), true;
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

void JsonDecoder::ContainerStatusValue(const json& j, ContainerStatus& c) {
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

void JsonDecoder::State(const json& j, ContainerState& s) {
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

bool DecodePodInto(const json& object, Pod& pod, std::vector<std::string>& errors,
                   std::vector<std::string>& warnings) {
  size_t before = errors.size();
  JsonDecoder(errors, warnings).PodValue(object, pod);
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
