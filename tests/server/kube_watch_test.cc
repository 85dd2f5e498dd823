// Watches through the ApiHandler (kube_watch.h), as kubectl asks for them: the lines of JSON and
// Table watch events, resourceVersion on objects and lists, resuming after the list's version,
// the 410 for a version too old, selectors turning changes into ADDED and DELETED, and the
// errors.
#include "server/kube_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/virtual_clock.h"
#include "server/api_handler.h"
#include "server/testing/fake_pod_source.h"
#include "server/watch_cache.h"

namespace probelet::server {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
    "g=meta.k8s.io,application/json";

class KubeWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pod_ = testing::RealisticPod(clock_.WallNow());
    source_.SetPods({pod_});
    source_.SetEvents(testing::RealisticEvents(pod_, clock_.WallNow()));
  }
  HttpResponse Watch(const std::string& target, const std::string& accept = "application/json") {
    HttpResponse r = handler_.Handle({"GET", target, accept});
    return r;
  }
  // The watch events queued on `r`'s watcher, parsed.
  static std::vector<json> Events(HttpResponse& r) {
    std::vector<json> out;
    if (!r.watch) return out;
    std::string text = r.watch->TakePending();
    for (size_t at = 0; at < text.size();) {
      size_t nl = text.find('\n', at);
      EXPECT_NE(nl, std::string::npos) << "every event ends its line";
      if (nl == std::string::npos) break;
      out.push_back(json::parse(text.substr(at, nl - at)));
      at = nl + 1;
    }
    return out;
  }
  // A pod like pod_ in namespace `ns` named `name` (its own UID).
  api::Pod Other(const std::string& ns, const std::string& name) {
    api::Pod p = pod_;
    p.metadata.namespace_ = ns;
    p.metadata.name = name;
    p.metadata.uid = ns + "-" + name;
    return p;
  }

  base::VirtualClock clock_;
  api::Pod pod_;
  testing::FakePodSource source_;
  LoopMonitor monitor_{clock_};
  WatchCache cache_{clock_};
  ApiHandler handler_{clock_, source_, monitor_, {}, &cache_};
};

TEST_F(KubeWatchTest, AWatchWithoutVersionSendsEveryPodAsAddedThenItsChanges) {
  cache_.PodChanged(pod_);  // version 2
  HttpResponse r = Watch("/api/v1/pods?watch=true");
  ASSERT_TRUE(r.watch);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  std::string text = r.watch->TakePending();
  EXPECT_EQ(text.rfind("{\"type\":\"ADDED\",\"object\":{", 0), 0u)
      << "type first, as the API server writes it: " << text.substr(0, 80);
  json added = json::parse(text);
  EXPECT_EQ(added["object"]["kind"], "Pod");
  EXPECT_EQ(added["object"]["metadata"]["name"], "web");
  EXPECT_EQ(added["object"]["metadata"]["resourceVersion"], "2");

  api::Pod ready = pod_;
  ready.status.phase = "Succeeded";
  cache_.PodChanged(ready);
  cache_.PodRemoved(ready);
  std::vector<json> events = Events(r);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[0]["object"]["status"]["phase"], "Succeeded");
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], "3");
  EXPECT_EQ(events[1]["type"], "DELETED");
  EXPECT_EQ(events[1]["object"]["metadata"]["resourceVersion"], "4");
  EXPECT_EQ(r.watch->state(), Watcher::State::kOpen);
}

