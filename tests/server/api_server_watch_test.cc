// Watch streams over real sockets (watch_stream.h): chunked newline-delimited events that arrive
// as the cache changes, the end at timeoutSeconds and at Stop (the last chunk), a raw stream for
// HTTP/1.0, and a client that does not read dropped rather than buffered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "server/testing/fake_pod_source.h"
#include "server/testing/http_client.h"
#include "server/testing/running_server.h"
#include "server/watch_cache.h"

namespace probelet::server {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using testing::RawConnection;

class ApiServerWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api::Time now =
        std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    pod_ = testing::RealisticPod(now);
    source_.SetPods({pod_});
  }
  static std::string Request(const std::string& target, const std::string& version = "1.1") {
    return "GET " + target + " HTTP/" + version + "\r\nHost: x\r\n\r\n";
  }
  // Reads until `needle` has arrived (bounded).
  static std::string ReadUntil(RawConnection& c, const std::string& needle, std::string got = {}) {
    for (int i = 0; i < 50 && got.find(needle) == std::string::npos; ++i) {
      got += c.ReadFor(milliseconds(100));
    }
    return got;
  }

  testing::FakePodSource source_;
  api::Pod pod_;
};

TEST_F(ApiServerWatchTest, EventsArriveAsChunksAndTimeoutSecondsEndsTheStreamCleanly) {
  testing::RunningServer server(source_, {}, {}, WatchCache::Options{});
  server.OnLoop([&] { server.watches()->PodChanged(pod_); });  // version 2
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(c.Send(Request("/api/v1/pods?watch=true&resourceVersion=2&timeoutSeconds=2")));
  std::string got = ReadUntil(c, "\r\n\r\n");
  EXPECT_THAT(got, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(got, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(got, HasSubstr("Content-Type: application/json"));

  api::Pod changed = pod_;
  changed.status.phase = "Failed";
  server.OnLoop([&] { server.watches()->PodChanged(changed); });
  got = ReadUntil(c, "\"MODIFIED\"", got);
  ASSERT_THAT(got, HasSubstr("{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\""));
  EXPECT_THAT(got, HasSubstr("\"resourceVersion\":\"3\""));
  EXPECT_THAT(got, HasSubstr("}\n\r\n")) << "one event per line, the line in its chunk";

  auto rest = c.ReadUntilClosed(std::chrono::seconds(5));
  ASSERT_TRUE(rest.has_value()) << "timeoutSeconds=2 ends the watch";
  EXPECT_THAT(*rest, ::testing::EndsWith("0\r\n\r\n")) << "with the last chunk";
  EXPECT_EQ(server.connection_count(), 0u);
}

TEST_F(ApiServerWatchTest, StoppingTheServerEndsEveryWatchWithTheLastChunk) {
  testing::RunningServer server(source_, {}, {}, WatchCache::Options{});
  std::vector<RawConnection> watchers;
  for (int i = 0; i < 3; ++i) {
    watchers.push_back(RawConnection::MustConnect(server.address()));
    ASSERT_TRUE(watchers.back().Send(Request("/api/v1/namespaces/default/pods?watch=1")));
    std::string got = ReadUntil(watchers.back(), "\"ADDED\"");
    ASSERT_THAT(got, HasSubstr("\"ADDED\"")) << "the current pod first";
  }
  server.Stop();
  for (auto& c : watchers) {
    auto rest = c.ReadUntilClosed(std::chrono::seconds(5));
    ASSERT_TRUE(rest.has_value());
    EXPECT_THAT(*rest, ::testing::EndsWith("0\r\n\r\n"));
  }
}

TEST_F(ApiServerWatchTest, AnHttp10ClientGetsAPlainStreamEndedByTheClose) {
  testing::RunningServer server(source_, {}, {}, WatchCache::Options{});
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(c.Send(Request("/api/v1/pods?watch=true&timeoutSeconds=1", "1.0")));
  auto all = c.ReadUntilClosed(std::chrono::seconds(5));
  ASSERT_TRUE(all.has_value());
  EXPECT_THAT(*all, ::testing::Not(HasSubstr("chunked")));
  size_t body = all->find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  json event = json::parse(all->substr(body + 4));
  EXPECT_EQ(event["type"], "ADDED");
}

TEST_F(ApiServerWatchTest, AClientThatDoesNotReadIsDroppedNotBuffered) {
  WatchCache::Options options;
  options.watcher_buffer_bytes = 512 * 1024;
  ApiServerOptions server_options;
  server_options.request_timeout = std::chrono::seconds(1);  // bounds a write that does not move
  testing::RunningServer server(source_, server_options, {}, options);
  RawConnection idle = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(idle.Send(Request("/api/v1/pods?watch=true&resourceVersion=1")));
  RawConnection reader = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(reader.Send(Request("/api/v1/pods?watch=true&resourceVersion=1")));
  ReadUntil(reader, "\r\n\r\n");
  // Changes (each a whole pod) until the idle client's socket buffers and then its bound are
  // full; the reader takes its share as it comes.
  uint64_t dropped = 0;
  for (int round = 0; round < 3000 && dropped == 0; ++round) {
    server.OnLoop([&] {
      for (int i = 0; i < 5; ++i) server.watches()->PodChanged(pod_);
      dropped = server.watches()->dropped_watchers();
    });
    reader.ReadFor(milliseconds(2));
  }
  EXPECT_EQ(dropped, 1u);
  size_t watchers = 2;
  for (int i = 0; i < 100 && watchers != 1; ++i) {
    server.OnLoop([&] { watchers = server.watches()->watcher_count(); });
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(watchers, 1u) << "only the reader is left";
  for (int i = 0; i < 100 && server.connection_count() != 1; ++i) {
    reader.ReadFor(milliseconds(50));
  }
  EXPECT_EQ(server.connection_count(), 1u) << "the idle client's connection is closed";
  reader.ReadFor(milliseconds(200));
  server.OnLoop([&] { server.watches()->PodChanged(pod_); });
  EXPECT_THAT(ReadUntil(reader, "\"MODIFIED\""), HasSubstr("\"MODIFIED\"")) << "the reader goes on";
}

}  // namespace
}  // namespace probelet::server
