// Hostile and broken clients against the API server: huge headers, slowloris, a thousand idle
// connections, a connection cap, malformed requests and methods, and memory that stays bounded
// while clients pour bytes in. Each ends in a 4xx answer or a closed connection, and a
// well-behaved client is still served throughout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "server/api_server.h"
#include "server/testing/fake_pod_source.h"
#include "server/testing/http_client.h"
#include "server/testing/running_server.h"

namespace probelet::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Get;
using ::testing::HasSubstr;
using testing::RawConnection;
using ::testing::StartsWith;

// Resident memory of this process (the server runs in it), from /proc/self/statm.
size_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.SetPods({testing::RealisticPod(api::Time(seconds(1'800'000'000)))});
  }
  void ExpectServed(const std::string& address) {
    auto r = Get(address, "/healthz", {}, "GET", milliseconds(2000));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  testing::FakePodSource source_;
};

TEST_F(HostileTest, HugeHeaderIs431AndClosed) {
  testing::RunningServer server(source_);
  RawConnection c = RawConnection::MustConnect(server.address());
  std::string request =
      "GET /pods HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(40000, 'a') + "\r\n\r\n";
  c.Send(request);  // may fail part-way once the server has answered and closed
  auto answer = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(answer.has_value()) << "not closed";
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 431 "));
  ExpectServed(server.address());
}

TEST_F(HostileTest, ManySmallHeadersCountTowardsTheLimit) {
  testing::RunningServer server(source_);
  RawConnection c = RawConnection::MustConnect(server.address());
  std::string request = "GET /pods HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 3000; ++i) request += "X-" + std::to_string(i) + ": y\r\n";
  c.Send(request + "\r\n");
  auto answer = c.ReadUntilClosed(seconds(5));
  ASSERT_TRUE(answer.has_value());
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 431 "));
}

TEST_F(HostileTest, SlowlorisIsCutOffAtTheRequestTimeout) {
  ApiServerOptions options;
  options.request_timeout = milliseconds(300);
  testing::RunningServer server(source_, options);
  RawConnection c = RawConnection::MustConnect(server.address());
  ASSERT_TRUE(c.Send("GET /pods HTTP/1.1\r\n"));
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  // One header byte every 50 ms: each arrives well inside any per-read timeout, but the whole
  // request never does.
  for (int i = 0; i < 60 && !closed; ++i) {
    if (!c.Send("X")) closed = true;
    std::string got = c.ReadFor(milliseconds(50));
    if (!got.empty()) closed = true;
    ExpectServed(server.address());  // others are served meanwhile
    if (i % 5 == 0 && server.connection_count() == 0) closed = true;
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed || c.ReadUntilClosed(milliseconds(100)).has_value());
  EXPECT_LT(elapsed, seconds(2));
}

TEST_F(HostileTest, AThousandIdleConnectionsDoNotStopService) {
  ApiServerOptions options;
  options.request_timeout = milliseconds(1500);
  testing::RunningServer server(source_, options);
  std::vector<RawConnection> idle;
  idle.reserve(1000);
  for (int i = 0; i < 1000; ++i) idle.push_back(RawConnection::MustConnect(server.address()));
  // Every idle socket is accepted and held (counted), and a real client is still served.
  for (int i = 0; i < 100 && server.connection_count() < 1000; ++i) {
    ExpectServed(server.address());
  }
  EXPECT_GE(server.connection_count(), 1000u);
  auto start = std::chrono::steady_clock::now();
  ExpectServed(server.address());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  // Idle past the request timeout, they are all closed by the server.
  for (auto& c : idle) {
    ASSERT_TRUE(c.ReadUntilClosed(seconds(5)).has_value()) << "an idle connection stayed open";
  }
  EXPECT_EQ(server.connection_count(), 0u);
}

TEST_F(HostileTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  ApiServerOptions options;
  options.max_connections = 20;
  testing::RunningServer server(source_, options);
  std::vector<RawConnection> held;
  for (int i = 0; i < 20; ++i) held.push_back(RawConnection::MustConnect(server.address()));
  for (int i = 0; i < 100 && server.connection_count() < 20; ++i) {
    std::this_thread::yield();
  }
  ASSERT_EQ(server.connection_count(), 20u);
  RawConnection extra = RawConnection::MustConnect(server.address());
  auto closed = extra.ReadUntilClosed(seconds(2));
  ASSERT_TRUE(closed.has_value()) << "the 21st connection was held";
  EXPECT_EQ(*closed, "");
  EXPECT_LE(server.connection_count(), 20u);
  held.clear();  // the held ones go; service is back
  for (int i = 0; i < 100; ++i) {
    auto r = Get(server.address(), "/healthz", {}, "GET", milliseconds(500));
    if (r.ok() && r->status == 200) return;
  }
  ADD_FAILURE() << "not served after the held connections closed";
}

TEST_F(HostileTest, MalformedRequestsGet4xxOrAClose) {
  testing::RunningServer server(source_);
  struct Case {
    const char* name;
    std::string request;
    const char* want_status;
  } cases[] = {
      {"garbage", "HELLO\r\n\r\n", "400"},
      {"binary", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n",
       "400"},
      {"no slash", "GET pods HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"absolute form", "GET http://evil/pods HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"bad escape", "GET /pods%zz HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"nul", std::string("GET /pods%00 HTTP/1.1\r\nHost: x\r\n\r\n"), "400"},
      {"traversal", "GET /../../etc/passwd HTTP/1.1\r\nConnection: close\r\n\r\n", "404"},
      {"unknown method", "FROB /pods HTTP/1.1\r\nConnection: close\r\n\r\n", "405"},
      {"post with body", "POST /pods HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "405"},
      {"big body",
       "PUT /pods HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" +
           std::string(20000, 'b'),
       "413"},
      {"bad header line", "GET /pods HTTP/1.1\r\nthis is not a header\r\n\r\n", "400"},
      {"bad content-length", "GET /pods HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "400"},
      {"bad chunking", "GET /pods HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
      {"bad version", "GET /pods HTTP/7\r\n\r\n", "400"},
  };
  for (const auto& c : cases) {
    RawConnection conn = RawConnection::MustConnect(server.address());
    conn.Send(c.request);
    auto answer = conn.ReadUntilClosed(seconds(5));
    std::string want = std::string("HTTP/1.1 ") + c.want_status;
    ASSERT_TRUE(answer.has_value()) << c.name << ": connection left open";
    EXPECT_THAT(*answer, StartsWith(want)) << c.name;
  }
  ExpectServed(server.address());
}

TEST_F(HostileTest, MemoryStaysBoundedWhileClientsPourBytesIn) {
  testing::RunningServer server(source_);
  ExpectServed(server.address());
  size_t before = ResidentBytes();
  // 200 clients each try to send a 1 MiB header; the server must stop each at its header limit.
  std::string flood = "GET /pods HTTP/1.1\r\nX-Flood: " + std::string(1 << 20, 'f');
  std::vector<RawConnection> clients;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(RawConnection::MustConnect(server.address()));
    clients.back().Send(flood);
  }
  for (auto& c : clients) c.ReadUntilClosed(seconds(5));
  size_t after = ResidentBytes();
  // Unbounded buffering would hold ~200 MiB; bounded, each connection costs a few tens of KiB.
  EXPECT_LT(after - std::min(after, before), size_t{40} << 20)
      << "RSS grew from " << before << " to " << after;
  ExpectServed(server.address());
}

}  // namespace
}  // namespace probelet::server