TEST_F(KubeWatchTest, ListsCarryTheVersionAWatchResumesAfter) {
  cache_.PodChanged(pod_);
  json list = json::parse(handler_.HandleFully({"GET", "/api/v1/pods", "application/json"}).body);
  EXPECT_EQ(list["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(list["items"][0]["metadata"]["resourceVersion"], "2");
  json table = json::parse(handler_.HandleFully({"GET", "/api/v1/pods", kTableAccept}).body);
  EXPECT_EQ(table["metadata"]["resourceVersion"], "2") << "kubectl get -w watches from here";
  json events = json::parse(handler_.HandleFully({"GET", "/api/v1/events", kTableAccept}).body);
  EXPECT_EQ(events["metadata"]["resourceVersion"], "2");

  HttpResponse r = Watch("/api/v1/namespaces/default/pods?watch=1&resourceVersion=2");
  EXPECT_TRUE(Events(r).empty()) << "nothing changed after 2";
  cache_.PodChanged(Other("kube-system", "dns"));  // another namespace
  cache_.PodChanged(pod_);
  std::vector<json> events_after = Events(r);
  ASSERT_EQ(events_after.size(), 1u);
  EXPECT_EQ(events_after[0]["type"], "MODIFIED");
  EXPECT_EQ(events_after[0]["object"]["metadata"]["resourceVersion"], "4");

  HttpResponse replay = Watch("/api/v1/pods?watch=true&resourceVersion=2");
  std::vector<json> replayed = Events(replay);
  ASSERT_EQ(replayed.size(), 2u) << "the kept changes after 2, in every namespace";
  EXPECT_EQ(replayed[0]["object"]["metadata"]["name"], "dns");
}

TEST_F(KubeWatchTest, AVersionOlderThanTheHistoryIsA410ErrorEventThenTheEnd) {
  WatchCache small(clock_, {.history = 1});
  ApiHandler handler(clock_, source_, monitor_, {}, &small);
  small.PodChanged(pod_);
  small.PodChanged(pod_);
  small.PodChanged(pod_);
  HttpResponse r = handler.Handle({"GET", "/api/v1/pods?watch=true&resourceVersion=2", ""});
  ASSERT_TRUE(r.watch);
  EXPECT_EQ(r.watch->state(), Watcher::State::kDone);
  std::vector<json> events = Events(r);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["kind"], "Status");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
  EXPECT_THAT(events[0]["object"]["message"].get<std::string>(),
              HasSubstr("too old resource version: 2"));
}

TEST_F(KubeWatchTest, ATableWatchSendsOneRowTablesWithColumnsOnlyInTheFirst) {
  source_.SetPods({pod_, Other("default", "api")});
  cache_.PodChanged(pod_);
  cache_.PodChanged(Other("default", "api"));
  HttpResponse r = Watch("/api/v1/namespaces/default/pods?watch=true", kTableAccept);
  cache_.PodChanged(pod_);
  std::vector<json> events = Events(r);
  ASSERT_EQ(events.size(), 3u);
  for (size_t i = 0; i < events.size(); ++i) {
    const json& table = events[i]["object"];
    EXPECT_EQ(table["kind"], "Table");
    EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
    ASSERT_EQ(table["rows"].size(), 1u);
    EXPECT_EQ(table["columnDefinitions"].size(), i == 0 ? 9u : 0u) << i;
    EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  }
  EXPECT_EQ(events[0]["object"]["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(events[1]["object"]["rows"][0]["cells"][0], "api");
  EXPECT_EQ(events[2]["type"], "MODIFIED");
  EXPECT_EQ(events[2]["object"]["rows"][0]["cells"][0], "web");
  EXPECT_EQ(events[2]["object"]["rows"][0]["object"]["metadata"]["resourceVersion"], "4");
  EXPECT_EQ(events[2]["object"]["metadata"]["resourceVersion"], "4");

  HttpResponse ev = Watch("/api/v1/events?watch=true&includeObject=Object", kTableAccept);
  std::vector<json> rows = Events(ev);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0]["object"]["columnDefinitions"][0]["name"], "Last Seen");
  EXPECT_EQ(rows[0]["object"]["rows"][0]["object"]["kind"], "Event");
}

TEST_F(KubeWatchTest, ASelectorTurnsChangesInAndOutOfItIntoAddedAndDeleted) {
  HttpResponse running =
      Watch("/api/v1/pods?watch=true&fieldSelector=status.phase%3DRunning&resourceVersion=0");
  HttpResponse one =
      Watch("/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dweb");
  ASSERT_EQ(Events(running).size(), 1u);
  ASSERT_EQ(Events(one).size(), 1u);

  api::Pod done = pod_;
  done.status.phase = "Succeeded";
  cache_.PodChanged(Other("default", "api"));  // not `web`; Running
  cache_.PodChanged(done);
  cache_.PodChanged(pod_);
  std::vector<json> r = Events(running);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["type"], "ADDED") << "api is new to this watcher";
  EXPECT_EQ(r[1]["type"], "DELETED") << "web left the selection";
  EXPECT_EQ(r[1]["object"]["status"]["phase"], "Succeeded");
  EXPECT_EQ(r[2]["type"], "ADDED") << "web is back in it";
  std::vector<json> o = Events(one);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0]["type"], "MODIFIED");
  EXPECT_EQ(o[1]["object"]["metadata"]["name"], "web");
}

TEST_F(KubeWatchTest, EventWatchesSeeNewAndAggregatedEvents) {
  HttpResponse r = Watch("/api/v1/namespaces/default/events?watch=true&resourceVersion=1");
  api::Event e = testing::RealisticEvents(pod_, clock_.WallNow()).front();
  cache_.EventRecorded(e);
  e.count = 2;
  cache_.EventRecorded(e);
  std::vector<json> events = Events(r);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[0]["object"]["kind"], "Event");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["object"]["count"], 2);
  EXPECT_EQ(events[1]["object"]["metadata"]["resourceVersion"], "3");
}

TEST_F(KubeWatchTest, BadParametersAreA400AndOtherResourcesA405) {
  EXPECT_EQ(Watch("/api/v1/pods?watch=true&resourceVersion=abc").status, 400);
  EXPECT_EQ(Watch("/api/v1/pods?watch=true&timeoutSeconds=-1").status, 400);
  EXPECT_EQ(Watch("/api/v1/pods?watch=true&fieldSelector=spec.bogus%3Dx").status, 400);
  EXPECT_EQ(Watch("/api/v1/services?watch=true").status, 405);
  HttpResponse r = Watch("/api/v1/pods?watch=true&timeoutSeconds=5");
  ASSERT_TRUE(r.watch);
  EXPECT_EQ(r.watch->timeout, std::chrono::seconds(5));
  EXPECT_FALSE(Watch("/api/v1/pods?watch=false").watch) << "a list";
}

}  // namespace
}  // namespace probelet::server
