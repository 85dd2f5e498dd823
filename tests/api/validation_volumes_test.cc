// ValidateVolumesAndResources and the CRI runtime's restrictions (ValidateForContainerRuntime):
// each message with its field path.
#include <gtest/gtest.h>

#include "api/validation.h"
#include "testing/api_fixtures.h"

namespace probelet::api {
namespace {

using testing::ValidPod;
using Errors = std::vector<std::string>;

Errors Strings(const std::vector<FieldError>& errors) {
  Errors out;
  for (const auto& e : errors) out.push_back(e.ToString());
  return out;
}

Quantity Q(const char* text) { return *ParseQuantity(text); }

TEST(ValidateVolumesTest, Table) {
  struct Case {
    const char* name;
    std::function<void(Pod&)> edit;
    Errors want;
  };
  const Case cases[] = {
      {"valid emptyDir and hostPath mounted",
       [](Pod& p) {
         p.spec.volumes = {{"scratch", EmptyDirVolumeSource{}, std::nullopt, {}},
                           {"data", std::nullopt, HostPathVolumeSource{"/srv", "Directory"}, {}}};
         p.spec.containers[0].volume_mounts = {{"scratch", "/tmp/s", false},
                                               {"data", "/data", true}};
       },
       {}},
      {"no source",
       [](Pod& p) {
         p.spec.volumes = {{"v", std::nullopt, std::nullopt, {}}};
       },
       {"spec.volumes[0]: Required value: must specify a volume type"}},
      {"two sources",
       [](Pod& p) {
         p.spec.volumes = {{"v", EmptyDirVolumeSource{}, HostPathVolumeSource{"/x", ""}, {}}};
       },
       {"spec.volumes[0]: Forbidden: may not specify more than 1 volume type"}},
      {"bad and duplicate names",
       [](Pod& p) {
         p.spec.volumes = {{"a", EmptyDirVolumeSource{}, std::nullopt, {}},
                           {"a", EmptyDirVolumeSource{}, std::nullopt, {}},
                           {"", EmptyDirVolumeSource{}, std::nullopt, {}}};
       },
       {"spec.volumes[1].name: Duplicate value: \"a\"", "spec.volumes[2].name: Required value"}},
      {"hostPath path and type",
       [](Pod& p) {
         p.spec.volumes = {{"a", std::nullopt, HostPathVolumeSource{"", "Dir"}, {}},
                           {"b", std::nullopt, HostPathVolumeSource{"/x/../etc", ""}, {}}};
       },
       {"spec.volumes[0].hostPath.path: Required value",
        "spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", "
        "\"DirectoryOrCreate\", \"Directory\", \"FileOrCreate\", \"File\", \"Socket\", "
        "\"CharDevice\", \"BlockDevice\"",
        "spec.volumes[1].hostPath.path: Invalid value: \"/x/../etc\": must not contain '..'"}},
      {"mounts: unknown volume, missing and repeated paths",
       [](Pod& p) {
         p.spec.volumes = {{"a", EmptyDirVolumeSource{}, std::nullopt, {}}};
         p.spec.containers[0].volume_mounts = {
             {"nope", "/x", false}, {"a", "", false}, {"a", "/x", false}};
       },
       {"spec.containers[0].volumeMounts[0].name: Not found: \"nope\"",
        "spec.containers[0].volumeMounts[1].mountPath: Required value",
        "spec.containers[0].volumeMounts[2].mountPath: Invalid value: \"/x\": must be unique"}},
      {"imagePullPolicy",
       [](Pod& p) { p.spec.containers[0].image_pull_policy = "Sometimes"; },
       {"spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: "
        "\"Always\", \"IfNotPresent\", \"Never\""}},
      {"resources: request over limit, negative, unknown name",
       [](Pod& p) {
         auto& r = p.spec.containers[0].resources;
         r.limits = {{"cpu", Q("500m")}, {"memory", Q("-1")}, {"gpu", Q("1")}};
         r.requests = {{"cpu", Q("1")}, {"example.com/dongle", Q("1")}};
       },
       {"spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard "
        "resource for containers",
        "spec.containers[0].resources.limits[memory]: Invalid value: \"-1\": must be greater than "
        "or equal to 0",
        "spec.containers[0].resources.requests[cpu]: Invalid value: \"1\": must be less than or "
        "equal to cpu limit of 500m"}},
      {"allowPrivilegeEscalation false with privileged and CAP_SYS_ADMIN",
       [](Pod& p) {
         SecurityContext sc;
         sc.allow_privilege_escalation = false;
         sc.privileged = true;
         sc.capabilities = Capabilities{{"CAP_SYS_ADMIN"}, {}};
         p.spec.containers[0].security_context = sc;
       },
       {"spec.containers[0].securityContext: Forbidden: cannot set `allowPrivilegeEscalation` to "
        "false and `privileged` to true",
        "spec.containers[0].securityContext: Forbidden: cannot set `allowPrivilegeEscalation` to "
        "false and `capabilities.Add` CAP_SYS_ADMIN"}},
      {"pod securityContext ids and shareProcessNamespace with hostPID",
       [](Pod& p) {
         p.spec.security_context = PodSecurityContext{-1, 2147483648, std::nullopt};
         p.spec.share_process_namespace = true;
         p.spec.host_pid = true;
       },
       {"spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, "
        "inclusive",
        "spec.securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and "
        "2147483647, inclusive",
        "spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace "
        "and HostPID cannot both be enabled"}},
  };
  for (const auto& c : cases) {
    Pod pod = ValidPod();
    c.edit(pod);
    EXPECT_EQ(Strings(ValidatePod(pod)), c.want) << c.name;
  }
}

TEST(ValidateForContainerRuntimeTest, ImageRequiredCommandOptionalOnlyEmptyDirAndHostPath) {
  Pod pod = ValidPod();
  pod.spec.containers[0].command.clear();
  // The process runtime needs a command; the CRI runtime needs an image instead.
  EXPECT_EQ(Strings(ValidatePod(pod)).size(), 1u);
  EXPECT_EQ(Strings(ValidateForContainerRuntime(pod)),
            (Errors{"spec.containers[0].image: Required value"}));
  pod.spec.containers[0].image = "localhost/probelet-test:1";
  EXPECT_EQ(Strings(ValidateForContainerRuntime(pod)), Errors{});
  pod.spec.volumes = {{"cfg", std::nullopt, std::nullopt, {"configMap"}},
                      {"mem", EmptyDirVolumeSource{"Memory"}, std::nullopt, {}}};
  EXPECT_EQ(Strings(ValidateForContainerRuntime(pod)),
            (Errors{"spec.volumes[0].configMap: Forbidden: volume \"cfg\": only emptyDir and "
                    "hostPath volumes are supported",
                    "spec.volumes[1].emptyDir.medium: Forbidden: volume \"mem\": probelet keeps "
                    "emptyDir volumes on the node's disk; medium \"Memory\" is not supported"}));
  // The process runtime ignores volumes: a configMap volume is no error there.
  pod.spec.containers[0].command = {"/bin/server"};
  EXPECT_EQ(Strings(ValidatePod(pod)), Errors{});
}

}  // namespace
}  // namespace probelet::api
