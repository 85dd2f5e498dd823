// The API server over real sockets on 127.0.0.1 (port 0), with a fake PodSource: routes,
// HEAD, keep-alive, the address checks, /healthz on a stalled loop, promtool on /metrics,
// and `logs` streaming (plain, chunked follow, end at a restart).
#include "server/api_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "base/asio_clock.h"
#include "prober/prober_metrics.h"
#include "server/testing/fake_pod_source.h"
#include "server/testing/http_client.h"
#include "server/testing/offset_clock.h"
#include "server/testing/running_server.h"

namespace probelet::server {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Get;
using ::testing::HasSubstr;
using testing::RawConnection;

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api::Time now =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    pod_ = testing::RealisticPod(now);
    source_.SetPods({pod_});
    source_.SetEvents(testing::RealisticEvents(pod_, now));
    source_.SetMetrics(
        "# HELP prober_probe_total Cumulative number of a liveness, readiness or startup probe "
        "for a container by result.\n# TYPE prober_probe_total counter\n"
        "prober_probe_total{container=\"web\",namespace=\"default\",pod=\"web\","
        "pod_uid=\"6f1c\",probe_type=\"Liveness\",result=\"successful\"} 3\n");
    dir_ = std::filesystem::temp_directory_path() / ("api_server_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  void AppendFile(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary | std::ios::app) << content;
  }

  testing::FakePodSource source_;
  api::Pod pod_;
  std::filesystem::path dir_;
};

TEST_F(ApiServerTest, ServesPodsEventsAndHealthz) {
  testing::RunningServer server(source_);
  auto pods = Get(server.address(), "/pods");
  ASSERT_TRUE(pods.ok()) << pods.error().message;
  EXPECT_EQ(pods->status, 200);
  EXPECT_EQ(pods->Header("content-type"), "application/json");
  json list = json::parse(pods->body);
  EXPECT_EQ(list["kind"], "PodList");
  EXPECT_EQ(list["items"][0]["status"]["containerStatuses"][0]["restartCount"], 2);

  auto events = Get(server.address(), "/events");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(json::parse(events->body)["items"].size(), 4u);

  auto healthz = Get(server.address(), "/healthz");
  ASSERT_TRUE(healthz.ok());
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(healthz->body, "ok");
}

TEST_F(ApiServerTest, HeadSendsTheHeadersOfGetWithoutABody) {
  testing::RunningServer server(source_);
  auto get = Get(server.address(), "/pods");
  ASSERT_TRUE(get.ok());
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(c.Send("HEAD /pods HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto raw = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(raw);
  EXPECT_THAT(*raw, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(*raw, HasSubstr("Content-Length: " + std::to_string(get->body.size()) + "\r\n"));
  EXPECT_THAT(*raw, ::testing::EndsWith("\r\n\r\n"));  // and nothing after the header
}

TEST_F(ApiServerTest, OtherMethodsAre405WithAllow) {
  testing::RunningServer server(source_);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    auto r = Get(server.address(), "/pods", {}, method);
    ASSERT_TRUE(r.ok()) << method << ": " << r.error().message;
    EXPECT_EQ(r->status, 405) << method;
    EXPECT_EQ(r->Header("allow"), "GET, HEAD");
  }
}

TEST_F(ApiServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  testing::RunningServer server(source_);
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(
      c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
             "\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto raw = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(raw);
  size_t count = 0;
  for (size_t pos = 0; (pos = raw->find("HTTP/1.1 200 OK", pos)) != std::string::npos; ++pos) {
    ++count;
  }
  EXPECT_EQ(count, 3u);
}

TEST_F(ApiServerTest, RefusesANonLoopbackAddressUnlessAllowed) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  ApiServerOptions options;
  options.address = "0.0.0.0:0";
  ApiServer refused(io, clock, source_, options);
  base::Status s = refused.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("0.0.0.0:0"));
  EXPECT_THAT(s.error().message, HasSubstr("--api-allow-remote"));

  // Allowed, the address check passes and the bind itself decides (this one is not local, so
  // nothing is ever exposed by the test).
  options.address = "192.0.2.1:0";
  options.allow_remote = true;
  ApiServer allowed(io, clock, source_, options);
  s = allowed.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("192.0.2.1:0"));
  EXPECT_THAT(s.error().message, ::testing::Not(HasSubstr("allow-remote")));
}

