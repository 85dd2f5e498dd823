// The fidelity check of `probelet simulate` (issue 15 part 2): three scenarios (a slow start
// killed by liveness, a readiness flap, a crash loop) run for real under `probelet run`, with
// an app that behaves as the scenario says (testing/scenario_app), and in `probelet simulate`
// with the same manifest, scenario, duration and seed; both must give the same events,
// restarts and Ready transitions of each pod, each at the same time within 0.3 s.
//
// Times count from each pod's "pod added" (the real run's log) and from T+0 (the simulation).
// The real side is read from probelet's JSON log, which carries every event as it is recorded
// (with nanosecond timestamps) and every Ready transition; the API's /events aggregates repeats
// and stamps whole seconds, so it only cross-checks the counts, and the pod status the
// restarts. The probe workers' random first offsets (§3.2.2 of probe-semantics.md) are made
// the same by passing one --seed to both commands: both draw them from the same generator in
// the same order (the manifest's order of pods, containers and probe types).
//
// The three pods run side by side in one `probelet run`, so the test takes ~25 s of wall time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/time.h"
#include "integration/testing/probelet_command.h"
#include "run_harness.h"

namespace probelet {
namespace {

using testing::FreePort;
using testing::Json;
using testing::RunHarness;
using namespace std::chrono_literals;

constexpr double kDurationSeconds = 20;
constexpr double kTolerance = 0.3;
// Entries after this are not compared: a tick just before the end may fall on either side.
constexpr double kCutoff = kDurationSeconds - 0.5;
constexpr const char* kSeed = "7";

// One entry of a pod's timeline: an event, or a transition of the pod's Ready condition
// (reason "Ready", message "Ready=True"/"Ready=False").
struct Entry {
  double at = 0;  // seconds since the pod was added
  std::string reason, container, message;
  std::string Key() const { return reason + " " + container + ": " + message; }
};
using Timelines = std::map<std::string, std::vector<Entry>>;  // by namespace/name

// The pod's UID appears in BackOff messages and differs between the two runs.
std::string WithoutUid(const std::string& message) {
  static const std::regex kUid("\\([0-9a-f]{8}-[0-9a-f-]{27}\\)");
  return std::regex_replace(message, kUid, "(UID)");
}

double SecondsOf(const std::string& rfc3339) {
  auto t = api::ParseRFC3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t ? std::chrono::duration<double>(t->time_since_epoch()).count() : 0;
}

// From `probelet run --log-format json`: "pod added" gives each pod's start; a line with a
// container and a reason is an event; "pod Ready=..." a transition.
Timelines RealTimelines(const std::string& log) {
  std::map<std::string, double> added;
  Timelines out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("pod")) continue;
    const std::string pod = j["pod"], msg = j.value("msg", "");
    const double at = SecondsOf(j.value("ts", ""));
    if (msg == "pod added") {
      added[pod] = at;
    } else if (msg.rfind("pod Ready=", 0) == 0) {
      out[pod].push_back({at - added[pod], "Ready", "", msg.substr(4)});
    } else if (j.contains("reason") && j.contains("container")) {
      out[pod].push_back({at - added[pod], j["reason"], j["container"], WithoutUid(msg)});
    }
  }
  return out;
}

// From `probelet simulate -o json`.
Timelines SimulatedTimelines(const Json& result) {
  Timelines out;
  for (const Json& e : result["timeline"]) {
    std::string message = e["message"], reason = e["reason"];
    if (reason == "Ready") message = message.substr(4, message.find(" (") - 4);  // "Ready=False"
    out[e["pod"]].push_back(
        {e["atSeconds"].get<double>(), reason, e["container"], WithoutUid(message)});
  }
  return out;
}

// Matches every simulated entry before the cutoff to a real one of the same key within the
// tolerance, in order (entries of the same instant may come in either order), and the other
// way round; entries within the tolerance of the cutoff may go unmatched. Returns the largest
// time difference and adds a failure per mismatch, naming the pod.
double Compare(const std::string& pod, std::vector<Entry> sim, std::vector<Entry> real) {
  auto before_cutoff = [](const Entry& e) { return e.at < kCutoff + kTolerance; };
  sim.erase(std::stable_partition(sim.begin(), sim.end(), before_cutoff), sim.end());
  real.erase(std::stable_partition(real.begin(), real.end(), before_cutoff), real.end());
  std::vector<bool> used(real.size(), false);
  double worst = 0;
  size_t next = 0;  // real entries before `next` are matched or were skipped for good
  std::string report;
  for (const Entry& s : sim) {
    std::optional<size_t> match;
    for (size_t j = next; j < real.size() && real[j].at <= s.at + kTolerance; ++j) {
      if (!used[j] && real[j].Key() == s.Key() && std::abs(real[j].at - s.at) <= kTolerance) {
        match = j;
        break;
      }
    }
    if (!match) {
      if (s.at < kCutoff - kTolerance) {
        report += "  simulated only: T+" + std::to_string(s.at) + " " + s.Key() + "\n";
      }
      continue;
    }
    used[*match] = true;
    worst = std::max(worst, std::abs(real[*match].at - s.at));
    while (next < real.size() && used[next]) ++next;
  }
  for (size_t j = 0; j < real.size(); ++j) {
    if (!used[j] && real[j].at < kCutoff - kTolerance) {
      report += "  real only: T+" + std::to_string(real[j].at) + " " + real[j].Key() + "\n";
    }
  }
  if (!report.empty()) {
    std::string both;
    for (const Entry& e : sim) both += "  sim  T+" + std::to_string(e.at) + " " + e.Key() + "\n";
    for (const Entry& e : real) both += "  real T+" + std::to_string(e.at) + " " + e.Key() + "\n";
    ADD_FAILURE() << pod << ": the simulation and the real run differ:\n" << report << both;
  }
  return worst;
}

