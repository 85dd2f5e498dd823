// ValidateVolumesAndResources and ValidateContainerRuntimeSupport (validation.h): the API
// server's rules for the fields that runtimes with images use (pkg/apis/core/validation:
// validateVolumes, ValidateVolumeMounts, ValidateResourceRequirements, validatePullPolicy,
// ValidateSecurityContext, validatePodSpecSecurityContext), and what the CRI runtime cannot run.
#include <algorithm>
#include <set>
#include <string>

#include "api/validation.h"

namespace probelet::api {
namespace {

constexpr int64_t kMaxId = 2147483647;

class VolumeValidator {
 public:
  std::vector<FieldError> Validate(const PodSpec& spec) {
    Volumes(spec.volumes);
    auto containers = [&](const std::vector<Container>& list, const char* field) {
      for (size_t i = 0; i < list.size(); ++i) {
        ContainerFields(list[i], std::string("spec.") + field + "[" + std::to_string(i) + "]");
      }
    };
    containers(spec.containers, "containers");
    containers(spec.init_containers, "initContainers");
    if (spec.security_context) {
      const auto& sc = *spec.security_context;
      Id("spec.securityContext.runAsUser", sc.run_as_user);
      Id("spec.securityContext.runAsGroup", sc.run_as_group);
    }
    if (spec.share_process_namespace.value_or(false) && spec.host_pid) {
      Add(InvalidRendered("spec.securityContext.shareProcessNamespace", "true",
                          "ShareProcessNamespace and HostPID cannot both be enabled"));
    }
    return std::move(errors_);
  }

 private:
  void Add(FieldError e) { errors_.push_back(std::move(e)); }

  void Id(const std::string& path, const std::optional<int64_t>& id) {
    if (id && (*id < 0 || *id > kMaxId)) {
      Add(Invalid(path, *id, "must be between 0 and 2147483647, inclusive"));
    }
  }

  void Volumes(const std::vector<Volume>& volumes) {
    for (size_t i = 0; i < volumes.size(); ++i) {
      const Volume& v = volumes[i];
      std::string path = "spec.volumes[" + std::to_string(i) + "]";
      if (v.name.empty()) {
        Add(Required(path + ".name"));
      } else {
        for (auto& msg : IsDNS1123Label(v.name)) Add(Invalid(path + ".name", v.name, msg));
        if (!names_.insert(v.name).second) Add(Duplicate(path + ".name", v.name));
      }
      size_t sources = (v.empty_dir ? 1 : 0) + (v.host_path ? 1 : 0) + v.other_sources.size();
      if (sources == 0) {
        Add(Required(path, "must specify a volume type"));
      } else if (sources > 1) {
        Add(Forbidden(path, "may not specify more than 1 volume type"));
      }
      if (v.host_path) {
        const std::string& p = v.host_path->path;
        if (p.empty()) Add(Required(path + ".hostPath.path"));
        // validatePathNoBacksteps.
        for (size_t start = 0; start <= p.size();) {
          size_t slash = p.find('/', start);
          if (slash == std::string::npos) slash = p.size();
          if (p.compare(start, slash - start, "..") == 0) {
            Add(Invalid(path + ".hostPath.path", p, "must not contain '..'"));
            break;
          }
          start = slash + 1;
        }
        static const std::vector<std::string> kTypes = {
            "",       "DirectoryOrCreate", "Directory",  "FileOrCreate", "File",
            "Socket", "CharDevice",        "BlockDevice"};
        const std::string type = v.host_path->type.value_or("");
        if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
          Add(NotSupported(path + ".hostPath.type", type, kTypes));
        }
      }
    }
  }

