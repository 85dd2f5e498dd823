// ManifestDirectory on real files in a temporary directory: additions, an unchanged rewrite,
// a changed spec (remove + add with a new UID), removal, an invalid update keeping the old
// version (reported once), a file never valid, name conflicts, editor temporaries, Services.
#include "config/manifest_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "base/virtual_clock.h"
#include "config/static_pod_uid.h"

namespace probelet::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::string PodYaml(const std::string& name, const std::string& arg = "1000") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         "}\nspec:\n  containers:\n  - name: app\n    command: [sleep, '" + arg + "']\n";
}

std::vector<std::string> Names(const std::vector<api::LoadedPod>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p.pod.metadata.name);
  return out;
}
std::vector<std::string> Names(const std::vector<api::Pod>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p.metadata.name);
  return out;
}

class ManifestDirectoryTest : public ::testing::Test {
 protected:
  ManifestDirectoryTest() {
    char tmpl[] = "/tmp/probelet-config-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~ManifestDirectoryTest() override { fs::remove_all(dir_); }

  // Writes `name` (a new inode each time, as an editor's save-by-rename does).
  void Write(const std::string& name, const std::string& text) {
    const std::string tmp = dir_ + "/.tmp-" + name;
    std::ofstream(tmp) << text;
    fs::rename(tmp, dir_ + "/" + name);
  }
  // Rewrites `name` in place (same inode) and moves its mtime on, as `echo > file` does.
  void WriteInPlace(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::trunc) << text;
    const auto path = fs::path(dir_ + "/" + name);
    fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(1));
  }
  ManifestDirectory Make(ManifestDirectoryOptions options = {}) {
    options.dir = dir_;
    options.node_name = "node-1";
    return ManifestDirectory(std::move(options), clock_);
  }

  std::string dir_;
  base::VirtualClock clock_;
};

TEST_F(ManifestDirectoryTest, FirstScanAddsEveryValidFileAndIgnoresTemporaries) {
  Write("a.yaml", PodYaml("a"));
  Write("b.json", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},)"
                  R"("spec":{"containers":[{"name":"app","command":["sleep","1"]}]}})");
  Write("c.yaml~", PodYaml("backup"));
  Write("4913", PodYaml("vim-probe"));
  std::ofstream(dir_ + "/.c.yaml.swp") << PodYaml("swap");
  auto d = Make();
  ConfigUpdate u = d.Scan();
  EXPECT_THAT(Names(u.added), ElementsAre("a", "b"));
  EXPECT_THAT(u.removed, IsEmpty());
  // A derived UID: the content's, as the kubelet's static pods.
  EXPECT_EQ(u.added[0].pod.metadata.uid, StaticPodUid(u.added[0].pod, "node-1", dir_ + "/a.yaml"));
  EXPECT_THAT(u.added[0].pod.metadata.uid, SizeIs(32));
  EXPECT_TRUE(d.Scan().empty()) << "nothing changed";
  EXPECT_THAT(d.Files(), SizeIs(2));
}

TEST_F(ManifestDirectoryTest, AnUnchangedRewriteChangesNothingAndASpecChangeReplacesThePod) {
  Write("a.yaml", PodYaml("a"));
  auto d = Make();
  const std::string uid = d.Scan().added.at(0).pod.metadata.uid;
  Write("a.yaml", PodYaml("a"));  // new inode, same content
  EXPECT_TRUE(d.Scan().empty());
  WriteInPlace("a.yaml", PodYaml("a", "2000"));
  ConfigUpdate u = d.Scan();
  ASSERT_THAT(u.removed, SizeIs(1));
  ASSERT_THAT(u.added, SizeIs(1));
  EXPECT_EQ(u.removed[0].metadata.uid, uid);
  EXPECT_EQ(u.added[0].pod.metadata.name, "a");
  EXPECT_NE(u.added[0].pod.metadata.uid, uid);
}

TEST_F(ManifestDirectoryTest, ARemovedFileRemovesItsPods) {
  Write("a.yaml", PodYaml("a") + "---\n" + PodYaml("a2"));
  auto d = Make();
  EXPECT_THAT(d.Scan().added, SizeIs(2));
  fs::remove(dir_ + "/a.yaml");
  ConfigUpdate u = d.Scan();
  EXPECT_THAT(Names(u.removed), ElementsAre("a", "a2"));
  EXPECT_THAT(d.Files(), IsEmpty());
}

