// The container security context as the kubelet converts it (security_context.go), the sandbox's
// privileged flag, and verifyRunAsNonRoot's messages.
#include "runtime/cri/kuberuntime_security.h"

#include <gtest/gtest.h>

namespace probelet::runtime::cri {
namespace {

api::Pod TestPod(std::optional<api::SecurityContext> sc,
                 std::optional<api::PodSecurityContext> psc = std::nullopt) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "u1";
  api::Container c;
  c.name = "app";
  c.security_context = std::move(sc);
  pod.spec.containers.push_back(c);
  pod.spec.security_context = std::move(psc);
  return pod;
}

v1::NamespaceOption Namespaces() {
  v1::NamespaceOption ns;
  ns.set_network(v1::NODE);
  ns.set_pid(v1::CONTAINER);
  return ns;
}

TEST(MakeContainerSecurityContextTest, EmptyContextGivesTheKubeletDefaults) {
  api::Pod pod = TestPod(std::nullopt);
  auto sc = MakeContainerSecurityContext(pod, pod.spec.containers[0], Namespaces());
  EXPECT_FALSE(sc.has_run_as_user());
  EXPECT_FALSE(sc.has_run_as_group());
  EXPECT_FALSE(sc.privileged());
  EXPECT_FALSE(sc.readonly_rootfs());
  EXPECT_FALSE(sc.no_new_privs());
  EXPECT_FALSE(sc.has_capabilities());
  EXPECT_EQ(sc.seccomp().profile_type(), v1::SecurityProfile::Unconfined);
  EXPECT_EQ(sc.namespace_options().network(), v1::NODE);
  EXPECT_EQ(sc.namespace_options().pid(), v1::CONTAINER);
}

TEST(MakeContainerSecurityContextTest, EveryField) {
  api::SecurityContext c;
  c.run_as_user = 1000;
  c.run_as_group = 3000;
  c.privileged = true;
  c.read_only_root_filesystem = true;
  c.allow_privilege_escalation = false;
  c.capabilities = api::Capabilities{{"NET_ADMIN", "SYS_TIME"}, {"ALL"}};
  api::Pod pod = TestPod(c);
  auto sc = MakeContainerSecurityContext(pod, pod.spec.containers[0], Namespaces());
  EXPECT_EQ(sc.run_as_user().value(), 1000);
  EXPECT_EQ(sc.run_as_group().value(), 3000);
  EXPECT_TRUE(sc.privileged());
  EXPECT_TRUE(sc.readonly_rootfs());
  EXPECT_TRUE(sc.no_new_privs());
  ASSERT_EQ(sc.capabilities().add_capabilities_size(), 2);
  EXPECT_EQ(sc.capabilities().add_capabilities(0), "NET_ADMIN");
  EXPECT_EQ(sc.capabilities().add_capabilities(1), "SYS_TIME");
  ASSERT_EQ(sc.capabilities().drop_capabilities_size(), 1);
  EXPECT_EQ(sc.capabilities().drop_capabilities(0), "ALL");
}

TEST(MakeContainerSecurityContextTest, ContainerOverPod) {
  struct Case {
    const char* name;
    std::optional<int64_t> pod_user, pod_group, user, group;
    std::optional<int64_t> want_user, want_group;
  };
  const Case cases[] = {
      {"pod only", 1, 2, {}, {}, 1, 2},     {"container only", {}, {}, 3, 4, 3, 4},
      {"container wins", 1, 2, 3, 4, 3, 4}, {"mixed", 1, {}, {}, 4, 1, 4},
      {"neither", {}, {}, {}, {}, {}, {}},
  };
  for (const auto& c : cases) {
    api::SecurityContext sc;
    sc.run_as_user = c.user;
    sc.run_as_group = c.group;
    api::Pod pod = TestPod(sc, api::PodSecurityContext{c.pod_user, c.pod_group, std::nullopt});
    auto out = MakeContainerSecurityContext(pod, pod.spec.containers[0], Namespaces());
    EXPECT_EQ(out.has_run_as_user(), c.want_user.has_value()) << c.name;
    EXPECT_EQ(out.run_as_user().value(), c.want_user.value_or(0)) << c.name;
    EXPECT_EQ(out.has_run_as_group(), c.want_group.has_value()) << c.name;
    EXPECT_EQ(out.run_as_group().value(), c.want_group.value_or(0)) << c.name;
  }
}

TEST(AddNoNewPrivilegesTest, OnlyAnExplicitFalse) {
  api::SecurityContext sc;
  EXPECT_FALSE(AddNoNewPrivileges(sc));
  sc.allow_privilege_escalation = true;
  EXPECT_FALSE(AddNoNewPrivileges(sc));
  sc.allow_privilege_escalation = false;
  EXPECT_TRUE(AddNoNewPrivileges(sc));
}

TEST(HasPrivilegedContainerTest, AnyInitOrRegularContainer) {
  api::Pod pod = TestPod(std::nullopt);
  EXPECT_FALSE(HasPrivilegedContainer(pod));
  api::Container init;
  init.security_context = api::SecurityContext{};
  init.security_context->privileged = true;
  pod.spec.init_containers.push_back(init);
  EXPECT_TRUE(HasPrivilegedContainer(pod));
}

TEST(VerifyRunAsNonRootTest, Table) {
  v1::Image root;
  root.mutable_uid()->set_value(0);
  v1::Image user;
  user.mutable_uid()->set_value(1000);
  v1::Image named;
  named.set_username("nobody");
  v1::Image unset;
  struct Case {
    const char* name;
    std::optional<bool> non_root;
    std::optional<int64_t> user;
    const v1::Image* image;
    const char* error;  // "" for none
  };
  const Case cases[] = {
      {"not asked", std::nullopt, std::nullopt, &root, ""},
      {"false", false, 0, &root, ""},
      {"runAsUser 0", true, 0, &user,
       "container's runAsUser breaks non-root policy (pod: \"web_default(u1)\", container: app)"},
      {"runAsUser 1000 over a root image", true, 1000, &root, ""},
      {"image uid 0", true, std::nullopt, &root,
       "container has runAsNonRoot and image will run as root (pod: \"web_default(u1)\", "
       "container: app)"},
      {"image uid 1000", true, std::nullopt, &user, ""},
      {"image user name", true, std::nullopt, &named,
       "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is "
       "non-root (pod: \"web_default(u1)\", container: app)"},
      {"image without a user runs as root", true, std::nullopt, &unset,
       "container has runAsNonRoot and image will run as root (pod: \"web_default(u1)\", "
       "container: app)"},
  };
  for (const auto& c : cases) {
    api::SecurityContext sc;
    sc.run_as_non_root = c.non_root;
    sc.run_as_user = c.user;
    api::Pod pod = TestPod(sc);
    base::Status s = VerifyRunAsNonRoot(pod, pod.spec.containers[0], c.image);
    EXPECT_EQ(s.ok() ? "" : s.error().message, c.error) << c.name;
  }
  // runAsNonRoot from the pod's context applies to the container.
  api::Pod pod = TestPod(std::nullopt, api::PodSecurityContext{std::nullopt, std::nullopt, true});
  EXPECT_FALSE(VerifyRunAsNonRoot(pod, pod.spec.containers[0], &root).ok());
}

}  // namespace
}  // namespace probelet::runtime::cri
