// MakePodSandboxConfig and MakeContainerConfig against the kubelet's generatePodSandboxConfig and
// generateContainerConfig: every label, annotation, namespace option and mapped field.
#include "runtime/cri/kuberuntime_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace probelet::runtime::cri {
namespace {

api::Pod TestPod() {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "prod";
  pod.metadata.uid = "0b6f1a1e-8f7c-4d2a-9c1e-2f3a4b5c6d7e";
  pod.metadata.labels = {{"app", "web"}, {"io.kubernetes.pod.name", "spoofed"}};
  pod.metadata.annotations = {{"note", "hello"}};
  pod.spec.restart_policy = "Always";
  pod.spec.termination_grace_period_seconds = 45;
  api::Container c;
  c.name = "server";
  c.image = "localhost/probelet-test:1";
  c.command = {"/bin/sh", "-c"};
  c.args = {"echo $(GREETING) $(POD) $(MISSING)"};
  c.working_dir = "/tmp";
  c.env = {{"GREETING", "hi", std::nullopt},
           {"POD", "", api::EnvVarSource{api::ObjectFieldSelector{"v1", "metadata.name"}}},
           {"IP", "", api::EnvVarSource{api::ObjectFieldSelector{"v1", "status.podIP"}}},
           {"UID", "", api::EnvVarSource{api::ObjectFieldSelector{"v1", "metadata.uid"}}}};
  pod.spec.containers.push_back(c);
  return pod;
}

runtime::PodSandboxConfig SandboxConfigOf(const api::Pod& pod) {
  runtime::PodSandboxConfig config;
  config.pod = &pod;
  config.log_directory = "/state/pods/prod_web_" + pod.metadata.uid;
  config.attempt = 2;
  return config;
}

SandboxOptions Options(bool cni = false) {
  return SandboxOptions{"node-a", "/probelet/node-a/pod0b6f", cni};
}

runtime::ContainerConfig ContainerConfigOf(const api::Pod& pod, int32_t restart_count = 3) {
  runtime::ContainerConfig config;
  config.container = pod.spec.containers[0];
  config.pod = {pod.metadata.name, pod.metadata.namespace_, pod.metadata.uid, "10.88.7.2"};
  config.sandbox_id = "sandbox-id";
  config.image_ref = "sha256:abc";
  config.restart_count = restart_count;
  return config;
}

std::map<std::string, std::string> AsMap(const google::protobuf::Map<std::string, std::string>& m) {
  return {m.begin(), m.end()};
}

TEST(MakePodSandboxConfigTest, MetadataLogDirectoryLabelsAndAnnotations) {
  api::Pod pod = TestPod();
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  EXPECT_EQ(sb.metadata().name(), "web");
  EXPECT_EQ(sb.metadata().namespace_(), "prod");
  EXPECT_EQ(sb.metadata().uid(), pod.metadata.uid);
  EXPECT_EQ(sb.metadata().attempt(), 2u);
  EXPECT_EQ(sb.log_directory(), "/state/pods/prod_web_" + pod.metadata.uid);
  // The pod's labels, overridden by the kubelet's own, plus the instance label.
  EXPECT_EQ(AsMap(sb.labels()), (std::map<std::string, std::string>{
                                    {"app", "web"},
                                    {"io.kubernetes.pod.name", "web"},
                                    {"io.kubernetes.pod.namespace", "prod"},
                                    {"io.kubernetes.pod.uid", pod.metadata.uid},
                                    {"probelet.io/instance", "node-a"},
                                }));
  EXPECT_EQ(AsMap(sb.annotations()), (std::map<std::string, std::string>{{"note", "hello"}}));
  EXPECT_EQ(sb.linux().cgroup_parent(), "/probelet/node-a/pod0b6f");
}

TEST(MakePodSandboxConfigTest, HostnameOnlyWithAPodNetwork) {
  api::Pod pod = TestPod();
  // Node network (probelet's default, and hostNetwork even in CNI mode): no hostname, as runc
  // refuses one without a UTS namespace (cri.md §8.6).
  EXPECT_EQ(MakePodSandboxConfig(SandboxConfigOf(pod), Options(false)).hostname(), "");
  EXPECT_EQ(MakePodSandboxConfig(SandboxConfigOf(pod), Options(true)).hostname(), "web");
  pod.spec.host_network = true;
  EXPECT_EQ(MakePodSandboxConfig(SandboxConfigOf(pod), Options(true)).hostname(), "");
  // A name longer than a DNS label is cut to 63 characters, without a trailing '-'.
  pod.spec.host_network = false;
  pod.metadata.name = std::string(62, 'a') + "-b";
  EXPECT_EQ(MakePodSandboxConfig(SandboxConfigOf(pod), Options(true)).hostname(),
            std::string(62, 'a'));
}

TEST(NamespacesForPodTest, Table) {
  struct Case {
    const char* name;
    bool host_network, host_pid, host_ipc;
    std::optional<bool> share_pid;
    bool cni;
    v1::NamespaceMode network, pid, ipc;
  };
  const Case cases[] = {
      {"default: node network", false, false, false, {}, false, v1::NODE, v1::CONTAINER, v1::POD},
      {"cni: pod network", false, false, false, {}, true, v1::POD, v1::CONTAINER, v1::POD},
      {"hostNetwork wins over cni", true, false, false, {}, true, v1::NODE, v1::CONTAINER, v1::POD},
      {"hostPID", false, true, false, {}, false, v1::NODE, v1::NODE, v1::POD},
      {"shareProcessNamespace", false, false, false, true, false, v1::NODE, v1::POD, v1::POD},
      {"shareProcessNamespace false", false, false, false, false, true, v1::POD, v1::CONTAINER,
       v1::POD},
      {"hostIPC", false, false, true, {}, false, v1::NODE, v1::CONTAINER, v1::NODE},
  };
  for (const auto& c : cases) {
    api::Pod pod = TestPod();
    pod.spec.host_network = c.host_network;
    pod.spec.host_pid = c.host_pid;
    pod.spec.host_ipc = c.host_ipc;
    pod.spec.share_process_namespace = c.share_pid;
    v1::NamespaceOption ns = NamespacesForPod(pod, c.cni);
    EXPECT_EQ(ns.network(), c.network) << c.name;
    EXPECT_EQ(ns.pid(), c.pid) << c.name;
    EXPECT_EQ(ns.ipc(), c.ipc) << c.name;
    // The sandbox and its containers carry the same options.
    v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options(c.cni));
    EXPECT_EQ(sb.linux().security_context().namespace_options().SerializeAsString(),
              ns.SerializeAsString())
        << c.name;
    auto cc = MakeContainerConfig(ContainerConfigOf(pod), pod, sb, "node-a");
    ASSERT_TRUE(cc.ok()) << c.name;
    EXPECT_EQ(cc->linux().security_context().namespace_options().SerializeAsString(),
              ns.SerializeAsString())
        << c.name;
  }
}

