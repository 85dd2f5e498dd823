// `probelet validate`'s arguments and output, without a process.
#include "cli/validate_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/uid.h"

namespace probelet::cli {
namespace {

using ::testing::HasSubstr;

TEST(ValidateArgsTest, PathsIncludingStdinAndAfterDoubleDash) {
  std::vector<std::string> paths;
  EXPECT_EQ(ParseValidateArgs({"validate", "a.yaml", "-", "--", "--b.yaml"}, paths), std::nullopt);
  EXPECT_EQ(paths, (std::vector<std::string>{"a.yaml", "-", "--b.yaml"}));
}

TEST(ValidateArgsTest, HelpAndUsageErrors) {
  std::vector<std::string> paths;
  auto help = ParseValidateArgs({"validate", "-h"}, paths);
  ASSERT_TRUE(help);
  EXPECT_EQ(help->code, 0);
  EXPECT_THAT(help->out,
              ::testing::StartsWith(
                  "usage: probelet validate FILE_OR_DIR... [--container-runtime-endpoint"));
  auto none = ParseValidateArgs({"validate"}, paths);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->code, 2);
  EXPECT_THAT(none->err, ::testing::StartsWith("probelet validate: FILE_OR_DIR is required"));
  auto bogus = ParseValidateArgs({"validate", "p.yaml", "--bogus"}, paths);
  ASSERT_TRUE(bogus);
  EXPECT_EQ(bogus->code, 2);
  EXPECT_THAT(bogus->err, HasSubstr("--bogus"));
}

api::LoadResult Load(std::string_view yaml) {
  api::UidGenerator uids(1);
  return api::LoadPodsFromText(yaml, api::ManifestFormat::kYaml, "pod.yaml", uids);
}

TEST(ValidateOutputTest, ValidPodsExitZeroWithOnlyTheSummary) {
  CommandOutput o =
      ValidateOutput(Load("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
                          "  - {name: c, command: [sleep, '1']}\n"));
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "1 pod(s) valid, 0 error(s), 0 warning(s)\n");
}

TEST(ValidateOutputTest, OneLinePerProblemAndExitOneOnAnError) {
  CommandOutput o = ValidateOutput(Load(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
      "  - {name: c, command: [sleep, '1'], livenesProbe: {}}\n  - {name: c, command: [x]}\n"));
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.out,
            "pod.yaml: pod \"a\": warning: unknown field \"spec.containers[0].livenesProbe\"\n"
            "pod.yaml: pod \"a\": spec.containers[1].name: Duplicate value: \"c\"\n");
  EXPECT_EQ(o.err, "0 pod(s) valid, 1 error(s), 1 warning(s)\n");
}

TEST(ValidateOutputTest, WithAContainerRuntimeEndpointTheCriRulesApply) {
  std::vector<std::string> paths;
  api::ValidationOptions validation;
  EXPECT_EQ(ParseValidateArgs({"validate", "p.yaml"}, paths, validation), std::nullopt);
  EXPECT_FALSE(validation.container_runtime);
  EXPECT_EQ(ParseValidateArgs({"validate", "p.yaml", "--container-runtime-endpoint", "unix:///c"},
                              paths, validation),
            std::nullopt);
  EXPECT_TRUE(validation.container_runtime);

  // An image without a command is what a CRI runtime runs; a process needs the command. A
  // configMap volume is refused only for the CRI runtime, with its field named.
  constexpr std::string_view kPod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
      "  - {name: c, image: 'localhost/app:1'}\n"
      "  volumes:\n  - {name: cfg, configMap: {name: x}}\n";
  api::UidGenerator uids(1);
  CommandOutput process =
      ValidateOutput(api::LoadPodsFromText(kPod, api::ManifestFormat::kYaml, "pod.yaml", uids));
  EXPECT_EQ(process.code, 1);
  EXPECT_THAT(process.out, HasSubstr("spec.containers[0].command: Required value"));
  CommandOutput cri = ValidateOutput(
      api::LoadPodsFromText(kPod, api::ManifestFormat::kYaml, "pod.yaml", uids, {}, validation));
  EXPECT_EQ(cri.code, 1);
  EXPECT_THAT(cri.out, ::testing::Not(HasSubstr("command")));
  EXPECT_THAT(cri.out, HasSubstr("spec.volumes[0]"));
}

TEST(ValidateOutputTest, AReadErrorExitsTwo) {
  api::LoadResult r;
  r.read_error = true;
  EXPECT_EQ(ValidateOutput(r).code, 2);
}

}  // namespace
}  // namespace probelet::cli