  void ContainerFields(const Container& c, const std::string& path) {
    if (!c.image_pull_policy.empty() && c.image_pull_policy != "Always" &&
        c.image_pull_policy != "IfNotPresent" && c.image_pull_policy != "Never") {
      Add(NotSupported(path + ".imagePullPolicy", c.image_pull_policy,
                       {"Always", "IfNotPresent", "Never"}));
    }
    std::set<std::string> mount_paths;
    for (size_t i = 0; i < c.volume_mounts.size(); ++i) {
      const VolumeMount& m = c.volume_mounts[i];
      std::string idx = path + ".volumeMounts[" + std::to_string(i) + "]";
      if (m.name.empty()) {
        Add(Required(idx + ".name"));
      } else if (!names_.contains(m.name)) {
        Add(NotFound(idx + ".name", m.name));
      }
      if (m.mount_path.empty()) {
        Add(Required(idx + ".mountPath"));
      } else if (!mount_paths.insert(m.mount_path).second) {
        Add(Invalid(idx + ".mountPath", m.mount_path, "must be unique"));
      }
    }
    Resources(c.resources, path + ".resources");
    if (c.security_context) {
      const SecurityContext& sc = *c.security_context;
      if (sc.allow_privilege_escalation && !*sc.allow_privilege_escalation) {
        if (sc.privileged.value_or(false)) {
          Add(Forbidden(path + ".securityContext",
                        "cannot set `allowPrivilegeEscalation` to false and `privileged` to "
                        "true"));
        }
        if (sc.capabilities) {
          for (const auto& cap : sc.capabilities->add) {
            if (cap == "CAP_SYS_ADMIN") {
              Add(Forbidden(path + ".securityContext",
                            "cannot set `allowPrivilegeEscalation` to false and "
                            "`capabilities.Add` CAP_SYS_ADMIN"));
            }
          }
        }
      }
    }
  }

  // The standard container resources, or a fully qualified extended one ("example.com/gpu").
  static bool IsContainerResourceName(const std::string& name) {
    return name == "cpu" || name == "memory" || name == "ephemeral-storage" ||
           name.starts_with("hugepages-") || name.find('/') != std::string::npos;
  }

  void Resources(const ResourceRequirements& r, const std::string& path) {
    auto list = [&](const ResourceList& l, const std::string& lpath) {
      for (const auto& [name, q] : l) {
        std::string key = lpath + "[" + name + "]";
        if (!IsContainerResourceName(name)) {
          Add(Invalid(key, name, "must be a standard resource for containers"));
        }
        if (q.milli_value < 0) Add(Invalid(key, q.text, "must be greater than or equal to 0"));
      }
    };
    list(r.limits, path + ".limits");
    list(r.requests, path + ".requests");
    for (const auto& [name, request] : r.requests) {
      auto limit = r.limits.find(name);
      if (limit == r.limits.end() || request.milli_value <= limit->second.milli_value) continue;
      Add(Invalid(path + ".requests[" + name + "]", request.text,
                  "must be less than or equal to " + name + " limit of " + limit->second.text));
    }
  }

  std::set<std::string> names_;  // the pod's volume names
  std::vector<FieldError> errors_;
};

}  // namespace

std::vector<FieldError> ValidateVolumesAndResources(const PodSpec& spec) {
  return VolumeValidator().Validate(spec);
}

std::vector<FieldError> ValidateContainerRuntimeSupport(const PodSpec& spec) {
  std::vector<FieldError> errors;
  auto containers = [&](const std::vector<Container>& list, const char* field) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].image.empty()) {
        errors.push_back(
            Required(std::string("spec.") + field + "[" + std::to_string(i) + "].image"));
      }
    }
  };
  containers(spec.init_containers, "initContainers");
  containers(spec.containers, "containers");
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const Volume& v = spec.volumes[i];
    std::string path = "spec.volumes[" + std::to_string(i) + "]";
    for (const auto& other : v.other_sources) {
      errors.push_back(Forbidden(
          path + "." + other,
          "volume " + GoQuote(v.name) + ": only emptyDir and hostPath volumes are supported"));
    }
    if (v.empty_dir && v.empty_dir->medium == "Memory") {
      errors.push_back(Forbidden(path + ".emptyDir.medium",
                                 "volume " + GoQuote(v.name) +
                                     ": probelet keeps emptyDir volumes on the node's disk; "
                                     "medium \"Memory\" is not supported"));
    }
  }
  return errors;
}

}  // namespace probelet::api
