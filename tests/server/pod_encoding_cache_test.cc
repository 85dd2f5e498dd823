// The pods' JSON kept between requests (PodEncodingCache): every list and object the API serves
// with it is byte for byte what it serves without it, after each kind of change the agent makes
// (a status stored, a readiness flip, a deletionTimestamp, a spec, a pod removed, a
// resourceVersion moved), a stale pod is never served, and removed pods' entries go.
// The source is a real StatusManager (the agent's revisions) feeding a real WatchCache, as the
// `run` command wires them.
#include "server/pod_encoding_cache.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/virtual_clock.h"
#include "kubelet/status_generation.h"
#include "kubelet/status_manager.h"
#include "server/api_handler.h"
#include "server/kube_api.h"
#include "server/testing/fake_pod_source.h"
#include "server/watch_cache.h"

namespace probelet::server {
namespace {

using nlohmann::json;

constexpr const char* kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";

// A PodSource over a StatusManager, as AgentPodSource is over the agent's.
class StatusManagerSource : public testing::FakePodSource {
 public:
  explicit StatusManagerSource(const kubelet::StatusManager& status) : status_(status) {}
  std::vector<api::Pod> ListPods() const override { return status_.ListPods(); }
  void WithPods(const std::function<void(std::span<const PodView>)>& visit) const override {
    std::vector<PodView> views;
    for (const auto& p : status_.ViewPods()) views.push_back({p.pod, p.revision});
    visit(views);
  }

 private:
  const kubelet::StatusManager& status_;
};

// The same pods with no revisions (the PodSource default): nothing can be kept.
class UncachedSource : public testing::FakePodSource {
 public:
  explicit UncachedSource(const kubelet::StatusManager& status) : status_(status) {}
  std::vector<api::Pod> ListPods() const override { return status_.ListPods(); }
  void WithPods(const std::function<void(std::span<const PodView>)>& visit) const override {
    PodSource::WithPods(visit);  // revision 0: never cached
  }

 private:
  const kubelet::StatusManager& status_;
};

std::string Produce(HttpResponse r) {
  while (r.produce && !r.produce(r.body)) {
  }
  return r.body;
}

class PodEncodingCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    status_.SetObserver([this](const api::Pod& pod, const api::PodStatus&, const api::PodStatus&) {
      watches_.PodChanged(pod);
    });
    status_.SetRemovedObserver([this](const api::Pod& pod) { watches_.PodRemoved(pod); });
    for (int i = 0; i < 45; ++i) {  // more than one piece (20 encodings each)
      api::Pod pod = testing::RealisticPod(clock_.WallNow());
      pod.metadata.name = "web-" + std::to_string(i);
      pod.metadata.uid = "uid-" + std::to_string(i);
      pod.metadata.namespace_ = i % 3 == 0 ? "prod" : "default";
      api::PodStatus status = std::move(pod.status);
      status_.AddPod(pod);
      status_.SetPodStatus(pod.metadata.uid, std::move(status));
    }
  }

  // The status and the body (a pod removed is a 404 both ways).
  std::string Get(const ApiHandler& handler, const std::string& target,
                  const std::string& accept = "application/json") {
    HttpResponse r = handler.HandleFully({"GET", target, accept});
    return std::to_string(r.status) + " " + r.content_type + "\n" + r.body;
  }