TEST(MakePodSandboxConfigTest, RunAsUserAndGroupFromThePodSecurityContext) {
  api::Pod pod = TestPod();
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  EXPECT_FALSE(sb.linux().security_context().has_run_as_user());
  EXPECT_FALSE(sb.linux().security_context().has_run_as_group());
  pod.spec.security_context = api::PodSecurityContext{1000, 2000, std::nullopt};
  sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  EXPECT_EQ(sb.linux().security_context().run_as_user().value(), 1000);
  EXPECT_EQ(sb.linux().security_context().run_as_group().value(), 2000);
}

TEST(MakeContainerConfigTest, MetadataImageCommandEnvAndWorkingDir) {
  api::Pod pod = TestPod();
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  auto cc = MakeContainerConfig(ContainerConfigOf(pod), pod, sb, "node-a");
  ASSERT_TRUE(cc.ok()) << cc.error().message;
  EXPECT_EQ(cc->metadata().name(), "server");
  EXPECT_EQ(cc->metadata().attempt(), 3u);
  EXPECT_EQ(cc->image().image(), "sha256:abc");
  EXPECT_EQ(cc->image().user_specified_image(), "localhost/probelet-test:1");
  // Command and args stay apart, each $(VAR) expanded; an unknown one stays as written.
  ASSERT_EQ(cc->command_size(), 2);
  EXPECT_EQ(cc->command(0), "/bin/sh");
  EXPECT_EQ(cc->command(1), "-c");
  ASSERT_EQ(cc->args_size(), 1);
  EXPECT_EQ(cc->args(0), "echo hi web $(MISSING)");
  // Only the container's own variables (the image gives PATH and HOME), fieldRefs resolved,
  // in order.
  std::vector<std::pair<std::string, std::string>> envs;
  for (const auto& kv : cc->envs()) envs.emplace_back(kv.key(), kv.value());
  EXPECT_EQ(envs, (std::vector<std::pair<std::string, std::string>>{
                      {"GREETING", "hi"},
                      {"POD", "web"},
                      {"IP", "10.88.7.2"},
                      {"UID", pod.metadata.uid},
                  }));
  EXPECT_EQ(cc->working_dir(), "/tmp");
  EXPECT_EQ(cc->log_path(), "server/3.log");
  EXPECT_FALSE(cc->stdin());
  EXPECT_FALSE(cc->tty());
}

