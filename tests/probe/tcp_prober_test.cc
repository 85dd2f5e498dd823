// The TCP prober against real sockets on 127.0.0.1 (§5.4, T43).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/asio_clock.h"
#include "base/virtual_clock.h"
#include "probe/http_probe_runner.h"
#include "probe/probe_socket.h"
#include "probe/testing/black_hole.h"
#include "probe/testing/virtual_time_probe.h"
#include "testing/http_test_server.h"

namespace probelet::probe {
namespace {

using namespace std::chrono_literals;

class TcpProberTest : public ::testing::Test {
 protected:
  ProbeRun Probe(const std::string& host, int port, base::Duration timeout = 1s) {
    return RunProbe(
        io_, [&](OutcomeCallback done) { prober_->Probe(host, port, timeout, std::move(done)); });
  }
  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  ProberStats stats_;
  std::unique_ptr<TcpProber> prober_ = NewTcpProber(io_, clock_, ProbeSocketOptions{}, &stats_);
};

// T43: a listening port is a success with empty output and no error.
TEST_F(TcpProberTest, T43ListeningPortSucceeds) {
  testing::HttpTestServer server;
  const ProbeRun run = Probe("127.0.0.1", server.port());
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->result, Result::kSuccess);
  EXPECT_EQ(run.outcome->output, "");
  EXPECT_FALSE(run.outcome->error.has_value());
}

// T43: port -1 is a failure, not an error.
TEST_F(TcpProberTest, T43NegativePortFails) {
  const ProbeRun run = Probe("127.0.0.1", -1);
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->result, Result::kFailure);
  EXPECT_EQ(run.outcome->output, "dial tcp: address -1: invalid port");
  EXPECT_FALSE(run.outcome->error.has_value());
}

TEST_F(TcpProberTest, RefusedHasGoText) {
  boost::asio::io_context io;
  uint16_t port = 0;
  {
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  const ProbeRun run = Probe("127.0.0.1", port);
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->result, Result::kFailure);
  EXPECT_EQ(run.outcome->output,
            "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST_F(TcpProberTest, UnknownHostFails) {
  const ProbeRun run = Probe("no-such-host.invalid", 80);
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->result, Result::kFailure);
  EXPECT_EQ(run.outcome->output, "dial tcp: lookup no-such-host.invalid: no such host");
}

// A listener whose accept queue is full drops new SYNs, so a connect hangs: the probe must
// end at its timeout with Go's "i/o timeout".
TEST_F(TcpProberTest, ConnectTimeout) {
  testing::BlackHole hole;
  const int port = hole.port();
  const ProbeRun run = Probe("127.0.0.1", port, 300ms);
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->result, Result::kFailure);
  EXPECT_EQ(run.outcome->output, "dial tcp 127.0.0.1:" + std::to_string(port) + ": i/o timeout");
  EXPECT_GE(run.elapsed, 300ms);
  // A SYN to a full backlog is retried for minutes: the bound tells the timeout from that, with
  // room for a loaded machine.
  EXPECT_LE(run.elapsed, 300ms + 1500ms) << Ms(run.elapsed).count() << " ms";
}

// The timeout on the clock the prober is given: a connect that never completes ends at exactly
// timeoutSeconds of virtual time with Go's "i/o timeout", not a nanosecond before.
TEST_F(TcpProberTest, ConnectTimesOutAtExactlyTheTimeoutOnTheGivenClock) {
  testing::BlackHole hole;
  base::VirtualClock clock;
  auto prober = NewTcpProber(io_, clock, ProbeSocketOptions{});
  testing::VirtualTimeProbe probe(io_, clock);
  const base::MonoTime t0 = clock.Now();
  prober->Probe("127.0.0.1", hole.port(), 1s, probe.Callback());  // timeoutSeconds: 1
  probe.Settle();  // the connect() is in flight: its SYN is dropped
  probe.Advance(1s - 1ns);
  EXPECT_FALSE(probe.outcome()) << probe.outcome()->output;
  probe.Advance(1ns);
  ASSERT_TRUE(probe.outcome());
  EXPECT_EQ(probe.at() - t0, 1s);
  EXPECT_EQ(probe.outcome()->result, Result::kFailure);
  EXPECT_EQ(probe.outcome()->output,
            "dial tcp 127.0.0.1:" + std::to_string(hole.port()) + ": i/o timeout");
  EXPECT_FALSE(probe.outcome()->error.has_value());
}

TEST_F(TcpProberTest, DestroyingTheProberCancelsWithoutCallbacks) {
  int called = 0;
  prober_->Probe("no-such-host.invalid", 80, 5s, [&](Outcome) { ++called; });
  prober_->Probe("127.0.0.1", 1, 5s, [&](Outcome) { ++called; });
  prober_.reset();
  io_.run_for(100ms);
  EXPECT_EQ(called, 0);
  EXPECT_EQ(stats_.in_flight, 0u);
}

TEST_F(TcpProberTest, CallbackNeverRunsInsideProbe) {
  bool inside = false;
  bool called = false;
  boost::asio::post(io_, [&] {
    inside = true;
    prober_->Probe("127.0.0.1", 70000, 1s, [&](Outcome o) {
      EXPECT_FALSE(inside);
      EXPECT_EQ(o.output, "dial tcp: address 70000: invalid port");
      called = true;
    });
    inside = false;
  });
  io_.run_for(10s);  // returns once the callback has run: nothing else is pending
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace probelet::probe
