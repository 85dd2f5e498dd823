// The gRPC prober against a real gRPC health server on 127.0.0.1 (T45 and every outcome of
// §5.5.5), plus a plain TCP peer that is not gRPC.
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "base/asio_clock.h"
#include "base/virtual_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "probe/probers.h"
#include "probe/testing/black_hole.h"
#include "probe/testing/virtual_time_probe.h"
#include "testing/grpc_health_server.h"

namespace probelet::probe {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Mode = testing::GrpcHealthServer::Mode;

// Probes that must succeed get a timeout no loaded machine reaches (a gRPC connection under
// ASan in a parallel run can take a second); upper bounds on the time a probe takes to fail
// tell "ends at its deadline" from "hangs", with room for that load. How fast the prober is
// belongs in bench/.
constexpr base::Duration kAmple = 10s;
constexpr base::Duration kSlack = 1500ms;

long long Ms(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

class GrpcProberTest : public ::testing::Test {
 protected:
  struct Done {
    Outcome outcome;
    base::Duration elapsed{};
  };
  Done ProbeOnce(const std::string& host, int port, const std::string& service,
                 base::Duration timeout) {
    std::optional<Done> done;
    auto start = clock_.Now();
    prober_->Probe(host, port, service, timeout, [&](Outcome o) {
      done = Done{std::move(o), clock_.Now() - start};
    });
    EXPECT_FALSE(done) << "never called back from inside Probe";
    io_.restart();
    while (!done && clock_.Now() - start < timeout + 10s) io_.run_one_for(1s);
    EXPECT_TRUE(done);
    return done.value_or(Done{});
  }

  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  std::unique_ptr<GrpcProber> prober_ = NewGrpcProber(io_, clock_);
};

// A port with nothing listening: bound but not listening, so nobody else takes it meanwhile.
class ClosedPort {
 public:
  ClosedPort() : socket_(io_, boost::asio::ip::tcp::v4()) {
    socket_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  }
  int port() const { return socket_.local_endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

TEST_F(GrpcProberTest, T45_ServingIsSuccess) {
  testing::GrpcHealthServer server;
  auto [o, elapsed] = ProbeOnce("127.0.0.1", server.port(), "", kAmple);
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "service healthy");
  EXPECT_FALSE(o.error);
}

TEST_F(GrpcProberTest, T45_NotServingIsFailureNamingTheStatus) {
  testing::GrpcHealthServer server;
  server.SetMode("", Mode::kNotServing);
  auto [o, elapsed] = ProbeOnce("127.0.0.1", server.port(), "", kAmple);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "service unhealthy (responded with \"NOT_SERVING\")");
  EXPECT_FALSE(o.error);
}

TEST_F(GrpcProberTest, ServiceNameIsSentAndUnknownServiceIsFailure) {
  testing::GrpcHealthServer server;
  server.SetMode("db", Mode::kServing);
  EXPECT_EQ(ProbeOnce("127.0.0.1", server.port(), "db", kAmple).outcome.result, Result::kSuccess);
  EXPECT_EQ(ProbeOnce("127.0.0.1", server.port(), "cache", kAmple).outcome.output,
            "service unhealthy (responded with \"SERVICE_UNKNOWN\")");
  server.SetMode("db", Mode::kUnknown);
  EXPECT_EQ(ProbeOnce("127.0.0.1", server.port(), "db", kAmple).outcome.output,
            "service unhealthy (responded with \"UNKNOWN\")");
}

TEST_F(GrpcProberTest, T45_SlowServerIsRpcTimeoutWithinTheDeadline) {
  testing::GrpcHealthServer server;
  server.SetDelay(30s);  // interrupted when the server stops
  auto [o, elapsed] = ProbeOnce("127.0.0.1", server.port(), "", 2s);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "timeout: health rpc did not complete within 2s");
  EXPECT_FALSE(o.error);
  EXPECT_GE(elapsed, 2s);
  EXPECT_LT(elapsed, 2s + kSlack) << Ms(elapsed) << " ms";
}

TEST_F(GrpcProberTest, UnimplementedIsFailureWithTheServerMessage) {
  testing::GrpcHealthServer server;
  server.SetMode("", Mode::kUnimplemented);
  auto [o, elapsed] = ProbeOnce("127.0.0.1", server.port(), "", kAmple);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output,
            "error: this server does not implement the grpc health protocol "
            "(grpc.health.v1.Health): unknown service grpc.health.v1.Health");
}

