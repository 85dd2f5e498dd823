// The HTTP prober against real servers on 127.0.0.1 (§5.3, T36-T40).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/asio_clock.h"
#include "base/virtual_clock.h"
#include "probe/http_probe_runner.h"
#include "probe/http_request.h"
#include "probe/probe_socket.h"
#include "probe/testing/virtual_time_probe.h"
#include "testing/http_test_server.h"

namespace probelet::probe {
namespace {

using namespace std::chrono_literals;
using testing::HttpTestServer;
using testing::Response;
using testing::SeenRequest;

class HttpProberTest : public ::testing::Test {
 protected:
  HttpRequest Request(const std::string& url, const std::vector<std::string>& headers = {},
                      bool follow_non_local = false) {
    auto r = ParseProbeUrl(url, headers);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    HttpRequest req = r.ok() ? *r : HttpRequest{};
    req.follow_non_local_redirects = follow_non_local;
    return req;
  }

  ProbeRun Probe(const HttpRequest& request, base::Duration timeout = 1s) {
    return RunProbe(
        io_, [&](OutcomeCallback done) { prober_->Probe(request, timeout, std::move(done)); });
  }

  Outcome ProbeUrl(const std::string& url, const std::vector<std::string>& headers = {},
                   bool follow_non_local = false) {
    ProbeRun run = Probe(Request(url, headers, follow_non_local));
    EXPECT_TRUE(run.outcome.has_value()) << "no outcome for " << url;
    return run.outcome.value_or(Outcome{});
  }

  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  ProberStats stats_;
  std::unique_ptr<HttpProber> prober_ = NewHttpProber(io_, clock_, ProbeSocketOptions{}, &stats_);
};

// A port with nothing listening: bound, then closed.
uint16_t ClosedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// §5.3.2.9.1: exactly the kubelet's bytes.
TEST_F(HttpProberTest, SendsExactlyTheKubeletsRequestBytes) {
  HttpTestServer server;
  server.Handle("/healthz", Response::Echo);
  const Outcome o = ProbeUrl(server.Url("/healthz"));
  const std::string expected =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
      "\r\nUser-Agent: kube-probe/1.35\r\nAccept: */*\r\n"
      "Connection: close\r\n\r\n";
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, expected);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].head, expected);
}

