// `probelet run DIR` follows the directory (issue 12 §1), the real binary on real files: a file
// added starts its pod, an identical rewrite changes nothing, a spec change is one stop and one
// start under a new UID, an invalid update keeps the old pod (FailedToUpdateManifest, GET
// /manifests), a file renamed in starts, editor temporaries are ignored, a file removed stops
// its pod, a Service file brings its port, and SIGHUP rescans.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "integration/run_harness.h"

namespace probelet::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string PodYaml(const std::string& name, const std::string& seconds = "1000") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         "}\nspec:\n  terminationGracePeriodSeconds: 2\n  containers:\n  - name: app\n"
         "    command: [sleep, '" +
         seconds + "']\n";
}

class RunManifestDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = h_.Path("manifests");
    fs::create_directories(dir_);
  }
  // Writes a file into the directory the way editors save: a temporary, then a rename.
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(h_.Path(".tmp-" + name)) << text;
    fs::rename(h_.Path(".tmp-" + name), dir_ + "/" + name);
  }
  Json PodNamed(const std::string& name) {
    auto body = HttpGet(h_.port(), "/pods");
    if (!body) return nullptr;
    Json list = Json::parse(*body, nullptr, false);
    if (list.is_discarded()) return nullptr;
    for (const auto& p : list.value("items", Json::array())) {
      if (p["metadata"].value("name", "") == name) return p;
    }
    return nullptr;
  }
  std::string UidOf(const std::string& name) {
    Json p = PodNamed(name);
    return p.is_null() ? "" : p["metadata"].value("uid", "");
  }
  bool Running(const std::string& name) {
    Json c = RunHarness::ContainerStatus(PodNamed(name));
    return !c.is_null() && c["state"].contains("running");
  }
  int Count(const std::string& needle) {
    std::string log = h_.Log();
    int n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  }
  Json Manifests() {
    auto body = HttpGet(h_.port(), "/manifests");
    return body ? Json::parse(*body, nullptr, false) : Json();
  }

  RunHarness h_;
  std::string dir_;
};

TEST_F(RunManifestDirTest, PodsFollowTheFilesOfTheDirectory) {
  Write("a.yaml", PodYaml("a"));
  h_.StartPaths({dir_});
  ASSERT_TRUE(h_.WaitFor([&] { return Running("a"); }, 10s)) << h_.Log();
  const std::string uid = UidOf("a");
  EXPECT_EQ(uid.size(), 32u) << "derived from the content, as a static pod's";

  // An identical rewrite: nothing happens.
  Write("a.yaml", PodYaml("a"));
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(UidOf("a"), uid);
  EXPECT_EQ(Count("\"msg\":\"pod added\""), 1);

  // A changed spec: the old pod stops, then the new one (a new UID) starts.
  Write("a.yaml", PodYaml("a", "2000"));
  ASSERT_TRUE(h_.WaitFor([&] { return UidOf("a") != uid && Running("a"); }, 10s)) << h_.Log();
  EXPECT_EQ(Count("\"msg\":\"pod removed: stopping it\""), 1);
  EXPECT_EQ(Count("\"msg\":\"pod added\""), 2);
  Json p = PodNamed("a");
  EXPECT_EQ(p["spec"]["containers"][0]["command"][1], "2000");

  // Editor temporaries and other names are ignored.
  std::ofstream(dir_ + "/.a.yaml.swp") << PodYaml("swap");
  std::ofstream(dir_ + "/a.yaml~") << PodYaml("backup");
  // A file renamed into the directory from outside starts its pod.
  std::ofstream(h_.Path("b.yaml")) << PodYaml("b");
  fs::rename(h_.Path("b.yaml"), dir_ + "/b.yaml");
  ASSERT_TRUE(h_.WaitFor([&] { return Running("b"); }, 10s)) << h_.Log();
  EXPECT_TRUE(PodNamed("swap").is_null());
  EXPECT_TRUE(PodNamed("backup").is_null());

  // A removed file: its pod stops and is forgotten.
  fs::remove(dir_ + "/b.yaml");
  ASSERT_TRUE(h_.WaitFor([&] { return PodNamed("b").is_null(); }, 10s)) << h_.Log();
  EXPECT_FALSE(PodNamed("a").is_null());
  EXPECT_EQ(h_.SignalAndWait(SIGTERM, 20s), 0);
}