TEST_F(GrpcProberTest, T45_NothingListeningWithEmptyHostIsConnectTimeout) {
  ClosedPort closed;
  auto [o, elapsed] = ProbeOnce("", closed.port(), "", 1s);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "timeout: failed to connect service \":" + std::to_string(closed.port()) +
                          "\" within 1s: context deadline exceeded");
  EXPECT_FALSE(o.error);
  EXPECT_LT(elapsed, 1s + kSlack) << Ms(elapsed) << " ms";
}

TEST_F(GrpcProberTest, UnresolvableHostIsConnectTimeoutAsWithABlockingDial) {
  auto [o, elapsed] = ProbeOnce("no-such-host.invalid", 50051, "", 300ms);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output,
            "timeout: failed to connect service \"no-such-host.invalid:50051\" within 300ms: "
            "context deadline exceeded");
  EXPECT_LT(elapsed, 300ms + kSlack) << Ms(elapsed) << " ms";
}

TEST_F(GrpcProberTest, Ipv6LiteralIsBracketed) {
  auto [o, elapsed] = ProbeOnce("::1", ClosedPort().port(), "", 200ms);
  EXPECT_THAT(o.output, HasSubstr("\"[::1]:"));
}

TEST_F(GrpcProberTest, T45_PlainHttpServerIsFailure) {
  // A TCP peer that answers like an HTTP/1.1 server and closes: never a gRPC connection.
  boost::asio::io_context peer_io;
  boost::asio::ip::tcp::acceptor acceptor(peer_io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  int port = acceptor.local_endpoint().port();
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;
      auto sock = std::make_shared<boost::asio::ip::tcp::socket>(std::move(s));
      static const std::string kReply =
          "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      boost::asio::async_write(*sock, boost::asio::buffer(kReply),
                               [sock](boost::system::error_code, size_t) {});
      accept();
    });
  };
  accept();
  std::thread peer([&] { peer_io.run_for(5s); });
  auto [o, elapsed] = ProbeOnce("127.0.0.1", port, "", 1s);
  peer_io.stop();
  peer.join();
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_FALSE(o.error);
  EXPECT_THAT(o.output, StartsWith("timeout: failed to connect service"));
}

TEST_F(GrpcProberTest, UserAgentIsKubeProbe) {
  testing::GrpcHealthServer server;
  ProbeOnce("127.0.0.1", server.port(), "", kAmple);
  EXPECT_THAT(server.last_user_agent(), StartsWith("kube-probe/1.35"));
}

TEST_F(GrpcProberTest, StoppedServerMidwayIsAFailureNotAHang) {
  auto server = std::make_unique<testing::GrpcHealthServer>();
  int port = server->port();
  EXPECT_EQ(ProbeOnce("127.0.0.1", port, "", kAmple).outcome.result, Result::kSuccess);
  server.reset();
  auto [o, elapsed] = ProbeOnce("127.0.0.1", port, "", 500ms);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "timeout: failed to connect service \"127.0.0.1:" + std::to_string(port) +
                          "\" within 500ms: context deadline exceeded");
}

TEST_F(GrpcProberTest, EachProbeOpensItsOwnConnection) {
  testing::GrpcHealthServer server;
  for (int i = 0; i < 3; ++i) ProbeOnce("127.0.0.1", server.port(), "", kAmple);
  EXPECT_EQ(server.checks(), 3);
}

