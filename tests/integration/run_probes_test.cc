// The probe history under `probelet run` (issue 14), real binary and processes: GET /probes
// lists the workers; GET /probes/NS/POD/CONTAINER/TYPE gives the ring, which keeps the attempts
// of the instance a liveness failure restarted (each with its container ID) beside the new
// one's, with the threshold state of each; ?since cuts it; `probelet probes` and `describe pod`
// print it; --probe-history=0 keeps none.
#include <gmock/gmock.h>

#include <regex>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "integration/testing/kubectl_env.h"
#include "run_harness.h"
#include "server/http_target.h"

namespace probelet {
namespace {

using integration::CommandResult;
using integration::RunCommand;
using ::testing::HasSubstr;
using testing::Json;
using testing::RunHarness;
using namespace std::chrono_literals;

std::string Manifest(const RunHarness& h) {
  return R"(apiVersion: v1
kind: Pod
metadata: {name: hist}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "exec sleep 1000"]
    livenessProbe:
      exec: {command: [/bin/sh, -c, "cat )" +
         h.Path("alive") + R"("]}
      periodSeconds: 1
      failureThreshold: 2
)";
}

Json GetJson(const RunHarness& h, const std::string& path) {
  auto body = testing::HttpGet(h.port(), path);
  if (!body) return nullptr;
  Json j = Json::parse(*body, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

Json Liveness(const RunHarness& h, const std::string& query = "") {
  return GetJson(h, "/probes/default/hist/app/liveness" + query);
}

TEST(RunProbesTest, HistoryKeepsARestartedInstanceBesideTheNewOne) {
  RunHarness h;
  std::ofstream(h.Path("alive")) << "alive";
  h.Start(Manifest(h));
  // The list: one worker, probing with success.
  ASSERT_TRUE(h.WaitFor(
      [&] {
        Json list = GetJson(h, "/probes");
        return !list.is_null() && list["items"].size() == 1 &&
               list["items"][0]["lastAttempt"].is_object() &&
               list["items"][0]["lastAttempt"]["result"] == "success";
      },
      20s))
      << h.Log();
  Json w = GetJson(h, "/probes")["items"][0];
  EXPECT_EQ(w["pod"]["namespace"], "default");
  EXPECT_EQ(w["pod"]["name"], "hist");
  EXPECT_FALSE(w["pod"]["uid"].get<std::string>().empty());
  EXPECT_EQ(w["container"], "app");
  EXPECT_EQ(w["type"], "liveness");
  EXPECT_EQ(w["probe"], "exec [/bin/sh -c cat " + h.Path("alive") +
                            "] delay=0s timeout=1s period=1s #success=1 #failure=2");
  EXPECT_EQ(w["result"], "Success");
  EXPECT_EQ(w["historyLength"], 100);
  EXPECT_EQ(w["lastAttempt"]["output"], "alive");
  const std::string first_id = w["containerID"];

  // The probe fails twice: the container is restarted; then it passes again.
  h.Remove("alive");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 30s)) << h.Log();
  std::ofstream(h.Path("alive")) << "alive";
  ASSERT_TRUE(h.WaitFor(
      [&] {
        Json l = Liveness(h);
        return !l.is_null() && l["containerID"] != first_id &&
               l["lastAttempt"]["result"] == "success";
      },
      30s))
      << h.Log();

  Json one = Liveness(h);
  EXPECT_EQ(one["kind"], "ProbeWorker");
  const Json& attempts = one["attempts"];
  std::set<std::string> ids;
  std::vector<std::string> states;
  size_t changed_to_failure = 0;
  static const std::regex kMicro(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  for (const Json& a : attempts) {
    ids.insert(a["containerID"].get<std::string>());
    states.push_back(a["threshold"]);
    EXPECT_TRUE(std::regex_match(a["start"].get<std::string>(), kMicro)) << a.dump();
    if (a["changed"] == true && a["cachedResult"] == "Failure") {
      ++changed_to_failure;
      EXPECT_EQ(a["threshold"], "failure 2 of 2");
      EXPECT_EQ(a["containerID"], first_id);
      EXPECT_EQ(a["consecutiveFailures"], 2);
    }
  }
  EXPECT_EQ(ids.size(), 2u) << attempts.dump(1);  // both instances' attempts are kept
  EXPECT_EQ(changed_to_failure, 1u) << attempts.dump(1);
  EXPECT_THAT(states, ::testing::Contains("failure 1 of 2"));
  EXPECT_EQ(attempts.back()["containerID"], one["containerID"]);

  // ?since: only attempts that started after the given one.
  ASSERT_GE(attempts.size(), 3u);
  std::string since = attempts[attempts.size() - 3]["start"];
  Json newer = Liveness(h, "?since=" + server::PercentEncode(since));
  ASSERT_FALSE(newer.is_null());
  ASSERT_GE(newer["attempts"].size(), 2u);
  EXPECT_EQ(newer["attempts"][0]["start"], attempts[attempts.size() - 2]["start"]);

  // The CLI views.
  std::string api = " --api 127.0.0.1:" + std::to_string(h.port());
  CommandResult table = RunCommand(std::string(PROBELET_BINARY) + " probes hist" + api, h.dir());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("POD    CONTAINER   TYPE       RESULT    STATE"));
  EXPECT_THAT(table.out,
              ::testing::ContainsRegex("hist +app +liveness +Success +success [0-9]+ of 1"));
  CommandResult describe =
      RunCommand(std::string(PROBELET_BINARY) + " describe pod hist" + api, h.dir());
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_THAT(describe.out,
              ::testing::ContainsRegex("    Liveness History \\(last [0-9]+ of [0-9]+\\):\n"
                                       "      Start +Duration +Result +State +Cached "
                                       "+Output\n"));
  EXPECT_THAT(describe.out, HasSubstr("Liveness:       exec [/bin/sh -c cat "));
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

TEST(RunProbesTest, ProbeHistoryZeroKeepsNone) {
  RunHarness h;
  std::ofstream(h.Path("alive")) << "alive";
  h.Start(Manifest(h), {"--probe-history=0"});
  ASSERT_TRUE(h.WaitFor(
      [&] {
        Json l = Liveness(h);
        return !l.is_null() && l["result"] == "Success" && l["containerID"] != "";
      },
      20s))
      << h.Log();
  Json l = Liveness(h);
  EXPECT_EQ(l["historyLength"], 0);
  EXPECT_TRUE(l["lastAttempt"].is_null());
  EXPECT_TRUE(l["attempts"].empty());
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0) << h.Log();
}

}  // namespace
}  // namespace probelet
