#include "runtime/container_command.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace probelet::runtime {
namespace {

api::EnvVar Var(std::string name, std::string value) {
  return {std::move(name), std::move(value), {}};
}
api::EnvVar FieldRef(std::string name, std::string path) {
  api::EnvVar v;
  v.name = std::move(name);
  v.value_from = api::EnvVarSource{api::ObjectFieldSelector{"v1", std::move(path)}};
  return v;
}

PodContext Pod() { return PodContext{"web-0", "shop", "uid-123", "127.0.0.1"}; }

bool Has(const std::vector<std::string>& env, const std::string& kv) {
  return std::find(env.begin(), env.end(), kv) != env.end();
}

TEST(MakeContainerCommandTest, ExpandsCommandAndArgsFromEnvIncludingFieldRefs) {
  api::Container c;
  c.command = {"/bin/echo", "$(GREETING)"};
  c.args = {"$(POD_NAME).$(POD_NS)", "$(POD_IP)", "$$(GREETING)", "$(MISSING)", "$(UID)"};
  c.env = {Var("GREETING", "hi"), FieldRef("POD_NAME", "metadata.name"),
           FieldRef("POD_NS", "metadata.namespace"), FieldRef("POD_IP", "status.podIP"),
           FieldRef("UID", "metadata.uid")};
  auto cmd = MakeContainerCommand(c, Pod());
  EXPECT_EQ(cmd.argv, (std::vector<std::string>{"/bin/echo", "hi", "web-0.shop", "127.0.0.1",
                                                "$(GREETING)", "$(MISSING)", "uid-123"}));
}

// With a CNI pod network the pod's IP is not the node's: status.hostIP stays the node's.
TEST(MakeContainerCommandTest, HostIPIsTheNodesEvenWhenThePodHasItsOwnIP) {
  api::Container c;
  c.command = {"x"};
  c.env = {FieldRef("POD_IP", "status.podIP"), FieldRef("POD_IPS", "status.podIPs"),
           FieldRef("HOST_IP", "status.hostIP"), FieldRef("HOST_IPS", "status.hostIPs")};
  auto cmd =
      MakeContainerCommand(c, PodContext{"web-0", "shop", "uid-123", "10.88.7.2", "10.0.0.5"});
  EXPECT_TRUE(Has(cmd.env, "POD_IP=10.88.7.2"));
  EXPECT_TRUE(Has(cmd.env, "POD_IPS=10.88.7.2"));
  EXPECT_TRUE(Has(cmd.env, "HOST_IP=10.0.0.5"));
  EXPECT_TRUE(Has(cmd.env, "HOST_IPS=10.0.0.5"));
}

TEST(MakeContainerCommandTest, EnvValuesExpandEarlierVariablesOnlyAndLaterNamesWin) {
  api::Container c;
  c.command = {"x"};
  c.env = {Var("A", "a"), Var("B", "$(A)-$(C)"), Var("C", "c"), Var("A", "again")};
  auto cmd = MakeContainerCommand(c, Pod());
  EXPECT_TRUE(Has(cmd.env, "A=again"));
  EXPECT_TRUE(Has(cmd.env, "B=a-$(C)"));  // C was not defined yet
  EXPECT_TRUE(Has(cmd.env, "C=c"));
  EXPECT_EQ(std::count_if(cmd.env.begin(), cmd.env.end(),
                          [](const std::string& kv) { return kv.starts_with("A="); }),
            1);
}

TEST(MakeContainerCommandTest, ProvidesPathHomeHostnameUnlessTheContainerSetsThem) {
  api::Container c;
  c.command = {"x"};
  c.env = {Var("PATH", "/opt/bin")};
  auto cmd = MakeContainerCommand(c, Pod());
  EXPECT_TRUE(Has(cmd.env, "PATH=/opt/bin"));
  EXPECT_EQ(std::count_if(cmd.env.begin(), cmd.env.end(),
                          [](const std::string& kv) { return kv.starts_with("PATH="); }),
            1);
  EXPECT_TRUE(std::any_of(cmd.env.begin(), cmd.env.end(),
                          [](const std::string& kv) { return kv.starts_with("HOME="); }));
  EXPECT_TRUE(std::any_of(cmd.env.begin(), cmd.env.end(),
                          [](const std::string& kv) { return kv.starts_with("HOSTNAME="); }));
}

}  // namespace
}  // namespace probelet::runtime