TEST_F(ApiServerTest, StartErrorsNameTheAddress) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  for (const char* address : {"nonsense", "127.0.0.1:http", "example.com:80", "127.0.0.1:70000"}) {
    ApiServerOptions options;
    options.address = address;
    ApiServer server(io, clock, source_, options);
    base::Status s = server.Start();
    ASSERT_FALSE(s.ok()) << address;
    EXPECT_THAT(s.error().message, HasSubstr(address));
  }
  testing::RunningServer running(source_);
  ApiServerOptions options;
  options.address = running.address();
  ApiServer second(io, clock, source_, options);
  base::Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr(running.address()));
  EXPECT_THAT(s.error().message, HasSubstr("in use"));
}

TEST_F(ApiServerTest, HealthzIs500WithAReasonWhenTheLoopStalls) {
  testing::OffsetClock* offset = nullptr;
  testing::RunningServer server(source_, {}, [&](boost::asio::io_context& io) {
    // The AsioClock must die before `io` does: the OffsetClock owns it, the server owns that.
    auto c = std::make_unique<testing::OffsetClock>(std::make_unique<base::AsioClock>(io));
    offset = c.get();
    return c;
  });
  ASSERT_EQ(Get(server.address(), "/healthz")->status, 200);
  offset->set_offset(seconds(15));  // what the loop sees after 15 s without running
  auto r = Get(server.address(), "/healthz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_THAT(r->body, HasSubstr("event loop stalled"));
}

TEST_F(ApiServerTest, MetricsPassPromtool) {
  // The prober's real metrics (§7.2) after probes of every type and result.
  prober::ProberMetrics metrics;
  using prober::CachedResult;
  using prober::ProbeType;
  const std::string uid = pod_.metadata.uid;
  metrics.Observe(nullptr, {ProbeType::kLiveness, "web", "web", "default", uid},
                  CachedResult::kSuccess, milliseconds(3));
  metrics.Observe(nullptr, {ProbeType::kReadiness, "sidecar", "web", "default", uid},
                  CachedResult::kFailure, milliseconds(20));
  metrics.Observe(nullptr, {ProbeType::kStartup, "web", "web", "default", uid},
                  CachedResult::kUnknown, milliseconds(1500));
  std::string text;
  metrics.WriteText(text);
  source_.SetMetrics(text);
  testing::RunningServer server(source_);
  auto r = Get(server.address(), "/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->body, HasSubstr("prober_probe_total{"));
  EXPECT_THAT(r->body, HasSubstr("prober_probe_duration_seconds_bucket{"));
  EXPECT_THAT(r->body, HasSubstr("\nprocess_open_fds "));
  EXPECT_THAT(r->body, HasSubstr("\nprobelet_api_open_connections 1\n"));
  std::string path = WriteFile("metrics.txt", r->body);
  std::string cmd = "promtool check metrics < " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << out << "\n---\n" << r->body;
}

TEST_F(ApiServerTest, LogsAreStreamedWithoutTheCriPrefix) {
  std::string current = WriteFile("web.log",
                                  "2026-11-28T08:15:50.000000001Z stdout F one\n"
                                  "2026-11-28T08:15:51.000000001Z stderr F two\n"
                                  "2026-11-28T08:15:52.000000001Z stdout F three\n");
  std::string previous = WriteFile("web-prev.log", "2026-11-28T08:10:00.000000001Z stdout F old\n");
  source_.SetLogPath("default", "web", "web", false, current);
  source_.SetLogPath("default", "web", "web", true, previous);
  testing::RunningServer server(source_);
  auto r = Get(server.address(), "/api/v1/namespaces/default/pods/web/log?container=web");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->body, "one\ntwo\nthree\n");
  r = Get(server.address(), "/api/v1/namespaces/default/pods/web/log?container=web&tailLines=2");
  EXPECT_EQ(r->body, "two\nthree\n");
  r = Get(server.address(), "/api/v1/namespaces/default/pods/web/log?container=web&limitBytes=6");
  EXPECT_EQ(r->body, "one\ntw");
  r = Get(server.address(), "/api/v1/namespaces/default/pods/web/log?container=web&previous=true");
  EXPECT_EQ(r->body, "old\n");
  r = Get(server.address(), "/api/v1/namespaces/default/pods/web/log");
  EXPECT_EQ(r->status, 400);
}

TEST_F(ApiServerTest, FollowStreamsNewLinesAndEndsWhenTheContainerRestarts) {
  std::string current = WriteFile("web.log", "2026-11-28T08:15:50.000000001Z stdout F one\n");
  source_.SetLogPath("default", "web", "web", false, current);
  ApiServerOptions options;
  options.log_follow_poll = milliseconds(20);
  testing::RunningServer server(source_, options);
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(
      c.Send("GET /api/v1/namespaces/default/pods/web/log?container=web&follow=true "
             "HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got = c.ReadFor(milliseconds(500));
  EXPECT_THAT(got, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(got, HasSubstr("one\n"));
  AppendFile(current, "2026-11-28T08:15:51.000000001Z stdout P tw");
  AppendFile(current, "o\n2026-11-28T08:15:51.000000001Z stdout F !\n");
  got = c.ReadFor(milliseconds(500));
  EXPECT_THAT(got, HasSubstr("two!\n"));  // a P line and its F continuation make one line
  // The container restarts: its current log is a new file, so the follower ends.
  source_.SetLogPath("default", "web", "web", false, WriteFile("web-1.log", ""));
  auto rest = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(rest.has_value()) << "the stream did not end";
  EXPECT_THAT(*rest, ::testing::EndsWith("0\r\n\r\n"));  // the last chunk
}

TEST_F(ApiServerTest, FollowerThatLeavesIsForgotten) {
  std::string current = WriteFile("web.log", "2026-11-28T08:15:50.000000001Z stdout F one\n");
  source_.SetLogPath("default", "web", "web", false, current);
  ApiServerOptions options;
  options.log_follow_poll = milliseconds(10);
  testing::RunningServer server(source_, options);
  {
    RawConnection c = RawConnection::MustConnect(server.address());
    ASSERT_TRUE(
        c.Send("GET /api/v1/namespaces/default/pods/web/log?container=web&follow=true "
               "HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_THAT(c.ReadFor(milliseconds(300)), HasSubstr("one\n"));
    EXPECT_EQ(server.connection_count(), 1u);
  }
  // The follower notices at its next poll (10 ms); give it up to 2 s.
  for (int i = 0; i < 200 && server.connection_count() != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(server.connection_count(), 0u);
}

// A FakePodSource whose ListPods throws, once armed: a std::exception, or an int (an exception
// of no std type, which the server's `catch (const std::exception&)` used to let through).
class ThrowingPodSource : public testing::FakePodSource {
 public:
  enum class Throw { kNothing, kStd, kInt };
  std::vector<api::Pod> ListPods() const override {
    MaybeThrow();
    return FakePodSource::ListPods();
  }
  void WithPods(const std::function<void(std::span<const PodView>)>& visit) const override {
    MaybeThrow();
    FakePodSource::WithPods(visit);
  }
  void Arm(Throw what) { throw_ = what; }

 private:
  void MaybeThrow() const {
    switch (throw_.load()) {
      case Throw::kStd:
        throw std::runtime_error("the source broke");
      case Throw::kInt:
        throw 42;
      case Throw::kNothing:
        break;
    }
  }

  std::atomic<Throw> throw_{Throw::kNothing};
};

TEST_F(ApiServerTest, AHandlerThatThrowsAnythingIsA500AndTheServerGoesOn) {
  ThrowingPodSource source;
  source.SetPods({pod_});
  testing::RunningServer server(source);
  for (auto what : {ThrowingPodSource::Throw::kStd, ThrowingPodSource::Throw::kInt}) {
    source.Arm(what);
    auto r = Get(server.address(), "/pods");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 500);
    r = Get(server.address(), "/api/v1/namespaces/default/pods/web");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 500);
    source.Arm(ThrowingPodSource::Throw::kNothing);
    r = Get(server.address(), "/pods");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
}

// A FakePodSource whose probe workers are many, and whose ListProbeWorkers throws from its
// `throw_at`th call on (0: never): a long /probes list that breaks while it is produced.
class ManyWorkersPodSource : public testing::FakePodSource {
 public:
  explicit ManyWorkersPodSource(int workers) {
    std::vector<prober::ProbeWorkerStatus> list;
    for (int i = 0; i < workers; ++i) {
      prober::ProbeWorkerStatus w;
      w.pod_namespace = "default";
      w.pod_name = "pod-" + std::to_string(1000 + i);
      w.pod_uid = "uid-" + w.pod_name;
      w.container = "app";
      w.type = prober::ProbeType::kReadiness;
      w.spec = testing::HttpGetProbe("/healthz", 8080);
      list.push_back(std::move(w));
    }
    SetProbeWorkers(std::move(list));
  }
  std::vector<prober::ProbeWorkerStatus> ListProbeWorkers(
      const prober::ProbeWorkerQuery& q) const override {
    if (throw_at_ > 0 && ++calls_ >= throw_at_) throw std::runtime_error("the source broke");
    return FakePodSource::ListProbeWorkers(q);
  }
  void ThrowAt(int call) {
    calls_ = 0;
    throw_at_ = call;
  }

 private:
  mutable std::atomic<int> calls_{0};
  std::atomic<int> throw_at_{0};
};

// A long body goes out over HTTP/1.1 in chunks as it is produced, a page of workers per turn
// of the loop; HTTP/1.0 and HEAD get it whole with its Content-Length, the same bytes.
TEST_F(ApiServerTest, ALongBodyIsSentInChunksAsItIsProduced) {
  ManyWorkersPodSource source(1000);  // 16 pages of 64 workers, about 1 MB
  testing::RunningServer server(source);
  auto r = Get(server.address(), "/probes");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->Header("content-length"), "");
  json list = json::parse(r->body);
  ASSERT_EQ(list["items"].size(), 1000u);
  EXPECT_EQ(list["items"][999]["pod"]["name"], "pod-1999");

  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(c.Send("GET /probes HTTP/1.0\r\n\r\n"));
  auto raw = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(raw);
  EXPECT_THAT(*raw, HasSubstr("Content-Length: " + std::to_string(r->body.size()) + "\r\n"));
  EXPECT_THAT(*raw, ::testing::EndsWith("\r\n\r\n" + r->body));

  RawConnection h = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(h.Send("HEAD /probes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  raw = h.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(raw);
  EXPECT_THAT(*raw, HasSubstr("Content-Length: " + std::to_string(r->body.size()) + "\r\n"));
  EXPECT_THAT(*raw, ::testing::EndsWith("\r\n\r\n"));
}

// Once the header of a chunked body is out, a piece that throws can no longer become a 500:
// the body is cut short (no last chunk) and the connection closed, so that no client takes
// half a list for the whole; the server goes on.
TEST_F(ApiServerTest, APieceThatThrowsMidBodyCutsTheResponseShort) {
  ManyWorkersPodSource source(1000);
  testing::RunningServer server(source);
  source.ThrowAt(5);  // four pages of 64 workers (about 90 KB) go well, the fifth throws
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(c.Send("GET /probes HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto raw = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->substr(0, 17), "HTTP/1.1 200 OK\r\n");
  EXPECT_NE(raw->find("\"pod-1000\""), std::string::npos);  // a chunk went out
  EXPECT_EQ(raw->find("\"pod-1999\""), std::string::npos);
  EXPECT_NE(raw->substr(raw->size() - 5), "0\r\n\r\n");  // no last chunk
  auto cut = Get(server.address(), "/probes");
  EXPECT_FALSE(cut.ok());  // the client library sees the body end early

  source.ThrowAt(0);
  auto r = Get(server.address(), "/probes");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::parse(r->body)["items"].size(), 1000u);
}

// An exception escaping a connection's coroutine (here from the follower's check that its
// container still runs, outside any handler) used to be logged and swallowed when it was a
// std::exception, leaving the agent running with a server in an unknown state. It now leaves
// io_context::run() for the loop's owner, which stops the agent gracefully (kubelet::Agent).
TEST_F(ApiServerTest, AnExceptionEscapingACoroutineReachesTheLoopsOwner) {
  ThrowingPodSource source;
  source.SetPods({pod_});
  std::string current = WriteFile("web.log", "2026-11-28T08:15:50.000000001Z stdout F one\n");
  source.SetLogPath("default", "web", "web", false, current);
  boost::asio::io_context io;
  base::AsioClock clock(io);
  ApiServerOptions options;
  options.address = "127.0.0.1:0";
  options.log_follow_poll = milliseconds(10);
  ApiServer server(io, clock, source, options);
  ASSERT_TRUE(server.Start().ok());
  std::string address = server.bound_address();
  std::thread client([&] {
    RawConnection c = RawConnection::MustConnect(address);
    c.Send(
        "GET /api/v1/namespaces/default/pods/web/log?container=web&follow=true "
        "HTTP/1.1\r\nHost: x\r\n\r\n");
    c.ReadFor(milliseconds(300));
    source.Arm(ThrowingPodSource::Throw::kStd);
    c.ReadUntilClosed(seconds(10));
  });
  // Bounded: a server that swallows the exception would serve on forever.
  boost::asio::steady_timer limit(io, seconds(10));
  limit.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) io.stop();
  });
  std::string escaped;
  try {
    io.run();
  } catch (const std::runtime_error& e) {
    escaped = e.what();
  }
  EXPECT_EQ(escaped, "the source broke");
  server.Stop();
  client.join();
}

}  // namespace
}  // namespace probelet::server
