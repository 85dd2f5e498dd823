// The dashboard in a real browser (issue 14 §3): the real `probelet run` with a Service and
// three pods, one of whose readiness the test flips, and Debian's headless Chromium driven by
// tests/integration/browser/dashboard_check.mjs (playwright-core, pinned in its
// package-lock.json). The page must list the pods, show the flip in the pod's readiness
// timeline within 2 s of the attempt that saw it, show the Unhealthy event and the Service's
// endpoints, and log no console error. The screenshot is left in the build directory
// (test-artifacts/dashboard.png).
//
// Node, /usr/bin/chromium and the npm package are installed by `make deps`; without them this
// test fails and says so, rather than passing without having looked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "integration/run_harness.h"
#include "integration/testing/kubectl_env.h"

namespace probelet::testing {
namespace {

namespace fs = std::filesystem;
using integration::RunCommand;

const std::string kBrowserDir = std::string(PROBELET_SOURCE_DIR) + "/tests/integration/browser";

// What is missing to run a browser test, or "" when nothing is.
std::string MissingBrowserTools() {
  std::string missing;
  if (std::system("command -v node >/dev/null 2>&1") != 0) missing += " node (package nodejs);";
  if (!fs::exists("/usr/bin/chromium")) missing += " /usr/bin/chromium (package chromium);";
  if (!fs::exists(kBrowserDir + "/node_modules/playwright-core/package.json")) {
    missing += " " + kBrowserDir + "/node_modules (npm ci);";
  }
  return missing;
}

std::string Manifest(const RunHarness& h, int service_port) {
  std::string m =
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n"
      "  selector: {app: web}\n  ports:\n  - {name: http, port: " +
      std::to_string(service_port) + ", targetPort: http}\n";
  for (const std::string name : {"web-a", "web-b"}) {
    m += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         ", labels: {app: web}}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n"
         "  - name: app\n    image: local\n    command: [/bin/sh, -c, 'exec sleep 1000']\n"
         "    ports: [{name: http, containerPort: " +
         std::to_string(FreePort()) +
         "}]\n    readinessProbe:\n      exec: {command: [/bin/sh, -c, 'test ! -e " +
         h.Path("unready-" + name) +
         "']}\n      periodSeconds: 1\n      failureThreshold: 1\n    livenessProbe:\n"
         "      exec: {command: [/bin/true]}\n      periodSeconds: 2\n";
  }
  m += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: batch}\nspec:\n"
       "  terminationGracePeriodSeconds: 1\n  containers:\n  - name: worker\n    image: local\n"
       "    command: [/bin/sh, -c, 'exec sleep 1000']\n";
  return m;
}

TEST(RunDashboardTest, ABrowserSeesPodsAReadinessFlipEventsAndServices) {
  std::string missing = MissingBrowserTools();
  ASSERT_TRUE(missing.empty()) << "the browser test needs" << missing
                               << " run `make deps` (as root) to install them";
  RunHarness h;
  h.Start(Manifest(h, FreePort()));
  std::string artifacts = (fs::path(PROBELET_BINARY).parent_path() / "test-artifacts").string();
  fs::create_directories(artifacts);
  std::string screenshot = artifacts + "/dashboard.png";
  fs::remove(screenshot);

  std::string url = "http://127.0.0.1:" + std::to_string(h.port()) + "/";
  auto r =
      RunCommand("node " + kBrowserDir + "/dashboard_check.mjs --url " + url + " --screenshot " +
                     screenshot + " --pods web-a,web-b,batch --flip web-a/app --flip-file " +
                     h.Path("unready-web-a") + " --event-reason Unhealthy --service web",
                 h.dir(), 120);
  std::cout << "dashboard_check: " << r.out << "\n";
  Json report = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << "no report; stderr:\n" << r.err << "\nlog:\n" << h.Log();
  EXPECT_EQ(r.exit_code, 0) << report["failures"].dump(2) << "\nstderr:\n" << r.err;
  for (const char* check : {"pod row web-a", "pod row batch", "flip in the timeline",
                            "flip shown within 2 s of its attempt", "pod row turns unready",
                            "hover shows the threshold state", "flip back in the timeline",
                            "event Unhealthy", "service web", "no console errors"}) {
    EXPECT_EQ(report["checks"].value(check, false), true) << check;
  }
  EXPECT_LE(report["figures"].value("attemptToTimelineMs", 1e9), 2000);
  EXPECT_TRUE(fs::exists(screenshot) && fs::file_size(screenshot) > 10000) << screenshot;
  RecordProperty("screenshot", screenshot);
}

}  // namespace
}  // namespace probelet::testing