  // Every pod path served with the cache equals the same path served without one.
  void ExpectSameAsUncached(const std::string& when) {
    for (const char* target :
         {"/pods", "/api/v1/pods", "/api/v1/namespaces/prod/pods",
          "/api/v1/pods?labelSelector=app%3Dweb", "/api/v1/namespaces/default/pods/web-1",
          "/api/v1/pods?fieldSelector=metadata.name%3Dweb-4"}) {
      for (int round = 0; round < 2; ++round) {  // the first may fill the cache, the second hits
        EXPECT_EQ(Get(cached_, target), Get(uncached_, target)) << when << ": " << target;
      }
    }
    for (const char* target :
         {"/api/v1/pods", "/api/v1/namespaces/default/pods?includeObject=Object",
          "/api/v1/pods?includeObject=None", "/api/v1/namespaces/default/pods/web-1"}) {
      for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(Get(cached_, target, kTableAccept), Get(uncached_, target, kTableAccept))
            << when << ": Table " << target;
      }
    }
    // Without resourceVersions, the pods' revisions alone tell a change.
    EXPECT_EQ(Get(bare_, "/pods"), Get(bare_uncached_, "/pods")) << when;
    EXPECT_EQ(Get(bare_, "/pods"), Get(bare_uncached_, "/pods")) << when;
  }

  // Pod `name` as /pods serves it, and as GET .../pods/{name} does (expected the same).
  json PodJson(const ApiHandler& handler, const std::string& name) {
    HttpResponse r = handler.HandleFully({"GET", "/pods", "application/json"});
    json list = json::parse(r.body);
    json found = nullptr;
    for (const auto& item : list["items"]) {
      if (item["metadata"]["name"] == name) found = item;
    }
    HttpResponse one =
        handler.HandleFully({"GET", "/api/v1/namespaces/default/pods/" + name, "application/json"});
    EXPECT_EQ(one.status == 200 ? json::parse(one.body) : json(nullptr), found) << name;
    return found;
  }

  base::VirtualClock clock_;
  kubelet::StatusManager status_{clock_};
  WatchCache watches_{clock_};
  StatusManagerSource source_{status_};
  UncachedSource plain_{status_};
  LoopMonitor monitor_{clock_};
  ApiHandler cached_{clock_, source_, monitor_, {}, &watches_};
  ApiHandler uncached_{clock_, plain_, monitor_, {}, &watches_};
  ApiHandler bare_{clock_, source_, monitor_};
  ApiHandler bare_uncached_{clock_, plain_, monitor_};
};

TEST_F(PodEncodingCacheTest, ServesTheSameBytesAsWithoutItAfterEveryKindOfChange) {
  ExpectSameAsUncached("at start");

  clock_.Advance(std::chrono::seconds(5));
  api::PodStatus status = *status_.GetPodStatus("uid-1");
  status.container_statuses[0].restart_count = 3;
  status.phase = api::kPodSucceeded;  // a finished pod's Table row has conditions
  status.container_statuses[0].state.running->started_at = clock_.WallNow();
  status_.SetPodStatus("uid-1", std::move(status));
  ExpectSameAsUncached("a status stored");

  status_.SetContainerReadiness(
      "uid-1", status_.GetPodStatus("uid-1")->container_statuses[1].container_id, true);
  ExpectSameAsUncached("a readiness flip");

  status_.MarkDeleted("uid-4", clock_.WallNow(), 30);
  ExpectSameAsUncached("a deletionTimestamp");

  api::Pod respec = *status_.GetPod("uid-2");
  respec.metadata.labels["app"] = "db";
  status_.AddPod(respec);
  ExpectSameAsUncached("a new spec and labels");

  status_.RemovePod("uid-1");
  ExpectSameAsUncached("a pod removed");

  watches_.PodChanged(*status_.GetPod("uid-7"));  // its resourceVersion moves on alone
  ExpectSameAsUncached("a resourceVersion");
}

// Mandatory: the cache must never serve a pod as it was before a change, with resourceVersions
// (which move with each change) or without (the pods' revisions alone).
TEST_F(PodEncodingCacheTest, AChangeIsServedAtOnce) {
  for (const ApiHandler* handler : {&cached_, &bare_}) {
    SCOPED_TRACE(handler == &bare_ ? "without a WatchCache" : "with a WatchCache");
    auto sidecar_ready = [&] {
      return PodJson(*handler, "web-5")["status"]["containerStatuses"][1]["ready"];
    };
    auto pod_ready = [&] {
      json ready;
      json pod = PodJson(*handler, "web-5");
      for (const auto& c : pod["status"]["conditions"]) {
        if (c["type"] == "Ready") ready = c["status"];
      }
      return ready;
    };
    ASSERT_EQ(sidecar_ready(), false);
    ASSERT_EQ(sidecar_ready(), false);  // now served from the cache
    const std::string id = status_.GetPodStatus("uid-5")->container_statuses[1].container_id;
    status_.SetContainerReadiness("uid-5", id, true);
    EXPECT_EQ(sidecar_ready(), true);
    EXPECT_EQ(pod_ready(), "True");
    status_.SetContainerReadiness("uid-5", id, false);
    EXPECT_EQ(sidecar_ready(), false);
    EXPECT_EQ(pod_ready(), "False");
  }
  for (const ApiHandler* handler : {&cached_, &bare_}) {
    EXPECT_TRUE(PodJson(*handler, "web-7")["metadata"]["deletionTimestamp"].is_null());
  }
  status_.MarkDeleted("uid-7", clock_.WallNow(), 30);
  for (const ApiHandler* handler : {&cached_, &bare_}) {
    EXPECT_TRUE(PodJson(*handler, "web-7")["metadata"]["deletionTimestamp"].is_string());
  }
  status_.RemovePod("uid-7");
  for (const ApiHandler* handler : {&cached_, &bare_}) {
    EXPECT_TRUE(PodJson(*handler, "web-7").is_null());
  }
}

