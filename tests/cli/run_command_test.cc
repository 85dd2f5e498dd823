// `probelet run`'s flags and event log fields, without a process.
#include "cli/run_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace probelet::cli {
namespace {

using ::testing::HasSubstr;

TEST(RunFlagsTest, DefaultsAreTheKubeletReadOnlyPortOnLoopbackAndTextLogs) {
  RunFlags flags;
  EXPECT_EQ(ParseRunFlags({"run", "pod.yaml"}, flags), std::nullopt);
  EXPECT_EQ(flags.paths, std::vector<std::string>{"pod.yaml"});
  EXPECT_EQ(flags.api, "127.0.0.1:10255");
  EXPECT_FALSE(flags.api_allow_remote);
  EXPECT_FALSE(flags.json);
  EXPECT_EQ(flags.state_dir, DefaultStateDir());
}

TEST(RunFlagsTest, TakesEveryFlagInBothSpellingsAndPathsAnywhere) {
  RunFlags flags;
  EXPECT_EQ(ParseRunFlags({"run", "a.yaml", "--state-dir", "/s", "--api=0.0.0.0:0", "b",
                           "--api-allow-remote", "--log-format=json", "--", "--odd-name.yaml"},
                          flags),
            std::nullopt);
  EXPECT_EQ(flags.paths, (std::vector<std::string>{"a.yaml", "b", "--odd-name.yaml"}));
  EXPECT_EQ(flags.state_dir, "/s");
  EXPECT_EQ(flags.api, "0.0.0.0:0");
  EXPECT_TRUE(flags.api_allow_remote);
  EXPECT_TRUE(flags.json);
}

TEST(RunFlagsTest, AFlagGivenTwiceTakesItsLastValue) {
  RunFlags flags;
  EXPECT_EQ(ParseRunFlags({"run", "p", "--api", "127.0.0.1:1", "--api", "127.0.0.1:0",
                           "--log-format", "json", "--log-format", "text"},
                          flags),
            std::nullopt);
  EXPECT_EQ(flags.api, "127.0.0.1:0");
  EXPECT_FALSE(flags.json);
}

TEST(RunFlagsTest, ContainerRuntimeFlagsAndTheirDefaults) {
  RunFlags defaults;
  EXPECT_EQ(ParseRunFlags({"run", "p"}, defaults), std::nullopt);
  EXPECT_EQ(defaults.container_runtime_endpoint, "");
  EXPECT_FALSE(defaults.cni_network);
  EXPECT_FALSE(defaults.direct_exec_probes);
  EXPECT_EQ(defaults.cgroup_root, "/probelet");

  RunFlags flags;
  EXPECT_EQ(ParseRunFlags({"run", "p", "--container-runtime-endpoint", "unix:///c.sock",
                           "--pod-network=cni", "--exec-probes", "direct", "--cgroup-root", "/t"},
                          flags),
            std::nullopt);
  EXPECT_EQ(flags.container_runtime_endpoint, "unix:///c.sock");
  EXPECT_TRUE(flags.cni_network);
  EXPECT_TRUE(flags.direct_exec_probes);
  EXPECT_EQ(flags.cgroup_root, "/t");
}

TEST(RunFlagsTest, RuntimeInstanceNameIsStablePerStateDirAndTellsDirsApart) {
  EXPECT_EQ(RuntimeInstanceName("/var/lib/probelet"), RuntimeInstanceName("/var/lib/probelet/"));
  EXPECT_NE(RuntimeInstanceName("/var/lib/probelet"), RuntimeInstanceName("/tmp/probelet"));
  EXPECT_THAT(RuntimeInstanceName("/x"), ::testing::MatchesRegex("probelet-[0-9a-f]{12}"));
}

TEST(RunFlagsTest, ApiNoneIsKept) {
  RunFlags flags;
  EXPECT_EQ(ParseRunFlags({"run", "--api", "none", "p"}, flags), std::nullopt);
  EXPECT_EQ(flags.api, "none");
}

TEST(RunFlagsTest, HelpGoesToStdoutWithEveryFlagAndExitsZero) {
  RunFlags flags;
  auto exit = ParseRunFlags({"run", "--help"}, flags);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 0);
  EXPECT_EQ(exit->err, "");
  EXPECT_THAT(exit->out, ::testing::StartsWith("usage: probelet run FILE_OR_DIR..."));
  for (const char* flag :
       {"--state-dir", "--api ", "--api-allow-remote", "--log-format",
        "--container-runtime-endpoint", "--pod-network", "--exec-probes", "--cgroup-root"}) {
    EXPECT_THAT(exit->out, HasSubstr(flag));
  }
  EXPECT_THAT(exit->out, HasSubstr("a second signal kills every container"));
}

// Each usage error is exit 2 with a message on stderr that names what was wrong.
TEST(RunFlagsTest, UsageErrorsNameTheFlagAndExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {{"run"}, "FILE_OR_DIR is required"},
           {{"run", "p", "--bogus"}, "--bogus"},
           {{"run", "p", "--log-format", "xml"}, "--log-format"},
           {{"run", "p", "--state-dir"}, "--state-dir"},
           {{"run", "p", "--api"}, "--api"},
           {{"run", "p", "--pod-network", "cni"}, "--container-runtime-endpoint"},
           {{"run", "p", "--exec-probes", "direct"}, "--container-runtime-endpoint"},
           {{"run", "p", "--container-runtime-endpoint", "unix:///x", "--pod-network", "bridge"},
            "--pod-network"},
           {{"run", "p", "--container-runtime-endpoint", "unix:///x", "--exec-probes", "ssh"},
            "--exec-probes"},
       }) {
    RunFlags flags;
    auto exit = ParseRunFlags(c.args, flags);
    ASSERT_TRUE(exit) << c.args.back();
    EXPECT_EQ(exit->code, 2) << c.args.back();
    EXPECT_EQ(exit->out, "");
    EXPECT_THAT(exit->err, ::testing::StartsWith("probelet run: ")) << c.args.back();
    EXPECT_THAT(exit->err, HasSubstr(c.names)) << exit->err;
    EXPECT_THAT(exit->err, HasSubstr("usage: probelet run"));
  }
}

TEST(EventLogFieldsTest, NamesThePodTheContainerOfTheFieldPathAndTheReason) {
  api::Event e;
  e.involved_object.namespace_ = "default";
  e.involved_object.name = "web";
  e.involved_object.field_path = "spec.containers{app}";
  e.reason = "Unhealthy";
  e.count = 1;
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(EventLogFields(e),
            (Fields{{"pod", "default/web"}, {"container", "app"}, {"reason", "Unhealthy"}}));
  e.count = 3;
  e.involved_object.field_path = "";
  EXPECT_EQ(
      EventLogFields(e),
      (Fields{{"pod", "default/web"}, {"container", ""}, {"reason", "Unhealthy"}, {"count", "3"}}));
}

}  // namespace
}  // namespace probelet::cli