TEST(MakeContainerConfigTest, LabelsAndAnnotations) {
  api::Pod pod = TestPod();
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  auto cc = MakeContainerConfig(ContainerConfigOf(pod, 0), pod, sb, "node-a");
  ASSERT_TRUE(cc.ok());
  // newContainerLabels: the kubelet's labels only, not the pod's "app".
  EXPECT_EQ(AsMap(cc->labels()), (std::map<std::string, std::string>{
                                     {"io.kubernetes.container.name", "server"},
                                     {"io.kubernetes.pod.name", "web"},
                                     {"io.kubernetes.pod.namespace", "prod"},
                                     {"io.kubernetes.pod.uid", pod.metadata.uid},
                                     {"probelet.io/instance", "node-a"},
                                 }));
  auto annotations = AsMap(cc->annotations());
  EXPECT_EQ(annotations.at("io.kubernetes.container.hash"), HashContainer(pod.spec.containers[0]));
  EXPECT_EQ(annotations.at("io.kubernetes.container.restartCount"), "0");
  EXPECT_EQ(annotations.at("io.kubernetes.container.terminationMessagePath"),
            "/dev/termination-log");
  EXPECT_EQ(annotations.at("io.kubernetes.container.terminationMessagePolicy"), "File");
  EXPECT_EQ(annotations.at("io.kubernetes.pod.terminationGracePeriod"), "45");
  EXPECT_FALSE(annotations.contains("io.kubernetes.pod.deletionGracePeriod"));
  EXPECT_EQ(annotations.size(), 5u);
  pod.metadata.deletion_grace_period_seconds = 7;
  cc = MakeContainerConfig(ContainerConfigOf(pod, 0), pod, sb, "node-a");
  ASSERT_TRUE(cc.ok());
  EXPECT_EQ(AsMap(cc->annotations()).at("io.kubernetes.pod.deletionGracePeriod"), "7");
}

TEST(HashContainerTest, StableAndChangesWithTheSpec) {
  api::Container c = TestPod().spec.containers[0];
  std::string h = HashContainer(c);
  EXPECT_FALSE(h.empty());
  EXPECT_EQ(HashContainer(c), h);
  c.args = {"other"};
  EXPECT_NE(HashContainer(c), h);
}

