// Label and field selectors, as a table: each selector against the same two pods.
#include "server/kube_selectors.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace probelet::server {
namespace {

std::vector<api::Pod> TwoPods() {
  api::Pod web, db;
  web.metadata.name = "web";
  web.metadata.namespace_ = "default";
  web.metadata.labels = {{"app", "web"}, {"tier", "front"}};
  web.status.phase = "Running";
  db.metadata.name = "db";
  db.metadata.namespace_ = "data";
  db.metadata.labels = {{"app", "db"}};
  db.status.phase = "Pending";
  return {web, db};
}

std::string Names(const std::vector<api::Pod>& pods) {
  std::string out;
  for (const auto& p : pods) out += (out.empty() ? "" : ",") + p.metadata.name;
  return out;
}

TEST(KubeSelectorsTest, PodSelectorsKeepWhatMatches) {
  struct Case {
    std::string query;
    std::string kept;
  };
  for (const Case& c : std::vector<Case>{
           {"", "web,db"},
           {"labelSelector=app%3Dweb", "web"},
           {"labelSelector=app%3D%3Ddb", "db"},
           {"labelSelector=app!%3Dweb", "db"},
           {"labelSelector=tier", "web"},
           {"labelSelector=!tier", "db"},
           {"labelSelector=app%3Dweb,tier%3Dback", ""},
           {"fieldSelector=metadata.name%3Ddb", "db"},
           {"fieldSelector=status.phase!%3DRunning", "db"},
           {"fieldSelector=metadata.namespace%3Ddefault,metadata.name%3Dweb", "web"},
       }) {
    auto target = ParseHttpTarget("/api/v1/pods?" + c.query);
    ASSERT_TRUE(target) << c.query;
    std::vector<api::Pod> pods = TwoPods();
    EXPECT_EQ(FilterPods(*target, pods), std::nullopt) << c.query;
    EXPECT_EQ(Names(pods), c.kept) << c.query;
  }
}

TEST(KubeSelectorsTest, BadSelectorsAre400WithTheApiServersMessage) {
  struct Case {
    std::string query;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"labelSelector=app%20in%20(web)", "unable to parse requirement: app in (web)"},
           {"fieldSelector=tier", "invalid field selector: tier"},
           {"fieldSelector=spec.hostname%3Dx", "field label not supported: spec.hostname"},
       }) {
    auto target = ParseHttpTarget("/api/v1/pods?" + c.query);
    ASSERT_TRUE(target) << c.query;
    std::vector<api::Pod> pods = TwoPods();
    auto error = FilterPods(*target, pods);
    ASSERT_TRUE(error) << c.query;
    EXPECT_EQ(error->status, 400) << c.query;
    EXPECT_NE(error->body.find(c.message), std::string::npos) << error->body;
  }
}

TEST(KubeSelectorsTest, EventsCarryNoLabelsButSelectByInvolvedObject) {
  api::Event a, b;
  a.involved_object.name = "web";
  b.involved_object.name = "db";
  auto target = ParseHttpTarget("/api/v1/events?fieldSelector=involvedObject.name%3Dweb");
  ASSERT_TRUE(target);
  std::vector<api::Event> events{a, b};
  EXPECT_EQ(FilterEvents(*target, events), std::nullopt);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].involved_object.name, "web");
  target = ParseHttpTarget("/api/v1/events?labelSelector=app");
  events = {a, b};
  EXPECT_EQ(FilterEvents(*target, events), std::nullopt);
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace probelet::server
