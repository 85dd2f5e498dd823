// /probes and /probes/NAMESPACE/POD/CONTAINER/TYPE as functions (issue 14): the JSON shapes
// (worker, attempt), the filters, ?attempts, ?since, and the errors.
#include "server/probe_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "base/virtual_clock.h"
#include "server/api_handler.h"
#include "server/testing/fake_pod_source.h"

namespace probelet::server {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-11-28T08:15:50.123456Z and every 10 s after.
const api::Time kT0 = *api::ParseRFC3339("2026-11-28T08:15:50.123456789Z");

prober::ProbeAttempt Attempt(int i, probe::Result r, prober::CachedResult run_result, int run,
                             prober::CachedResult cached, bool changed, std::string output) {
  prober::ProbeAttempt a;
  a.start = kT0 + seconds(10 * i);
  a.duration = milliseconds(3);
  a.result = r;
  a.run_result = run_result;
  a.run = run;
  a.threshold = run_result == prober::CachedResult::kFailure ? 3 : 1;
  a.cached = cached;
  a.changed = changed;
  a.output = std::make_shared<const std::string>(std::move(output));
  a.container_id = std::make_shared<const std::string>("probelet://abc");
  return a;
}

prober::ProbeWorkerStatus Worker(std::string pod, std::string container, prober::ProbeType type) {
  prober::ProbeWorkerStatus w;
  w.pod_namespace = "default";
  w.pod_name = std::move(pod);
  w.pod_uid = "uid-" + w.pod_name;
  w.container = std::move(container);
  w.type = type;
  w.spec = testing::HttpGetProbe("/healthz", 8080);
  w.container_id = "probelet://abc";
  w.history_capacity = 100;
  return w;
}

class ProbeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    using prober::CachedResult;
    using prober::ProbeType;
    auto live = Worker("web", "web", ProbeType::kLiveness);
    live.result = CachedResult::kSuccess;
    live.run_result = CachedResult::kFailure;
    live.run = 2;
    live.attempts_total = 3;
    live.attempts = {
        Attempt(0, probe::Result::kSuccess, CachedResult::kSuccess, 1, CachedResult::kSuccess,
                false, ""),
        Attempt(1, probe::Result::kFailure, CachedResult::kFailure, 1, CachedResult::kSuccess,
                false, "HTTP probe failed with statuscode: 500"),
        Attempt(2, probe::Result::kFailure, CachedResult::kFailure, 2, CachedResult::kSuccess,
                false, "HTTP probe failed with statuscode: 500"),
    };
    auto ready = Worker("web", "web", ProbeType::kReadiness);  // not probed yet
    ready.container_id = "";
    auto other = Worker("db", "db", ProbeType::kStartup);
    other.pod_namespace = "data";
    source_.SetProbeWorkers({live, ready, other});
  }
  HttpResponse Get(const std::string& target) { return handler_.HandleFully({"GET", target, ""}); }
  json GetJson(const std::string& target, int want_status = 200) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, want_status) << target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return json::parse(r.body);
  }

  base::VirtualClock clock_;
  testing::FakePodSource source_;
  LoopMonitor monitor_{clock_};
  ApiHandler handler_{clock_, source_, monitor_};
};

// The list is written item by item (no DOM of every worker at once); its bytes must be those
// of one document dumped whole, as clients and the dashboard have always read.
TEST_F(ProbeApiTest, TheListIsOneCanonicalDocument) {
  for (const char* target : {"/probes", "/probes?attempts=5", "/probes?namespace=nobody"}) {
    HttpResponse r = Get(target);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body, json::parse(r.body).dump()) << target;
  }
  EXPECT_EQ(json::parse(Get("/probes?attempts=5").body)["items"][1]["attempts"].size(), 3u);
  EXPECT_EQ(json::parse(Get("/probes?namespace=nobody").body)["items"], json::array());
}

TEST_F(ProbeApiTest, ListsEveryWorkerWithItsLastAttempt) {
  json list = GetJson("/probes");
  EXPECT_EQ(list["kind"], "ProbeWorkerList");
  EXPECT_EQ(list["apiVersion"], "probelet.dev/v1");
  ASSERT_EQ(list["items"].size(), 3u);
  // In the prober manager's order: namespace, pod, container, type.
  EXPECT_EQ(list["items"][0]["pod"]["namespace"], "data");
  const json& w = list["items"][1];
  EXPECT_EQ(w["pod"], (json{{"namespace", "default"}, {"name", "web"}, {"uid", "uid-web"}}));
  EXPECT_EQ(w["container"], "web");
  EXPECT_EQ(w["type"], "liveness");
  EXPECT_EQ(w["probe"],
            "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3");
  EXPECT_EQ(w["containerID"], "probelet://abc");
  EXPECT_EQ(w["result"], "Success");
  EXPECT_EQ(w["consecutiveSuccesses"], 0);
  EXPECT_EQ(w["consecutiveFailures"], 2);
  EXPECT_EQ(w["threshold"], "failure 2 of 3");
  EXPECT_EQ(w["onHold"], false);
  EXPECT_EQ(w["historyLength"], 100);
  EXPECT_EQ(w["attemptsTotal"], 3);
  EXPECT_FALSE(w.contains("attempts"));
  const json& a = w["lastAttempt"];
  EXPECT_EQ(a["start"], "2026-11-28T08:16:10.123456Z");  // microseconds
  EXPECT_EQ(a["durationSeconds"], 0.003);
  EXPECT_EQ(a["duration"], "3ms");
  EXPECT_EQ(a["result"], "failure");
  EXPECT_EQ(a["output"], "HTTP probe failed with statuscode: 500");
  EXPECT_EQ(a["containerID"], "probelet://abc");
  EXPECT_EQ(a["consecutiveSuccesses"], 0);
  EXPECT_EQ(a["consecutiveFailures"], 2);
  EXPECT_EQ(a["threshold"], "failure 2 of 3");
  EXPECT_EQ(a["cachedResult"], "Success");
  EXPECT_EQ(a["changed"], false);
  EXPECT_EQ(a["discarded"], false);

  // Not probed yet: no result, no last attempt.
  const json& r = list["items"][2];
  EXPECT_EQ(r["type"], "readiness");
  EXPECT_TRUE(r["result"].is_null());
  EXPECT_TRUE(r["lastAttempt"].is_null());
}