int CountOf(const std::vector<Entry>& entries, const std::string& reason) {
  return static_cast<int>(std::count_if(entries.begin(), entries.end(), [&](const Entry& e) {
    return e.reason == reason && e.at < kDurationSeconds;
  }));
}

struct HttpProbe {
  const char* field;  // livenessProbe | readinessProbe
  const char* path;
  int initial_delay, period, failure_threshold;
};

// A pod of one container "web": the scenario app on a port of its own with `app_flags`, probed
// on that port.
std::string PodYaml(const std::string& name, const std::string& app_flags,
                    const std::vector<HttpProbe>& probes) {
  const std::string port = std::to_string(FreePort());
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                     "}\nspec:\n  terminationGracePeriodSeconds: 2\n  containers:\n"
                     "  - name: web\n    image: local\n    command: [" PROBELET_SCENARIO_APP
                     ", --port, \"" +
                     port + "\", " + app_flags + "]\n";
  for (const HttpProbe& probe : probes) {
    const HttpProbe* p = &probe;
    yaml += std::string("    ") + p->field + ":\n      httpGet: {path: " + p->path +
            ", port: " + port +
            "}\n      initialDelaySeconds: " + std::to_string(p->initial_delay) +
            "\n      periodSeconds: " + std::to_string(p->period) +
            "\n      failureThreshold: " + std::to_string(p->failure_threshold) + "\n";
  }
  return yaml;
}

TEST(SimulateFidelityTest, RealRunAndSimulationAgreeOnEventsRestartsAndReadiness) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan every process start of the real run (probelet's shim, the app) is several times
  // slower: a start took 0.4 s in CI, beyond the 0.3 s this test compares to. The comparison is
  // about the engine, which the plain build checks; the sanitizers check the rest.
  GTEST_SKIP() << "timing comparison: not under AddressSanitizer";
#endif
  RunHarness h;
  // The app's flags say what the scenario below says, field by field. No instant of a scenario
  // falls on a probe tick: a tie (a tick 1 s after a restart with initialDelaySeconds 1, the
  // app listening at the very tick) breaks either way for real, by the milliseconds a start
  // or a late tick takes, so it cannot be compared within a tolerance. Readiness ticks align
  // with each start (it is probed at once, §3.8), hence startup and exit at half seconds.
  const std::string manifest =
      PodYaml("slow", "--startup, \"30\"", {{"livenessProbe", "/healthz", 1, 2, 3}}) + "---\n" +
      PodYaml("flap", "--startup, \"1.5\", --fail, \"readiness:5:3:8\"",
              {{"readinessProbe", "/ready", 0, 1, 2}, {"livenessProbe", "/healthz", 2, 2, 3}}) +
      "---\n" +
      PodYaml("crash", "--startup, \"1.5\", --exit-after, \"3.5\", --exit-code, \"1\"",
              {{"readinessProbe", "/ready", 0, 1, 3}});
  const std::string scenario = R"(containers:
  slow/web: {startupSeconds: 30}
  flap/web:
    startupSeconds: 1500ms
    readiness:
      fail: [{from: 5s, for: 3s, every: 8s}]
  crash/web:
    startupSeconds: 1500ms
    exitAfter: {after: 3500ms, code: 1}
)";
  std::ofstream(h.Path("scenario.yaml")) << scenario;

  // The real run: the three pods side by side for the duration (the point of this wait), then
  // the API's view before stopping.
  h.Start(manifest, {"--seed", kSeed});
  ASSERT_TRUE(h.WaitFor([&] { return h.Log().find("\"pod added\"") != std::string::npos; }, 10s));
  std::this_thread::sleep_for(std::chrono::duration<double>(kDurationSeconds + 0.3));
  std::map<std::string, int> real_restarts;
  auto pods = testing::HttpGet(h.port(), "/pods");
  ASSERT_TRUE(pods.has_value());
  const Json list = Json::parse(*pods);
  for (const Json& p : list["items"]) {
    real_restarts["default/" + p["metadata"]["name"].get<std::string>()] =
        RunHarness::RestartCount(p);
  }
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0);
  Timelines real = RealTimelines(h.Log());

  testing::ProbeletRun run = testing::RunProbelet(
      {"simulate", h.Path("pod.yaml"), "--scenario", h.Path("scenario.yaml"), "--duration",
       std::to_string(static_cast<int>(kDurationSeconds)) + "s", "--seed", kSeed, "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json simulated = Json::parse(run.out);
  Timelines sim = SimulatedTimelines(simulated);

  for (const std::string pod : {"default/slow", "default/flap", "default/crash"}) {
    ASSERT_TRUE(sim.count(pod) && real.count(pod)) << pod << "\n" << h.Log();
    double worst = Compare(pod, sim[pod], real[pod]);
    std::printf("%s: %zu simulated entries, max time difference %.3f s\n", pod.c_str(),
                sim[pod].size(), worst);
    for (const Json& p : simulated["pods"]) {
      if (p["pod"] == pod) {
        // A restart at the very end may land on either side: the counts agree within one.
        EXPECT_NEAR(p["restarts"].get<int>(), real_restarts[pod], 1) << pod;
      }
    }
  }
  // Each scenario shows what it is about.
  EXPECT_GE(CountOf(sim["default/slow"], "Killing"), 2);
  EXPECT_GE(CountOf(sim["default/flap"], "Ready"), 4);
  EXPECT_GE(CountOf(sim["default/crash"], "BackOff"), 1);
}

}  // namespace
}  // namespace probelet