TEST_F(HttpProberTest, UserHeadersAreSortedAfterHostAndUserAgent) {
  HttpTestServer server;
  server.Handle("/", Response::Echo);
  const Outcome o = ProbeUrl(server.Url("/"), {"x-b: 2", "Authorization: t", "x-a: 1"});
  EXPECT_EQ(o.output, "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                          "\r\nUser-Agent: kube-probe/1.35\r\nAccept: */*\r\n"
                          "Authorization: t\r\nX-A: 1\r\nX-B: 2\r\nConnection: close\r\n\r\n");
}

// T37 TestHTTPProbeChecker.
TEST_F(HttpProberTest, T37OkBodyIsTheOutput) {
  HttpTestServer server;
  server.Handle("/", [](const SeenRequest&) { return Response::Text(200, "ok body"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "ok body");
  EXPECT_FALSE(o.error.has_value());
}

TEST_F(HttpProberTest, T37HeadersReachTheServer) {
  HttpTestServer server;
  server.HandleDefault(Response::Echo);
  ProbeUrl(server.Url("/"), {"X-Muffins-Or-Cupcakes: muffins"});
  ProbeUrl(server.Url("/"), {"User-Agent: foo/1.0"});
  ProbeUrl(server.Url("/"), {"User-Agent:"});
  ProbeUrl(server.Url("/"));
  ProbeUrl(server.Url("/"), {"Host: muffins.cupcakes.org"});
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].Header("X-Muffins-Or-Cupcakes"), "muffins");
  EXPECT_EQ(seen[1].Header("User-Agent"), "foo/1.0");
  EXPECT_EQ(seen[2].Header("User-Agent"), std::nullopt);
  EXPECT_EQ(seen[3].Header("User-Agent"), "kube-probe/1.35");
  EXPECT_EQ(seen[4].Header("Host"), "muffins.cupcakes.org");
}

TEST_F(HttpProberTest, T37BrokenConnectionIsAFailure) {
  HttpTestServer server;
  server.Handle("/", [](const SeenRequest&) { return Response::Raw(""); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + server.Url("/") + "\": EOF");
}

TEST_F(HttpProberTest, T37ServerErrorIsAFailure) {
  HttpTestServer server;
  server.Handle("/", [](const SeenRequest&) { return Response::Text(500, "boom"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "HTTP probe failed with statuscode: 500");
  EXPECT_FALSE(o.error.has_value());
}

TEST_F(HttpProberTest, T37SlowHandlerTimesOut) {
  HttpTestServer server;
  server.Handle("/", [](const SeenRequest&) {
    Response r = Response::Text(200, "late");
    r.delay = 30s;  // cut short when the server stops
    return r;
  });
  const ProbeRun run = Probe(Request(server.Url("/")), 300ms);
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->result, Result::kFailure);
  EXPECT_EQ(run.outcome->output,
            "Get \"" + server.Url("/") +
                "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
  EXPECT_GE(run.elapsed, 300ms);
  // Tells "ends at the timeout" from "waits for the answer", with room for a loaded machine.
  EXPECT_LT(run.elapsed, 300ms + 1500ms) << Ms(run.elapsed).count() << " ms";
}

// The timeout on the clock the prober is given (Go's Client.Timeout, which the kubelet sets to
// timeoutSeconds): a server that accepts and reads the request but never answers ends the
// probe at exactly timeoutSeconds of virtual time, not a nanosecond before, with Go's text.
TEST_F(HttpProberTest, AwaitingHeadersTimesOutAtExactlyTheTimeoutOnTheGivenClock) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::NoAnswer(); });
  base::VirtualClock clock;
  auto prober = NewHttpProber(io_, clock, ProbeSocketOptions{});
  testing::VirtualTimeProbe probe(io_, clock);
  const base::MonoTime t0 = clock.Now();
  prober->Probe(Request(server.Url("/")), 1s, probe.Callback());  // timeoutSeconds: 1
  // Real I/O, no virtual time: connect and send; the server has the request.
  ASSERT_TRUE(probe.RunUntil([&] { return server.requests().size() == 1; }));
  probe.Settle();
  probe.Advance(1s - 1ns);
  EXPECT_FALSE(probe.outcome()) << probe.outcome()->output;
  probe.Advance(1ns);
  ASSERT_TRUE(probe.outcome());
  EXPECT_EQ(probe.at() - t0, 1s);
  EXPECT_EQ(probe.outcome()->result, Result::kFailure);
  EXPECT_EQ(probe.outcome()->output,
            "Get \"" + server.Url("/") +
                "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
  EXPECT_FALSE(probe.outcome()->error.has_value());
}

TEST_F(HttpProberTest, T37RedirectsToAWorkingPageSucceed) {
  for (int code : {301, 302, 307, 308}) {
    HttpTestServer server;
    server.Handle("/", [code](const SeenRequest&) { return Response::Redirect(code, "/new"); });
    server.Handle("/new", [](const SeenRequest&) { return Response::Text(200, "new"); });
    const Outcome o = ProbeUrl(server.Url("/"), {}, /*follow_non_local=*/true);
    EXPECT_EQ(o.result, Result::kSuccess) << code;
    EXPECT_EQ(o.output, "new") << code;
    // Go's client adds the previous URL as Referer on the redirected request.
    ASSERT_EQ(server.requests().size(), 2u);
    EXPECT_EQ(server.requests()[1].Header("Referer"), server.Url("/"));
  }
}