// A long list comes a page of workers per piece, so the loop runs probes in between; the pieces
// make the same document as the list written at once, and a worker that goes between two
// pieces leaves a valid document without it.
TEST_F(ProbeApiTest, ALongListIsProducedAPageAtATime) {
  std::vector<prober::ProbeWorkerStatus> workers;
  for (int i = 0; i < 300; ++i) {
    auto w = Worker("pod-" + std::to_string(1000 + i), "c", prober::ProbeType::kReadiness);
    w.attempts = {Attempt(0, probe::Result::kSuccess, prober::CachedResult::kSuccess, 1,
                          prober::CachedResult::kSuccess, false, "")};
    workers.push_back(w);
  }
  source_.SetProbeWorkers(workers);
  std::string whole = Get("/probes?attempts=1").body;
  ASSERT_EQ(json::parse(whole)["items"].size(), 300u);

  HttpResponse r = handler_.Handle({"GET", "/probes?attempts=1", ""});
  ASSERT_TRUE(r.produce);
  int pieces = 0;
  while (!r.produce(r.body)) ++pieces;
  EXPECT_GE(pieces, 300 / 64);  // at most 64 workers a piece with one attempt each
  EXPECT_EQ(r.body, whole);

  r = handler_.Handle({"GET", "/probes", ""});
  ASSERT_FALSE(r.produce(r.body));       // the first page, pod-1000 onwards
  workers.erase(workers.begin() + 200);  // pod-1200 goes before its page
  source_.SetProbeWorkers(workers);
  while (!r.produce(r.body)) {
  }
  json list = json::parse(r.body);
  ASSERT_EQ(list["items"].size(), 299u);
  for (size_t i = 1; i < list["items"].size(); ++i) {
    EXPECT_LT(list["items"][i - 1]["pod"]["name"], list["items"][i]["pod"]["name"]);
  }
  EXPECT_EQ(r.body, list.dump());
}

TEST_F(ProbeApiTest, ListFiltersAndAttempts) {
  EXPECT_EQ(GetJson("/probes?namespace=data")["items"].size(), 1u);
  EXPECT_EQ(GetJson("/probes?pod=web")["items"].size(), 2u);
  EXPECT_EQ(GetJson("/probes?pod=web&type=readiness")["items"].size(), 1u);
  EXPECT_EQ(GetJson("/probes?container=nope")["items"].size(), 0u);
  json two = GetJson("/probes?pod=web&type=liveness&attempts=2");
  ASSERT_EQ(two["items"][0]["attempts"].size(), 2u);
  EXPECT_EQ(two["items"][0]["attempts"][0]["start"], "2026-11-28T08:16:00.123456Z");
  GetJson("/probes?type=sideways", 400);
  GetJson("/probes?attempts=-1", 400);
}

TEST_F(ProbeApiTest, OneWorkerWithItsWholeRing) {
  json w = GetJson("/probes/default/web/web/liveness");
  EXPECT_EQ(w["kind"], "ProbeWorker");
  EXPECT_EQ(w["threshold"], "failure 2 of 3");
  ASSERT_EQ(w["attempts"].size(), 3u);
  EXPECT_EQ(w["attempts"][0]["result"], "success");
  EXPECT_EQ(w["attempts"][0]["threshold"], "success 1 of 1");
  EXPECT_EQ(w["attempts"][2]["threshold"], "failure 2 of 3");
  EXPECT_EQ(w["lastAttempt"], w["attempts"][2]);
}

TEST_F(ProbeApiTest, SinceReturnsOnlyNewerAttempts) {
  // Strictly after the second attempt's start.
  json w = GetJson("/probes/default/web/web/liveness?since=2026-11-28T08:16:00.123456789Z");
  ASSERT_EQ(w["attempts"].size(), 1u);
  EXPECT_EQ(w["attempts"][0]["start"], "2026-11-28T08:16:10.123456Z");
  // A zone offset is an instant like any other: 09:15:55+01:00 is 08:15:55Z.
  w = GetJson("/probes/default/web/web/liveness?since=2026-11-28T09:15:55%2B01:00");
  EXPECT_EQ(w["attempts"].size(), 2u);
  w = GetJson("/probes/default/web/web/liveness?since=2030-01-01T00:00:00Z");
  EXPECT_TRUE(w["attempts"].empty());
  GetJson("/probes/default/web/web/liveness?since=yesterday", 400);
}

TEST_F(ProbeApiTest, UnknownWorkerTypeOrPathAreErrors) {
  json nf = GetJson("/probes/default/web/nope/liveness", 404);
  EXPECT_EQ(nf["kind"], "Status");
  EXPECT_EQ(nf["reason"], "NotFound");
  GetJson("/probes/default/web/web/sideways", 400);
  GetJson("/probes/default/web", 404);
}

}  // namespace
}  // namespace probelet::server
