// LoadPods: files, directories, defaults and validation together; what `validate` and `run`
// share. Also: the examples/ manifests load cleanly.
#include "api/manifest_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/api_fixtures.h"

namespace probelet::api {
namespace {

namespace fs = std::filesystem;
using testing::TestdataPath;

std::vector<std::string> Lines(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.ToString());
  return out;
}

// A fresh directory under the build's temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "probelet-api-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr const char* kPod = R"(apiVersion: v1
kind: Pod
metadata: {name: NAME}
spec:
  containers: [{name: a, command: [sleep, "60"]}]
)";
std::string PodYaml(const std::string& name) {
  std::string s = kPod;
  return s.replace(s.find("NAME"), 4, name);
}

TEST(ManifestLoaderTest, ExamplesValidateCleanly) {
  std::string dir = std::string(PROBELET_SOURCE_DIR) + "/examples";
  std::vector<std::string> paths = {dir};
  // The demo's manifests (helper "kubelet" owns them) too, once there are some.
  for (const auto& e : fs::directory_iterator(dir + "/demo")) {
    std::string ext = e.path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") paths.push_back(e.path().string());
  }
  UidGenerator uids(1);
  LoadResult r = LoadPods(paths, uids);
  EXPECT_TRUE(Lines(r).empty()) << ::testing::PrintToString(Lines(r));
  EXPECT_FALSE(r.has_errors());
  EXPECT_GE(r.pods.size(), 3u);
}

TEST(ManifestLoaderTest, FullTestdataPodIsValidAndDefaulted) {
  UidGenerator uids(1);
  LoadResult r = LoadPods(
      {TestdataPath("full_pod.yaml"), TestdataPath("pod.json"), TestdataPath("anchors.yaml")},
      uids);
  EXPECT_TRUE(Lines(r).empty()) << ::testing::PrintToString(Lines(r));
  ASSERT_EQ(r.pods.size(), 3u);
  const Pod& full = r.pods[0].pod;
  EXPECT_EQ(full.status, PodStatus{});  // a manifest's status is not an input
  EXPECT_EQ(full.metadata.uid, "0b6f1a1e-8f7c-4d2a-9c1e-2f3a4b5c6d7e");
  const Pod& json_pod = r.pods[1].pod;
  EXPECT_EQ(r.pods[1].source, TestdataPath("pod.json"));
  EXPECT_EQ(json_pod.metadata.namespace_, "default");
  EXPECT_EQ(json_pod.metadata.uid.size(), 36u);
  const Probe& ready = *json_pod.spec.containers[0].readiness_probe;
  EXPECT_EQ(ready.handler.http_get->path, "/");
  EXPECT_EQ(ready.failure_threshold, 3);
  EXPECT_EQ(r.pods[2].pod.spec.containers[1].readiness_probe->period_seconds, 7);
}

TEST(ManifestLoaderTest, DirectoryReadsManifestFilesInNameOrder) {
  TempDir dir;
  dir.Write("b.yml", PodYaml("b"));
  dir.Write("a.yaml", PodYaml("a"));
  dir.Write("c.json", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"},)"
                      R"("spec":{"containers":[{"name":"a","command":["x"]}]}})");
  dir.Write("notes.txt", "not a manifest");
  dir.Write(".hidden.yaml", "garbage: [");
  fs::create_directory(dir.path() + "/sub.yaml");
  UidGenerator uids(1);
  LoadResult r = LoadPods({dir.path()}, uids);
  EXPECT_TRUE(Lines(r).empty()) << ::testing::PrintToString(Lines(r));
  ASSERT_EQ(r.pods.size(), 3u);
  EXPECT_EQ(r.pods[0].pod.metadata.name, "a");
  EXPECT_EQ(r.pods[1].pod.metadata.name, "b");
  EXPECT_EQ(r.pods[2].pod.metadata.name, "c");
}

TEST(ManifestLoaderTest, EmptyDirectoryIsAWarning) {
  TempDir dir;
  UidGenerator uids(1);
  LoadResult r = LoadPods({dir.path()}, uids);
  EXPECT_FALSE(r.has_errors());
  EXPECT_EQ(Lines(r), std::vector<std::string>{
                          dir.path() + ": warning: no manifests (*.yaml, *.yml, *.json) in this "
                                       "directory"});
}

TEST(ManifestLoaderTest, MissingFileIsAReadError) {
  UidGenerator uids(1);
  LoadResult r = LoadPods({"/nonexistent/pod.yaml"}, uids);
  EXPECT_TRUE(r.read_error);
  EXPECT_TRUE(r.has_errors());
  EXPECT_EQ(Lines(r), std::vector<std::string>{
                          "/nonexistent/pod.yaml: cannot read: No such file or directory"});
}

TEST(ManifestLoaderTest, OversizedFileIsRefusedWithoutReadingItAll) {
  TempDir dir;
  std::string path = dir.Write("big.yaml", std::string(2000, '#'));
  ParseLimits limits;
  limits.max_bytes = 1000;
  UidGenerator uids(1);
  LoadResult r = LoadPods({path}, uids, limits);
  EXPECT_FALSE(r.read_error);
  EXPECT_EQ(Lines(r),
            std::vector<std::string>{path + ": too large (1001 bytes; the limit is 1000)"});
}

