// The dashboard's files as served (issue 14 §3): embedded at build time, each with its
// Content-Type, a strong ETag and no-cache, a 304 for a matching If-None-Match, and over the
// wire through the real server (HEAD, the conditional GET a browser sends).
#include "server/dashboard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/virtual_clock.h"
#include "server/api_handler.h"
#include "server/loop_monitor.h"
#include "server/testing/fake_pod_source.h"
#include "server/testing/http_client.h"
#include "server/testing/running_server.h"
#include "server/ui/ui_assets.h"
#include "server/watch_cache.h"

namespace probelet::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

HttpResponse Serve(const std::string& path, const std::string& if_none_match = "") {
  auto target = ParseHttpTarget(path);
  EXPECT_TRUE(target.has_value()) << path;
  auto r = ServeDashboard(*target, if_none_match);
  EXPECT_TRUE(r.has_value()) << path;
  return r.value_or(HttpResponse{});
}

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

std::string SourceFile(const std::string& name) {
  std::ifstream in(std::string(PROBELET_SOURCE_DIR) + "/src/server/ui/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DashboardTest, EveryAssetIsEmbeddedByteForByteWithItsType) {
  ASSERT_FALSE(UiAssets().empty());
  for (const UiAsset& a : UiAssets()) {
    EXPECT_EQ(a.body, SourceFile(std::string(a.name))) << a.name;
    EXPECT_THAT(std::string(a.etag), ::testing::MatchesRegex("\"[0-9a-f]{16}\"")) << a.name;
    HttpResponse r = Serve("/ui/" + std::string(a.name));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, a.body);
    EXPECT_EQ(Header(r, "ETag"), a.etag);
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  }
  EXPECT_EQ(Serve("/ui/main.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Serve("/ui/dashboard.css").content_type, "text/css; charset=utf-8");
}

TEST(DashboardTest, RootAndUiServeTheIndex) {
  for (const char* path : {"/", "/ui", "/ui/"}) {
    HttpResponse r = Serve(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_THAT(r.body, HasSubstr("<script type=\"module\" src=\"/ui/main.js\">")) << path;
    EXPECT_THAT(Header(r, "Content-Security-Policy"), HasSubstr("script-src 'self'"));
  }
}

TEST(DashboardTest, OtherPathsAreNotTheDashboards) {
  EXPECT_EQ(Serve("/ui/nope.js").status, 404);
  EXPECT_EQ(Serve("/ui/../ui_assets.h").status, 404);
  EXPECT_FALSE(ServeDashboard(*ParseHttpTarget("/pods"), "").has_value());
  EXPECT_FALSE(ServeDashboard(*ParseHttpTarget("/uix"), "").has_value());
}

TEST(DashboardTest, AMatchingIfNoneMatchIsA304WithoutABody) {
  std::string etag = Header(Serve("/"), "ETag");
  HttpResponse r = Serve("/", etag);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Header(r, "ETag"), etag);
  EXPECT_EQ(Serve("/", "\"other\", W/" + etag).status, 304);
  EXPECT_EQ(Serve("/", "*").status, 304);
  EXPECT_EQ(Serve("/", "\"other\"").status, 200);
}

TEST(DashboardTest, IfNoneMatchComparesWeakly) {
  EXPECT_TRUE(IfNoneMatchMatches("\"a\"", "\"a\""));
  EXPECT_TRUE(IfNoneMatchMatches(" W/\"a\" ", "\"a\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"b\",\"a\"", "\"a\""));
  EXPECT_FALSE(IfNoneMatchMatches("", "\"a\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"ab\"", "\"a\""));
  EXPECT_FALSE(IfNoneMatchMatches(",", "\"a\""));
}

TEST(DashboardTest, TheServerRevalidatesWithTheETag) {
  testing::FakePodSource source;
  testing::RunningServer server(source);
  auto first = testing::Get(server.address(), "/");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->status, 200);
  EXPECT_THAT(first->Header("content-type"), StartsWith("text/html"));
  std::string etag = first->Header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = testing::Get(server.address(), "/", {{"If-None-Match", etag}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto head = testing::Get(server.address(), "/ui/main.js", {}, "HEAD");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("etag"), Header(Serve("/ui/main.js"), "ETag"));
  EXPECT_THAT(head->Header("content-type"), StartsWith("text/javascript"));
  EXPECT_TRUE(head->body.empty());
}

// The page watches pods and events only where discovery lists the "watch" verb (as the API
// server's does), and polls otherwise: no watch request ends in an error in its console.
TEST(DashboardTest, DiscoveryListsWatchOnlyWhenTheAgentServesWatches) {
  base::VirtualClock clock;
  testing::FakePodSource source;
  LoopMonitor monitor{clock};
  WatchCache watches(clock);
  auto verbs = [&](const ApiHandler& handler, const std::string& name) {
    auto list = nlohmann::json::parse(handler.HandleFully({"GET", "/api/v1", "", ""}).body);
    for (const auto& r : list["resources"]) {
      if (r["name"] == name) return r["verbs"].dump();
    }
    return std::string();
  };
  ApiHandler plain(clock, source, monitor);
  ApiHandler watching(clock, source, monitor, {}, &watches);
  EXPECT_EQ(verbs(plain, "pods"), R"(["get","list"])");
  EXPECT_EQ(verbs(watching, "pods"), R"(["get","list","watch"])");
  EXPECT_EQ(verbs(watching, "events"), R"(["get","list","watch"])");
  EXPECT_EQ(verbs(watching, "pods/log"), R"(["get"])");
}

}  // namespace
}  // namespace probelet::server
