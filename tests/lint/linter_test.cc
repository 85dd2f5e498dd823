// The linter as a whole: every container and sidecar is checked, findings carry their file,
// line, pod and container, and codes are silenced by --disable or the pod's annotation.
#include "lint/linter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/testing/lint_yaml.h"

namespace probelet::lint {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LintYaml;
using testing::PodYaml;

// Line numbers matter here: the livenessProbe of "app" is on line 11, the sidecar's
// readinessProbe on line 18.
constexpr const char* kTwoContainers = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: app
    command: [sleep, "1000"]
    ports: [{containerPort: 8080}]
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
  initContainers:
  - name: proxy
    restartPolicy: Always
    command: [sleep, "1000"]
    readinessProbe:
      exec:
        command: [sh, -c, "sleep 5"]
)";

TEST(LinterTest, FindingsCarryFileLinePodAndContainer) {
  auto report = LintYaml(kTwoContainers);
  ASSERT_THAT(Codes(report), ElementsAre("PL004", "PL008"));  // in the order of the file
  const Finding& sidecar = report.findings[1];
  EXPECT_EQ(sidecar.file, "pod.yaml");
  EXPECT_EQ(sidecar.line, 18);
  EXPECT_EQ(sidecar.namespace_, "shop");
  EXPECT_EQ(sidecar.pod, "web");
  EXPECT_EQ(sidecar.container, "proxy");
  EXPECT_EQ(sidecar.field, "spec.initContainers[0].readinessProbe");
  EXPECT_EQ(report.findings[0].line, 11);
  EXPECT_EQ(report.findings[0].container, "app");
  EXPECT_THAT(report.findings[0].ToString(),
              ::testing::StartsWith("pod.yaml:11: shop/web/app: PL004 warning: no startupProbe"));
  EXPECT_EQ(report.pods, 1u);
  EXPECT_EQ(report.warnings(), 2u);
}

TEST(LinterTest, DisabledCodesAreNotReported) {
  LintOptions options;
  options.disabled = {"PL004"};
  EXPECT_THAT(Codes(LintYaml(kTwoContainers, options)), ElementsAre("PL008"));
  options.disabled = {"PL004", "PL008"};
  EXPECT_THAT(Codes(LintYaml(kTwoContainers, options)), IsEmpty());
}

TEST(LinterTest, AnnotationSilencesCodesForThatPodOnly) {
  std::string annotated = kTwoContainers;
  annotated.replace(annotated.find("  namespace: shop\n"), 0,
                    "  annotations:\n    probelet.dev/lint-disable: \"PL004, PL008\"\n");
  std::string other = kTwoContainers;
  other.replace(other.find("name: web"), 9, "name: api");
  auto report = LintYaml(annotated + "---\n" + other);
  ASSERT_THAT(Codes(report), ElementsAre("PL004", "PL008"));
  EXPECT_EQ(report.findings[1].pod, "api");
  // The first document is 22 lines (20 + 2 of annotation), then `---`: line 18 of the second.
  EXPECT_EQ(report.findings[1].line, 22 + 1 + 18);
  EXPECT_EQ(report.pods, 2u);
}

TEST(LinterTest, AnnotationWithAnUnknownCodeIsAnInfo) {
  auto report = LintYaml(PodYaml("", "").replace(
      std::string("apiVersion: v1\n").size() + std::string("kind: Pod\nmetadata:\n").size(), 0,
      "  annotations: {probelet.dev/lint-disable: PL04}\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL000"));
  EXPECT_EQ(report.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(report.findings[0].line, 4);
  EXPECT_THAT(report.findings[0].message, HasSubstr("names \"PL04\", which is no lint code"));
}

TEST(LinterTest, PodsOfAListHaveTheirItemsLines) {
  constexpr const char* kList = R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: one}
  spec:
    containers:
    - name: c
      command: [sleep, "1"]
      readinessProbe: {exec: {command: [sleep, "9"]}}
)";
  auto report = LintYaml(kList);
  ASSERT_THAT(Codes(report), ElementsAre("PL008"));
  EXPECT_EQ(report.findings[0].line, 11);
}

TEST(LinterTest, JsonManifestsHaveLinesToo) {
  constexpr const char* kJson = R"({
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "j"},
  "spec": {"containers": [{
    "name": "c",
    "command": ["sleep", "1"],
    "readinessProbe": {"exec": {"command": ["sleep", "9"]}}
  }]}
})";
  api::UidGenerator uids(1);
  auto loaded = api::LoadPodsFromText(kJson, api::ManifestFormat::kJson, "p.json", uids);
  SourceLines lines;
  lines.AddFile("p.json", kJson);
  auto report = Lint(loaded, lines);
  ASSERT_THAT(Codes(report), ElementsAre("PL008"));
  EXPECT_EQ(report.findings[0].line, 8);
}

TEST(LinterTest, InvalidPodsAreNotLinted) {
  api::UidGenerator uids(1);
  std::string yaml =
      PodYaml("    readinessProbe: {exec: {command: [sleep, \"9\"]}, periodSeconds: -1}\n");
  auto loaded = api::LoadPodsFromText(yaml, api::ManifestFormat::kYaml, "pod.yaml", uids);
  ASSERT_TRUE(loaded.has_errors());
  SourceLines lines;
  lines.AddFile("pod.yaml", yaml);
  auto report = Lint(loaded, lines);
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_EQ(report.pods, 0u);
}

}  // namespace
}  // namespace probelet::lint