TEST_F(PodEncodingCacheTest, KeepsEachUnchangedPodOnceAndForgetsRemovedPods) {
  auto cache = std::make_shared<PodEncodingCache>();
  std::string first = Produce(PodListJson(source_, &watches_, cache));
  EXPECT_EQ(cache->size(), 45u);
  EXPECT_EQ(cache->hits(), 0u);
  std::string second = Produce(PodListJson(source_, &watches_, cache));
  EXPECT_EQ(second, first);
  EXPECT_EQ(cache->hits(), 45u);
  EXPECT_EQ(Produce(PodListJson(source_, &watches_, nullptr)), first);

  status_.SetContainerReadiness(
      "uid-3", status_.GetPodStatus("uid-3")->container_statuses[1].container_id, true);
  uint64_t misses = cache->misses();
  Produce(PodListJson(source_, &watches_, cache));
  EXPECT_EQ(cache->misses(), misses + 1) << "only the changed pod is encoded again";

  for (int i = 0; i < 40; ++i) status_.RemovePod("uid-" + std::to_string(i));
  std::string five = Produce(PodListJson(source_, &watches_, cache));
  EXPECT_EQ(json::parse(five)["items"].size(), 5u);
  EXPECT_EQ(cache->size(), 5u);
}

TEST(PodEncodingCacheUnitTest, KeyedByRevisionAndResourceVersionNeverGoingBack) {
  PodEncodingCache cache;
  auto text = [](const char* s) { return std::make_shared<const std::string>(s); };
  cache.Store("u", PodTextKind::kObject, 0, 1, text("unknown revision"));
  EXPECT_EQ(cache.size(), 0u);
  cache.Store("u", PodTextKind::kObject, 5, 7, text("r5"));
  EXPECT_EQ(*cache.Find("u", PodTextKind::kObject, 5, 7), "r5");
  EXPECT_EQ(cache.Find("u", PodTextKind::kObject, 5, 8), nullptr);
  EXPECT_EQ(cache.Find("u", PodTextKind::kObject, 6, 7), nullptr);
  EXPECT_EQ(cache.Find("u", PodTextKind::kObject, 0, 7), nullptr);
  cache.Store("u", PodTextKind::kObject, 4, 9,
              text("older"));  // a list produced late must not undo a newer one
  EXPECT_EQ(*cache.Find("u", PodTextKind::kObject, 5, 7), "r5");
  cache.Store("u", PodTextKind::kObject, 6, 9, text("r6"));
  EXPECT_EQ(cache.Find("u", PodTextKind::kObject, 5, 7), nullptr);
  EXPECT_EQ(*cache.Find("u", PodTextKind::kObject, 6, 9), "r6");
  // The texts of one pod's state are kept side by side; a newer state drops them all.
  EXPECT_EQ(cache.Find("u", PodTextKind::kRowMetadata, 6, 9), nullptr);
  cache.Store("u", PodTextKind::kRowMetadata, 6, 9, text("meta6"));
  EXPECT_EQ(*cache.Find("u", PodTextKind::kRowMetadata, 6, 9), "meta6");
  EXPECT_EQ(*cache.Find("u", PodTextKind::kObject, 6, 9), "r6");
  cache.Store("u", PodTextKind::kRowMetadata, 7, 10, text("meta7"));
  EXPECT_EQ(cache.Find("u", PodTextKind::kObject, 7, 10), nullptr);
  EXPECT_EQ(cache.Find("u", PodTextKind::kObject, 6, 9), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace probelet::server