TEST_F(GrpcProberTest, ManyConcurrentProbesAllComplete) {
  testing::GrpcHealthServer server;
  int done = 0, healthy = 0;
  for (int i = 0; i < 50; ++i) {
    prober_->Probe("127.0.0.1", server.port(), "", kAmple, [&](Outcome o) {
      ++done;
      healthy += o.result == Result::kSuccess;
    });
  }
  auto start = clock_.Now();
  while (done < 50 && clock_.Now() - start < kAmple + 5s) io_.run_one_for(1s);
  EXPECT_EQ(done, 50);
  EXPECT_EQ(healthy, 50);
}

// The timeout on the clock the prober is given. gRPC also enforces the deadline on its own
// real-time clock, so these use timeoutSeconds: 60, which no run of the test comes near: the
// outcome can only come from the virtual clock.
constexpr base::Duration kVirtualTimeout = 60s;

// A connection that never completes ends the probe at exactly timeoutSeconds of virtual time
// with the kubelet's dial-timeout text, not a nanosecond before.
TEST_F(GrpcProberTest, ConnectTimesOutAtExactlyTheTimeoutOnTheGivenClock) {
  testing::BlackHole hole;
  base::VirtualClock clock;
  auto prober = NewGrpcProber(io_, clock);
  testing::VirtualTimeProbe probe(io_, clock);
  const base::MonoTime t0 = clock.Now();
  prober->Probe("127.0.0.1", hole.port(), "", kVirtualTimeout, probe.Callback());
  probe.Settle();
  probe.Advance(kVirtualTimeout - 1ns);
  EXPECT_FALSE(probe.outcome()) << probe.outcome()->output;
  probe.Advance(1ns);
  ASSERT_TRUE(probe.outcome());
  EXPECT_EQ(probe.at() - t0, kVirtualTimeout);
  EXPECT_EQ(probe.outcome()->result, Result::kFailure);
  EXPECT_EQ(probe.outcome()->output,
            "timeout: failed to connect service \"127.0.0.1:" + std::to_string(hole.port()) +
                "\" within 1m0s: context deadline exceeded");
  EXPECT_FALSE(probe.outcome()->error);
}

// Connected, the server holds the Check: the probe ends at exactly timeoutSeconds of virtual
// time with the kubelet's RPC-timeout text.
TEST_F(GrpcProberTest, RpcTimesOutAtExactlyTheTimeoutOnTheGivenClock) {
  testing::GrpcHealthServer server;
  // Longer than the timeout; interrupted when the server stops.
  server.SetDelay(std::chrono::duration_cast<std::chrono::milliseconds>(2 * kVirtualTimeout));
  base::VirtualClock clock;
  auto prober = NewGrpcProber(io_, clock);
  testing::VirtualTimeProbe probe(io_, clock);
  const base::MonoTime t0 = clock.Now();
  prober->Probe("127.0.0.1", server.port(), "", kVirtualTimeout, probe.Callback());
  // Real I/O, no virtual time: the channel connects and the server has the Check.
  ASSERT_TRUE(probe.RunUntil([&] { return server.checks() == 1; }));
  probe.Settle();
  probe.Advance(kVirtualTimeout - 1ns);
  EXPECT_FALSE(probe.outcome()) << probe.outcome()->output;
  probe.Advance(1ns);
  ASSERT_TRUE(probe.outcome());
  EXPECT_EQ(probe.at() - t0, kVirtualTimeout);
  EXPECT_EQ(probe.outcome()->result, Result::kFailure);
  EXPECT_EQ(probe.outcome()->output, "timeout: health rpc did not complete within 1m0s");
  EXPECT_FALSE(probe.outcome()->error);
}

TEST_F(GrpcProberTest, DestroyingTheProberCancelsWithoutCalling) {
  testing::GrpcHealthServer server;
  server.SetDelay(30s);
  bool called = false;
  prober_->Probe("127.0.0.1", server.port(), "", 30s, [&](Outcome) { called = true; });
  io_.run_for(100ms);
  auto start = clock_.Now();
  prober_.reset();
  EXPECT_LT(clock_.Now() - start, 5s)
      << Ms(clock_.Now() - start) << " ms: the destructor cancels, it does not wait the RPC out";
  io_.restart();
  io_.run_for(100ms);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace probelet::probe