TEST_F(HttpProberTest, T37RedirectsToAFailingPageFail) {
  for (int code : {301, 302, 307, 308}) {
    HttpTestServer server;
    server.Handle("/", [code](const SeenRequest&) { return Response::Redirect(code, "/new"); });
    server.Handle("/new", [](const SeenRequest&) { return Response::Text(500, "no"); });
    const Outcome o = ProbeUrl(server.Url("/"), {}, true);
    EXPECT_EQ(o.result, Result::kFailure) << code;
    EXPECT_EQ(o.output, "HTTP probe failed with statuscode: 500") << code;
  }
}

// T38 TestHTTPProbeChecker_NonLocalRedirects, both modes.
TEST_F(HttpProberTest, T38NonLocalRedirects) {
  HttpTestServer server;
  HttpTestServer other_port;  // same host (127.0.0.1), other port
  for (HttpTestServer* s : {&server, &other_port}) {
    s->Handle("/success", [](const SeenRequest&) { return Response::Text(200, "ok"); });
    s->Handle("/fail", [](const SeenRequest&) { return Response::Text(500, "no"); });
  }
  server.Handle("/loop", [](const SeenRequest&) { return Response::Redirect(302, "/loop"); });
  auto redirect_to = [&](std::string target) {
    server.Handle("/redirect",
                  [target](const SeenRequest&) { return Response::Redirect(302, target); });
  };
  struct Case {
    std::string target;
    Result local;
    Result non_local;
  };
  const std::vector<Case> cases = {
      {"/success", Result::kSuccess, Result::kSuccess},
      {"/fail", Result::kFailure, Result::kFailure},
      {other_port.Url("/success"), Result::kSuccess, Result::kSuccess},
      {other_port.Url("/fail"), Result::kFailure, Result::kFailure},
      {"http://0.0.0.0:" + std::to_string(ClosedPort()) + "/fail", Result::kWarning,
       Result::kFailure},
      {"/loop", Result::kFailure, Result::kFailure},
  };
  for (const Case& c : cases) {
    redirect_to(c.target);
    EXPECT_EQ(ProbeUrl(server.Url("/redirect"), {}, false).result, c.local) << c.target;
    EXPECT_EQ(ProbeUrl(server.Url("/redirect"), {}, true).result, c.non_local) << c.target;
  }
}

// T39 TestHTTPProbeChecker_HostHeaderPreservedAfterRedirect.
TEST_F(HttpProberTest, T39HostHeaderIsPreservedAfterRedirect) {
  HttpTestServer server;
  server.Handle("/redirect",
                [](const SeenRequest&) { return Response::Redirect(302, "/success"); });
  server.Handle("/success", [](const SeenRequest& r) {
    return r.Header("Host") == "www.success.com" ? Response::Text(200, "ok")
                                                 : Response::Text(400, "bad host");
  });
  for (bool follow : {false, true}) {
    EXPECT_EQ(ProbeUrl(server.Url("/redirect"), {"Host: www.success.com"}, follow).result,
              Result::kSuccess);
    EXPECT_EQ(ProbeUrl(server.Url("/redirect"), {"Host: www.fail.com"}, follow).result,
              Result::kFailure);
  }
}

// T40 payload limits: truncated silently at 10 KiB.
TEST_F(HttpProberTest, T40PayloadTruncatedAt10KiB) {
  HttpTestServer server;
  server.Handle("/big",
                [](const SeenRequest&) { return Response::Text(200, std::string(10241, 'a')); });
  server.Handle("/normal",
                [](const SeenRequest&) { return Response::Text(200, std::string(10239, 'a')); });
  const Outcome big = ProbeUrl(server.Url("/big"));
  EXPECT_EQ(big.result, Result::kSuccess);
  EXPECT_FALSE(big.error.has_value());
  EXPECT_EQ(big.output, std::string(10240, 'a'));
  const Outcome normal = ProbeUrl(server.Url("/normal"));
  EXPECT_EQ(normal.output, std::string(10239, 'a'));
}