TEST_F(RunManifestDirTest, AnInvalidUpdateKeepsTheRunningPodAndSaysWhy) {
  Write("a.yaml", PodYaml("a"));
  Write("never.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: never}\n");
  h_.StartPaths({dir_});
  ASSERT_TRUE(h_.WaitFor([&] { return Running("a"); }, 10s)) << h_.Log();
  const std::string uid = UidOf("a");
  Write("a.yaml", PodYaml("a") + "  restartPolicy: Sometimes\n");
  ASSERT_TRUE(h_.WaitFor(
      [&] {
        for (const auto& e : h_.Events()) {
          if (e.value("reason", "") == "FailedToUpdateManifest") return true;
        }
        return false;
      },
      10s))
      << h_.Log();
  EXPECT_EQ(UidOf("a"), uid);
  EXPECT_TRUE(Running("a"));
  Json files = Manifests();
  ASSERT_EQ(files["items"].size(), 2u) << files.dump();
  Json a = files["items"][0];
  EXPECT_EQ(a["status"], "error");
  EXPECT_THAT(a["errors"][0].get<std::string>(), HasSubstr("spec.restartPolicy"));
  EXPECT_EQ(a["pods"][0], "default/a") << "the last valid version runs on";
  Json never = files["items"][1];
  EXPECT_EQ(never["status"], "error");
  EXPECT_TRUE(never["pods"].empty());
  EXPECT_TRUE(PodNamed("never").is_null());
}

TEST_F(RunManifestDirTest, AServiceFileBringsItsPortAndSighupRescans) {
  const int port = FreePort();
  h_.StartPaths({dir_});
  Write("svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n"
        "  selector: {app: web}\n  ports: [{port: " +
            std::to_string(port) + "}]\n");
  ASSERT_TRUE(h_.WaitFor(
      [&] { return HttpGet(h_.port(), "/api/v1/namespaces/default/services/web").has_value(); },
      10s))
      << h_.Log();
  fs::remove(dir_ + "/svc.yaml");
  ASSERT_TRUE(h_.WaitFor(
      [&] { return !HttpGet(h_.port(), "/api/v1/namespaces/default/services/web").has_value(); },
      10s));
  ASSERT_TRUE(h_.child().Signal(SIGHUP).ok());
  ASSERT_TRUE(h_.WaitFor([&] { return Count("received SIGHUP") == 1; }, 5s)) << h_.Log();
  EXPECT_EQ(h_.SignalAndWait(SIGTERM, 20s), 0);
}

// Issue 11 §2: an endpoint of a pod being deleted (its file removed) is terminating, still
// serving while the pod's preStop keeps it up, and not ready: it gets no new connection.
TEST_F(RunManifestDirTest, ADeletedPodsEndpointIsTerminatingWhileItStops) {
  const int service_port = FreePort(), app_port = FreePort();
  Write("svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n"
        "  selector: {app: web}\n  ports: [{port: " +
            std::to_string(service_port) + ", targetPort: " + std::to_string(app_port) + "}]\n");
  Write("web.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\n"
        "spec:\n  terminationGracePeriodSeconds: 5\n  containers:\n  - name: app\n"
        "    command: [sleep, '1000']\n    lifecycle:\n      preStop:\n"
        "        exec: {command: [sleep, '2']}\n");
  h_.StartPaths({dir_});
  auto conditions = [&]() -> Json {
    auto body = HttpGet(h_.port(), "/apis/discovery.k8s.io/v1/endpointslices");
    if (!body) return nullptr;
    Json list = Json::parse(*body, nullptr, false);
    if (list.is_discarded() || list["items"].empty() || list["items"][0]["endpoints"].empty()) {
      return nullptr;
    }
    return list["items"][0]["endpoints"][0]["conditions"];
  };
  ASSERT_TRUE(h_.WaitFor(
      [&] {
        Json c = conditions();
        return !c.is_null() && c.value("ready", false);
      },
      10s))
      << h_.Log();
  fs::remove(dir_ + "/web.yaml");
  ASSERT_TRUE(h_.WaitFor(
      [&] {
        Json c = conditions();
        return !c.is_null() && c.value("terminating", false);
      },
      5s))
      << h_.Log();
  Json c = conditions();
  EXPECT_FALSE(c.value("ready", true));
  EXPECT_TRUE(c.value("serving", false)) << "Ready until its container stops";
  // Once the pod is gone, the Service has no endpoint left.
  ASSERT_TRUE(h_.WaitFor([&] { return conditions().is_null(); }, 15s)) << h_.Log();
}

}  // namespace
}  // namespace probelet::testing
