// DecodeManifest: which kinds are run, how each problem is tied to its object.
#include "api/manifest.h"

#include <gtest/gtest.h>

#include "testing/api_fixtures.h"

namespace probelet::api {
namespace {

using testing::ReadTestdata;

std::vector<std::string> Lines(const DecodedManifest& m) {
  std::vector<std::string> out;
  for (const auto& d : m.diagnostics) out.push_back(d.ToString());
  return out;
}

TEST(ManifestTest, MultiDocumentYamlGivesEachPod) {
  auto m = DecodeManifest(ReadTestdata("multi_doc.yaml"), ManifestFormat::kYaml, "multi.yaml");
  EXPECT_TRUE(Lines(m).empty()) << ::testing::PrintToString(Lines(m));
  ASSERT_EQ(m.pods.size(), 2u);
  EXPECT_EQ(m.pods[0].pod.metadata.name, "first");
  EXPECT_EQ(m.pods[1].pod.metadata.name, "second");
  EXPECT_EQ(m.pods[1].object, "pod \"second\"");
}

TEST(ManifestTest, ListOfPods) {
  auto m = DecodeManifest(ReadTestdata("pod_list.yaml"), ManifestFormat::kYaml, "list.yaml");
  EXPECT_FALSE(m.has_errors());
  ASSERT_EQ(m.pods.size(), 2u);
  EXPECT_EQ(m.pods[1].pod.metadata.name, "two");
}

TEST(ManifestTest, PodListItemsNeedNoKind) {
  auto m = DecodeManifest(
      R"({"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "a"}}]})",
      ManifestFormat::kJson, "pods.json");
  EXPECT_FALSE(m.has_errors()) << ::testing::PrintToString(Lines(m));
  ASSERT_EQ(m.pods.size(), 1u);
  EXPECT_EQ(m.pods[0].pod.kind, "Pod");
}

TEST(ManifestTest, JsonPod) {
  auto m = DecodeManifest(ReadTestdata("pod.json"), ManifestFormat::kJson, "pod.json");
  EXPECT_FALSE(m.has_errors());
  ASSERT_EQ(m.pods.size(), 1u);
  EXPECT_EQ(m.pods[0].pod.spec.containers[0].readiness_probe->handler.http_get->port,
            IntOrString::String("http"));
}

TEST(ManifestTest, WorkloadKindsAreRefusedPointingAtTheTemplate) {
  struct Case {
    std::string kind, want;
  } cases[] = {
      {"Deployment", ".spec.template"},
      {"StatefulSet", ".spec.template"},
      {"DaemonSet", ".spec.template"},
      {"ReplicaSet", ".spec.template"},
      {"Job", ".spec.template"},
      {"CronJob", ".spec.jobTemplate.spec.template"},
      {"ReplicationController", ".spec.template"},
  };
  for (const auto& c : cases) {
    auto m = DecodeManifest("apiVersion: apps/v1\nkind: " + c.kind + "\nmetadata: {name: web}\n",
                            ManifestFormat::kYaml, "w.yaml");
    ASSERT_EQ(Lines(m).size(), 1u) << c.kind;
    EXPECT_EQ(Lines(m)[0], "w.yaml: document 1 (line 1): " + c.kind +
                               " \"web\": probelet runs only Pods; take the pod template at " +
                               c.want +
                               ", give it apiVersion: v1, kind: Pod and a metadata.name, and run "
                               "that");
    EXPECT_TRUE(m.pods.empty());
  }
}

TEST(ManifestTest, DeploymentFileFromTestdata) {
  auto m = DecodeManifest(ReadTestdata("deployment.yaml"), ManifestFormat::kYaml, "d.yaml");
  EXPECT_TRUE(m.has_errors());
  EXPECT_NE(Lines(m).at(0).find("Deployment \"web\": probelet runs only Pods"), std::string::npos);
}

TEST(ManifestTest, OtherKindsAreUnsupported) {
  auto m = DecodeManifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n",
                          ManifestFormat::kYaml, "s.yaml");
  EXPECT_EQ(Lines(m),
            std::vector<std::string>{
                "s.yaml: document 1 (line 1): kind: Unsupported value: \"ConfigMap\": "
                "probelet runs only Pods (kind: Pod, or kind: List of Pods) and Services (kind: "
                "Service)"});
}

TEST(ManifestTest, DocumentThatIsNotAnObject) {
  auto m = DecodeManifest("- a\n- b\n", ManifestFormat::kYaml, "l.yaml");
  EXPECT_EQ(Lines(m), std::vector<std::string>{
                          "l.yaml: document 1 (line 1): not an object: a manifest holds a Pod (or "
                          "a List of Pods)"});
}

TEST(ManifestTest, DiagnosticsNameTheFileAndThePod) {
  auto m = DecodeManifest(ReadTestdata("invalid_probes.yaml"), ManifestFormat::kYaml, "bad.yaml");
  EXPECT_EQ(Lines(m), std::vector<std::string>{"bad.yaml: pod \"invalid\": warning: unknown field "
                                               "\"spec.containers[0].livenesProbe\""});
  ASSERT_EQ(m.pods.size(), 1u);  // decoding succeeded; validation reports the rest
}

TEST(ManifestTest, PodWithDecodeErrorsIsKeptWithTheBadPaths) {
  auto m = DecodeManifest(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n"
      "    ports: [{containerPort: \"80\"}]\n",
      ManifestFormat::kYaml, "p.yaml");
  EXPECT_TRUE(m.has_errors());
  ASSERT_EQ(m.pods.size(), 1u);
  EXPECT_EQ(m.pods[0].error_paths,
            std::vector<std::string>{"spec.containers[0].ports[0].containerPort"});
}

TEST(ManifestTest, ParseErrorIsOneDiagnosticForTheFile) {
  auto m = DecodeManifest("a: [\n", ManifestFormat::kYaml, "x.yaml");
  ASSERT_EQ(m.diagnostics.size(), 1u);
  EXPECT_EQ(m.diagnostics[0].source, "x.yaml");
  EXPECT_TRUE(m.has_errors());
}

TEST(ManifestTest, ObjectLimitCountsListItems) {
  ParseLimits limits;
  limits.max_objects = 2;
  auto m = DecodeManifest(ReadTestdata("pod_list.yaml"), ManifestFormat::kYaml, "l.yaml", limits);
  EXPECT_TRUE(m.has_errors());
  EXPECT_EQ(m.pods.size(), 1u);  // the List counts as one object
  EXPECT_NE(Lines(m).back().find("too many objects in one file (more than 2)"), std::string::npos);
}

}  // namespace
}  // namespace probelet::api