TEST(ManifestLoaderTest, ValidationErrorsAreReportedPerPodAndInvalidPodsDropped) {
  UidGenerator uids(1);
  LoadResult r = LoadPods({TestdataPath("invalid_probes.yaml")}, uids);
  std::string src = TestdataPath("invalid_probes.yaml") + ": pod \"invalid\": ";
  EXPECT_EQ(Lines(r),
            (std::vector<std::string>{
                src + "warning: unknown field \"spec.containers[0].livenesProbe\"",
                src + "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must "
                      "be 1",
                src + "spec.containers[0].readinessProbe: Required value: must specify a handler "
                      "type",
                src + "spec.containers[1].name: Duplicate value: \"web\""}));
  EXPECT_TRUE(r.pods.empty());
}

TEST(ManifestLoaderTest, DecodeErrorsDoNotHideOtherValidationErrorsNorRepeat) {
  UidGenerator uids(1);
  LoadResult r = LoadPodsFromText(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec:\n  containers:\n"
      "  - name: a\n    command: [x]\n    ports: [{containerPort: \"80\"}]\n",
      ManifestFormat::kYaml, "p.yaml", uids);
  auto lines = Lines(r);
  ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0],
            "p.yaml: pod \"Bad_Name\": spec.containers[0].ports[0].containerPort: Invalid value: "
            "\"80\": expected an integer, got a string");
  EXPECT_EQ(lines[1].rfind("p.yaml: pod \"Bad_Name\": metadata.name: Invalid value", 0), 0u);
  EXPECT_TRUE(r.pods.empty());
}

TEST(ManifestLoaderTest, DocumentWithoutKindGetsNoPodValidation) {
  UidGenerator uids(1);
  LoadResult r =
      LoadPodsFromText("apiVersion: v1\nfoo: 1\n", ManifestFormat::kYaml, "k.yaml", uids);
  EXPECT_EQ(Lines(r), (std::vector<std::string>{
                          "k.yaml: document 1 (line 1): warning: unknown field \"foo\"",
                          "k.yaml: document 1 (line 1): kind: Required value: must be \"Pod\""}));
}

TEST(ManifestLoaderTest, KubectlGetOutputLoadsWithOnlyTheMeaningfulWarnings) {
  UidGenerator uids(1);
  std::string path = TestdataPath("kubectl_get_output.yaml");
  LoadResult r = LoadPods({path}, uids);
  // volumes and volumeMounts are decoded (the CRI runtime mounts them; validation for it
  // refuses the projected volume), so nothing is left to warn about.
  EXPECT_EQ(Lines(r), std::vector<std::string>{});
  ASSERT_EQ(r.pods.size(), 1u);
  EXPECT_EQ(r.pods[0].pod.metadata.uid, "4f7d3c1a-2b9e-4c8d-9f0a-1b2c3d4e5f60");
  EXPECT_EQ(r.pods[0].pod.status, PodStatus{});
}

TEST(ManifestLoaderTest, SamePodNameTwiceIsAnErrorOnTheSecond) {
  TempDir dir;
  std::string a = dir.Write("a.yaml", PodYaml("web"));
  std::string b = dir.Write("b.yaml", PodYaml("web"));
  UidGenerator uids(1);
  LoadResult r = LoadPods({a, b}, uids);
  EXPECT_EQ(Lines(r), std::vector<std::string>{
                          b +
                          ": pod \"web\": metadata.name: Duplicate value: \"web\": a pod of "
                          "this name is already in namespace \"default\" (" +
                          a + ")"});
  ASSERT_EQ(r.pods.size(), 1u);
  EXPECT_EQ(r.pods[0].source, a);
}

TEST(ManifestLoaderTest, GeneratedUidsComeFromTheInjectedGenerator) {
  UidGenerator a(7), b(7);
  LoadResult ra = LoadPodsFromText(PodYaml("x"), ManifestFormat::kYaml, "x", a);
  LoadResult rb = LoadPodsFromText(PodYaml("x"), ManifestFormat::kYaml, "x", b);
  ASSERT_EQ(ra.pods.size(), 1u);
  EXPECT_EQ(ra.pods[0].pod.metadata.uid, rb.pods[0].pod.metadata.uid);
}

// Inputs the fuzzer found, kept as regression seeds: each ends with an error, in bounded time.
TEST(ManifestLoaderTest, FuzzRegressionInputsEndWithAnError) {
  for (const char* name : {"fuzz_yamlcpp_event_loop.yaml", "fuzz_time_overflow.yaml"}) {
    UidGenerator uids(1);
    LoadResult r = LoadPods({TestdataPath(name)}, uids);
    EXPECT_TRUE(r.has_errors()) << name;
  }
}

}  // namespace
}  // namespace probelet::api