// T36 TestHTTPProbeProxy: environment proxies are ignored.
TEST_F(HttpProberTest, T36EnvironmentProxyIsIgnored) {
  HttpTestServer proxy;
  proxy.HandleDefault([](const SeenRequest&) { return Response::Text(200, "proxied"); });
  HttpTestServer target;
  target.Handle("/", [](const SeenRequest&) { return Response::Text(200, "direct"); });
  for (const char* var : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"}) {
    ::setenv(var, proxy.Url("").c_str(), 1);
  }
  const Outcome o = ProbeUrl(target.Url("/"));
  for (const char* var : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"}) {
    ::unsetenv(var);
  }
  EXPECT_EQ(o.output, "direct");
  EXPECT_TRUE(proxy.requests().empty());
}

TEST_F(HttpProberTest, RedirectStatusWithoutLocationIsAWarning) {
  HttpTestServer server;
  server.Handle("/", [](const SeenRequest&) { return Response::Text(302, "no location"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kWarning);
  EXPECT_EQ(o.output, "Probe terminated redirects, Response body: no location");
}

TEST_F(HttpProberTest, OtherRedirectCodesAreFinal) {
  HttpTestServer server;
  server.Handle("/", [](const SeenRequest&) { return Response::Redirect(300, "/new"); });
  EXPECT_EQ(ProbeUrl(server.Url("/")).result, Result::kWarning);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(HttpProberTest, ConnectionRefusedHasGoText) {
  const uint16_t port = ClosedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const Outcome o = ProbeUrl(url);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + url + "\": dial tcp 127.0.0.1:" + std::to_string(port) +
                          ": connect: connection refused");
}

TEST_F(HttpProberTest, InvalidHeaderValueFailsBeforeDialing) {
  HttpRequest r = Request("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/");
  r.headers.emplace_back("X-Bad", "a\r\nb");
  const ProbeRun run = Probe(r);
  ASSERT_TRUE(run.outcome);
  EXPECT_EQ(run.outcome->output,
            "Get \"" + r.url + "\": net/http: invalid header field value for \"X-Bad\"");
}

TEST_F(HttpProberTest, CallbackNeverRunsInsideProbe) {
  HttpRequest r = Request("http://127.0.0.1:1/");
  r.headers.emplace_back("Bad Name", "x");  // fails before any I/O
  bool inside = false;
  bool called = false;
  boost::asio::post(io_, [&] {
    inside = true;
    prober_->Probe(r, 1s, [&](Outcome) {
      EXPECT_FALSE(inside);
      called = true;
    });
    inside = false;
  });
  io_.run_for(10s);  // returns once the callback has run: nothing else is pending
  EXPECT_TRUE(called);
}

TEST_F(HttpProberTest, DestroyingTheProberCancelsWithoutCallbacks) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::NoAnswer(); });
  int called = 0;
  for (int i = 0; i < 3; ++i) {
    prober_->Probe(Request(server.Url("/")), 5s, [&](Outcome) { ++called; });
  }
  // Run until the server has the three requests, then destroy the prober mid-probe.
  for (int i = 0; i < 1000 && server.requests().size() < 3; ++i) io_.run_one_for(10ms);
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(stats_.in_flight, 3u);
  prober_.reset();
  io_.restart();
  io_.run_for(100ms);
  EXPECT_EQ(called, 0);
  EXPECT_EQ(stats_.in_flight, 0u);
}

TEST_F(HttpProberTest, HttpsWithoutVerificationSendsSniForNames) {
  HttpTestServer server({.tls = true});
  server.HandleDefault([](const SeenRequest& r) { return Response::Text(200, "tls:" + r.sni); });
  EXPECT_EQ(ProbeUrl(server.Url("/")).output, "tls:");  // IP literal: no SNI
  const Outcome named = ProbeUrl("https://localhost:" + std::to_string(server.port()) + "/");
  EXPECT_EQ(named.result, Result::kSuccess) << named.output;
  EXPECT_EQ(named.output, "tls:localhost");
}