TEST(MakeContainerConfigTest, MountsEmptyDirAndHostPath) {
  api::Pod pod = TestPod();
  pod.spec.volumes = {{"scratch", api::EmptyDirVolumeSource{}, std::nullopt, {}},
                      {"host", std::nullopt, api::HostPathVolumeSource{"/srv/data", ""}, {}}};
  pod.spec.containers[0].volume_mounts = {{"scratch", "/scratch", false}, {"host", "/data", true}};
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  auto cc = MakeContainerConfig(ContainerConfigOf(pod), pod, sb, "node-a");
  ASSERT_TRUE(cc.ok()) << cc.error().message;
  ASSERT_EQ(cc->mounts_size(), 2);
  EXPECT_EQ(cc->mounts(0).container_path(), "/scratch");
  EXPECT_EQ(cc->mounts(0).host_path(),
            sb.log_directory() + "/volumes/kubernetes.io~empty-dir/scratch");
  EXPECT_EQ(cc->mounts(0).host_path(), EmptyDirPath(sb, "scratch"));
  EXPECT_FALSE(cc->mounts(0).readonly());
  EXPECT_EQ(cc->mounts(1).container_path(), "/data");
  EXPECT_EQ(cc->mounts(1).host_path(), "/srv/data");
  EXPECT_TRUE(cc->mounts(1).readonly());
  EXPECT_EQ(cc->mounts(1).propagation(), v1::PROPAGATION_PRIVATE);
}

TEST(MakeContainerConfigTest, RefusesAMountOfAMissingOrUnsupportedVolume) {
  api::Pod pod = TestPod();
  pod.spec.containers[0].volume_mounts = {{"nope", "/x", false}};
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  auto cc = MakeContainerConfig(ContainerConfigOf(pod), pod, sb, "node-a");
  ASSERT_FALSE(cc.ok());
  EXPECT_NE(cc.error().message.find("nope"), std::string::npos) << cc.error().message;
  pod.spec.volumes = {{"nope", std::nullopt, std::nullopt, {"configMap"}}};
  cc = MakeContainerConfig(ContainerConfigOf(pod), pod, sb, "node-a");
  ASSERT_FALSE(cc.ok());
  EXPECT_EQ(cc.error().message, "volume nope: only emptyDir and hostPath volumes are supported");
}

TEST(MakePodSandboxConfigTest, PrivilegedWithAPrivilegedContainerAndRuntimeDefaultSeccomp) {
  api::Pod pod = TestPod();
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  EXPECT_FALSE(sb.linux().security_context().privileged());
  EXPECT_EQ(sb.linux().security_context().seccomp().profile_type(),
            v1::SecurityProfile::RuntimeDefault);
  pod.spec.containers[0].security_context = api::SecurityContext{};
  pod.spec.containers[0].security_context->privileged = true;
  sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  EXPECT_TRUE(sb.linux().security_context().privileged());
}

TEST(MakeContainerConfigTest, ResourcesAndSecurityContextAreMapped) {
  api::Pod pod = TestPod();
  api::Container& c = pod.spec.containers[0];
  c.resources.limits["cpu"] = *api::ParseQuantity("500m");
  c.resources.limits["memory"] = *api::ParseQuantity("64Mi");
  c.security_context = api::SecurityContext{};
  c.security_context->read_only_root_filesystem = true;
  pod.spec.security_context = api::PodSecurityContext{1000, std::nullopt, std::nullopt};
  v1::PodSandboxConfig sb = MakePodSandboxConfig(SandboxConfigOf(pod), Options());
  auto cc = MakeContainerConfig(ContainerConfigOf(pod), pod, sb, "node-a", int64_t{1} << 33);
  ASSERT_TRUE(cc.ok());
  EXPECT_EQ(cc->linux().resources().cpu_shares(), 512);
  EXPECT_EQ(cc->linux().resources().cpu_quota(), 50000);
  EXPECT_EQ(cc->linux().resources().cpu_period(), 100000);
  EXPECT_EQ(cc->linux().resources().memory_limit_in_bytes(), 64 << 20);
  EXPECT_TRUE(cc->linux().security_context().readonly_rootfs());
  EXPECT_EQ(cc->linux().security_context().run_as_user().value(), 1000);
  EXPECT_EQ(cc->linux().security_context().seccomp().profile_type(),
            v1::SecurityProfile::Unconfined);
}

}  // namespace
}  // namespace probelet::runtime::cri