TEST_F(ManifestDirectoryTest, AnInvalidUpdateKeepsTheLastValidVersionAndIsReportedOnce) {
  Write("a.yaml", PodYaml("a"));
  auto d = Make();
  const std::string uid = d.Scan().added.at(0).pod.metadata.uid;
  Write("a.yaml", PodYaml("a") + "  restartPolicy: Sometimes\n");
  ConfigUpdate u = d.Scan();
  EXPECT_THAT(u.removed, IsEmpty());
  EXPECT_THAT(u.added, IsEmpty());
  ASSERT_THAT(u.failed_updates, SizeIs(1));
  EXPECT_EQ(u.failed_updates[0].kept.at(0).metadata.uid, uid);
  EXPECT_THAT(u.failed_updates[0].errors.at(0), HasSubstr("spec.restartPolicy"));
  auto files = d.Files();
  ASSERT_THAT(files, SizeIs(1));
  EXPECT_FALSE(files[0].ok);
  EXPECT_THAT(files[0].pods, ElementsAre("default/a")) << "the old version still runs";
  // Touched again with the same errors: nothing new to say.
  WriteInPlace("a.yaml", PodYaml("a") + "  restartPolicy: Sometimes\n");
  EXPECT_TRUE(d.Scan().empty());
  // Fixed: the file is ok again; the same spec as before changes nothing.
  Write("a.yaml", PodYaml("a"));
  EXPECT_TRUE(d.Scan().empty());
  EXPECT_TRUE(d.Files()[0].ok);
}

TEST_F(ManifestDirectoryTest, AFileNeverValidRunsNothingAndIsListedWithItsErrors) {
  Write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\n");
  auto d = Make();
  ConfigUpdate u = d.Scan();
  EXPECT_THAT(u.added, IsEmpty());
  EXPECT_THAT(u.failed_updates, IsEmpty());
  ASSERT_THAT(u.invalid_files, SizeIs(1));
  auto files = d.Files();
  ASSERT_THAT(files, SizeIs(1));
  EXPECT_FALSE(files[0].ok);
  EXPECT_THAT(files[0].errors, Not(IsEmpty()));
  EXPECT_THAT(files[0].pods, IsEmpty());
}

TEST_F(ManifestDirectoryTest, TheFileSeenFirstKeepsAContestedName) {
  Write("a.yaml", PodYaml("web"));
  auto d = Make();
  EXPECT_THAT(d.Scan().added, SizeIs(1));
  Write("b.yaml", PodYaml("web", "5"));
  ConfigUpdate u = d.Scan();
  EXPECT_THAT(u.added, IsEmpty());
  auto files = d.Files();
  ASSERT_THAT(files, SizeIs(2));
  EXPECT_FALSE(files[1].ok);
  EXPECT_THAT(files[1].errors,
              ElementsAre("pod default/web: already defined in " + dir_ + "/a.yaml"));
  // Once a.yaml is gone, b.yaml may have the name (at the next scan that reads b.yaml).
  fs::remove(dir_ + "/a.yaml");
  WriteInPlace("b.yaml", PodYaml("web", "5"));
  u = d.Scan();
  EXPECT_THAT(Names(u.removed), ElementsAre("web"));
  EXPECT_THAT(Names(u.added), ElementsAre("web"));
}

TEST_F(ManifestDirectoryTest, ReservedNamesAreRefused) {
  Write("a.yaml", PodYaml("cli-pod"));
  ManifestDirectoryOptions options;
  options.reserved_pods = {"default/cli-pod"};
  auto d = Make(options);
  EXPECT_THAT(d.Scan().added, IsEmpty());
  EXPECT_THAT(d.Files()[0].errors.at(0), HasSubstr("already run from a file on the command line"));
}

TEST_F(ManifestDirectoryTest, ServicesComeAndGoByContentWithNodePortsAllocatedAcrossFiles) {
  const std::string svc =
      "apiVersion: v1\nkind: Service\nmetadata: {name: NAME}\nspec:\n"
      "  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80}]\n";
  auto named = [&](const std::string& n) {
    std::string s = svc;
    return s.replace(s.find("NAME"), 4, n);
  };
  Write("a.yaml", named("one"));
  auto d = Make();
  ConfigUpdate u = d.Scan();
  ASSERT_THAT(u.added_services, SizeIs(1));
  EXPECT_EQ(u.added_services[0].service.spec.ports[0].node_port, 30000);
  Write("b.yaml", named("two"));
  u = d.Scan();
  ASSERT_THAT(u.added_services, SizeIs(1));
  EXPECT_EQ(u.added_services[0].service.spec.ports[0].node_port, 30001) << "30000 is a.yaml's";
  // A changed Service is removed and added; an unchanged rewrite is nothing.
  Write("b.yaml", named("two"));
  EXPECT_TRUE(d.Scan().empty());
  Write("b.yaml", named("two") + "  sessionAffinity: ClientIP\n");
  u = d.Scan();
  EXPECT_THAT(u.removed_services, SizeIs(1));
  EXPECT_THAT(u.added_services, SizeIs(1));
}

}  // namespace
}  // namespace probelet::config