TEST_F(HttpProberTest, HttpsSendsTheSameBytes) {
  HttpTestServer server({.tls = true});
  server.HandleDefault(Response::Echo);
  const Outcome o = ProbeUrl(server.Url("/x?y=1"));
  EXPECT_EQ(o.output, "GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                          "\r\nUser-Agent: kube-probe/1.35\r\nAccept: */*\r\n"
                          "Connection: close\r\n\r\n");
}

TEST_F(HttpProberTest, RedirectFromHttpToHttpsOnTheSameHost) {
  HttpTestServer tls({.tls = true});
  tls.Handle("/ok", [](const SeenRequest&) { return Response::Text(200, "secure"); });
  HttpTestServer plain;
  plain.Handle("/", [&](const SeenRequest&) { return Response::Redirect(302, tls.Url("/ok")); });
  const Outcome o = ProbeUrl(plain.Url("/"));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "secure");
}

TEST_F(HttpProberTest, ManyProbesInParallel) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::Text(200, "ok"); });
  int successes = 0;
  const HttpRequest r = Request(server.Url("/"));
  for (int i = 0; i < 200; ++i) {
    prober_->Probe(r, 5s, [&](Outcome o) { successes += o.result == Result::kSuccess; });
  }
  for (int i = 0; i < 100000 && successes < 200 && stats_.in_flight > 0; ++i) io_.run_one_for(1s);
  EXPECT_EQ(successes, 200);
  EXPECT_EQ(stats_.in_flight, 0u);
}

// Past max_in_flight, probes wait for a slot with their timeout running: a flood of probes to
// a dead endpoint ends in timeouts on time, never in EMFILE.
TEST_F(HttpProberTest, ProbesBeyondTheInFlightLimitWaitWithTheirTimeoutRunning) {
  HttpTestServer server;
  server.Handle("/hang", [](const SeenRequest&) { return Response::NoAnswer(); });
  server.Handle("/ok", [](const SeenRequest&) { return Response::Text(200, "ok"); });
  ProberStats stats;
  auto prober = NewHttpProber(io_, clock_, ProbeSocketOptions{.max_in_flight = 2}, &stats);
  const base::MonoTime t0 = clock_.Now();
  int timed_out = 0;
  int ok = 0;
  base::Duration last{};
  const HttpRequest hang = Request(server.Url("/hang"));
  const HttpRequest good = Request(server.Url("/ok"));
  // Five hanging probes through two slots: all five end at kHang when the waiting ones' timeouts
  // run, at 3 x kHang if a timeout only started with a slot. kHang leaves a loaded machine
  // a whole kHang of slack between the two.
  constexpr base::Duration kHang = 1500ms;
  for (int i = 0; i < 5; ++i) {
    prober->Probe(hang, kHang, [&](Outcome o) {
      timed_out += o.output.ends_with("(Client.Timeout exceeded while awaiting headers)");
      last = clock_.Now() - t0;
    });
  }
  for (int i = 0; i < 5; ++i) {
    prober->Probe(good, 10s, [&](Outcome o) { ok += o.result == Result::kSuccess; });
  }
  EXPECT_EQ(stats.in_flight, 2u);
  EXPECT_EQ(stats.waiting, 8u);
  for (int i = 0; i < 10000 && timed_out + ok < 10; ++i) io_.run_one_for(1s);
  EXPECT_EQ(timed_out, 5);
  EXPECT_EQ(ok, 5);
  EXPECT_LT(last, 2 * kHang) << Ms(last).count() << " ms";
  EXPECT_EQ(stats.peak_in_flight, 2u);
  EXPECT_EQ(stats.waiting, 0u);
}

}  // namespace
}  // namespace probelet::probe
