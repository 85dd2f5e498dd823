// The HTTP prober against hostile servers: every probe ends within its timeout + 100 ms as a
// failure (a warning for an off-host redirect) with a clear text, and the prober's own buffers
// stay bounded (read buffer <= header limit, body <= 10 KiB) whatever the server sends.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>

#include "base/asio_clock.h"
#include "probe/http_probe_runner.h"
#include "probe/http_request.h"
#include "probe/probe_socket.h"
#include "probe/testing/black_hole.h"
#include "testing/http_test_server.h"

namespace probelet::probe {
namespace {

using namespace std::chrono_literals;
using testing::BlackHole;
using testing::HttpTestServer;
using testing::HttpTestServerOptions;
using testing::Response;
using testing::SeenRequest;

constexpr auto kTimeout = 500ms;
constexpr size_t kMaxReadBuffer = 128 * 1024;  // header limit (64 KiB) rounded to a power of 2

class HttpHostileTest : public ::testing::Test {
 protected:
  // Probes `url` with kTimeout and checks the common guarantees.
  Outcome ProbeUrl(const std::string& url, bool follow_non_local = false) {
    auto r = ParseProbeUrl(url, {});
    EXPECT_TRUE(r.ok());
    HttpRequest request = *r;
    request.follow_non_local_redirects = follow_non_local;
    const ProbeRun run = RunProbe(
        io_, [&](OutcomeCallback done) { prober_->Probe(request, kTimeout, std::move(done)); });
    EXPECT_TRUE(run.outcome.has_value());
    // Ends by its timeout (a hostile server would otherwise hold it for ever); the slack is for
    // a loaded machine, not a performance figure.
    EXPECT_LE(Ms(run.elapsed), kTimeout + 1500ms)
        << url << ": " << Ms(run.elapsed).count() << " ms";
    EXPECT_LE(stats_.peak_read_buffer, kMaxReadBuffer);
    EXPECT_LE(stats_.peak_body, 10240u);
    EXPECT_EQ(stats_.in_flight, 0u);
    return run.outcome.value_or(Outcome{});
  }

  std::string AwaitingHeaders(const std::string& url) {
    return "Get \"" + url +
           "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
  }

  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  ProberStats stats_;
  std::unique_ptr<HttpProber> prober_ = NewHttpProber(io_, clock_, ProbeSocketOptions{}, &stats_);
};

TEST_F(HttpHostileTest, AcceptsAndNeverAnswers) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::NoAnswer(); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, AwaitingHeaders(server.Url("/")));
}

TEST_F(HttpHostileTest, ClosesRightAfterAccepting) {
  HttpTestServer server({.greeting = std::string()});
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_TRUE(o.output.starts_with("Get \"" + server.Url("/") + "\": ")) << o.output;
}

TEST_F(HttpHostileTest, HeadersThenAnEndlessSlowBody) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::Drip(20ms); });
  const Outcome o = ProbeUrl(server.Url("/"));
  // A body read error: the kubelet returns failure plus an error (retried, then discarded).
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.error,
            "context deadline exceeded (Client.Timeout or context cancellation while "
            "reading body)");
}

TEST_F(HttpHostileTest, RedirectLoop) {
  HttpTestServer server;
  server.Handle("/loop", [](const SeenRequest&) { return Response::Redirect(302, "/loop"); });
  const Outcome o = ProbeUrl(server.Url("/loop"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"/loop\": stopped after 10 redirects");
  EXPECT_EQ(server.requests().size(), 10u);
}

TEST_F(HttpHostileTest, OffHostRedirectIsAWarningWithTheBody) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) {
    Response r = Response::Redirect(302, "http://elsewhere.invalid/");
    r.body = "moved";
    return r;
  });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kWarning);
  EXPECT_EQ(o.output, "Probe terminated redirects, Response body: moved");
}

TEST_F(HttpHostileTest, GarbageStatusLine) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::Raw("GARBAGE\r\n\r\n"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + server.Url("/") + "\": malformed HTTP response \"GARBAGE\"");
}

TEST_F(HttpHostileTest, MalformedStatusCode) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::Raw("HTTP/1.1 2x0 OK\r\n\r\n"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + server.Url("/") + "\": malformed HTTP status code \"2x0\"");
}

TEST_F(HttpHostileTest, ResetInTheMiddleOfTheHeaders) {
  HttpTestServer server;
  server.HandleDefault(
      [](const SeenRequest&) { return Response::RawThenReset("HTTP/1.1 200 OK\r\nContent-Le"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_NE(o.output.find("Get \"" + server.Url("/") + "\": "), std::string::npos) << o.output;
  EXPECT_TRUE(o.output.ends_with("read: connection reset by peer") ||
              o.output.ends_with("unexpected EOF"))
      << o.output;
}

TEST_F(HttpHostileTest, ResetInTheMiddleOfTheBody) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) {
    return Response::RawThenReset("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  ASSERT_TRUE(o.error.has_value());
  EXPECT_TRUE(o.error->ends_with("read: connection reset by peer") || *o.error == "unexpected EOF")
      << *o.error;
}

TEST_F(HttpHostileTest, ShortBodyThenClose) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) {
    return Response::Raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.error, "unexpected EOF");
}

TEST_F(HttpHostileTest, GarbageOnATlsPort) {
  HttpTestServer server({.greeting = std::string("this is not TLS\r\n\r\n")});
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  const Outcome o = ProbeUrl(url);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + url + "\": tls: first record does not look like a TLS handshake");
}

TEST_F(HttpHostileTest, PlainHttpAnswerOnATlsConnection) {
  HttpTestServer server({.greeting = std::string("HTTP/1.1 400 Bad Request\r\n\r\n")});
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  const Outcome o = ProbeUrl(url);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + url + "\": http: server gave HTTP response to HTTPS client");
}

TEST_F(HttpHostileTest, TlsPortThatNeverAnswers) {
  HttpTestServer server;  // plain HTTP server: reads the ClientHello, waits for "\r\n\r\n"
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  const Outcome o = ProbeUrl(url);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, AwaitingHeaders(url));
}

TEST_F(HttpHostileTest, OneGigabyteBodyIsStreamedNotKept) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) { return Response::Stream(uint64_t{1} << 30); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kSuccess);  // 200: the kubelet truncates silently (T40)
  EXPECT_EQ(o.output, std::string(10240, 'a'));
  EXPECT_LE(stats_.peak_read_buffer, 4096u);  // the initial buffer was never grown
}

TEST_F(HttpHostileTest, HugeHeadersAreRefused) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) {
    return Response::Raw("HTTP/1.1 200 OK\r\nX-Big: " + std::string(200 * 1024, 'x') + "\r\n\r\n");
  });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "Get \"" + server.Url("/") +
                          "\": net/http: server response headers exceeded 65536 bytes; aborted");
}

TEST_F(HttpHostileTest, EndlessInformationalResponses) {
  std::string raw;
  for (int i = 0; i < 10; ++i) raw += "HTTP/1.1 100 Continue\r\n\r\n";
  HttpTestServer server;
  server.HandleDefault([raw](const SeenRequest&) { return Response::Raw(raw); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output,
            "Get \"" + server.Url("/") + "\": net/http: too many 1xx informational responses");
}

TEST_F(HttpHostileTest, InformationalResponseThenTheRealOne) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) {
    return Response::Raw(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "ok");
}

TEST_F(HttpHostileTest, ChunkedBodyIsDecoded) {
  HttpTestServer server;
  server.HandleDefault([](const SeenRequest&) {
    return Response::Raw(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "abcde");
}

TEST_F(HttpHostileTest, CloseDelimitedBody) {
  HttpTestServer server;
  server.HandleDefault(
      [](const SeenRequest&) { return Response::Raw("HTTP/1.0 200 OK\r\n\r\nuntil close"); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "until close");
}

// Faults by count: the server sends the first n bytes of a valid response and closes, for
// every n. Each cut must end in a failure (never a hang, a crash or a success), and the whole
// response in a success.
TEST_F(HttpHostileTest, EveryTruncationOfAResponseEndsInAFailure) {
  const std::vector<std::string> responses = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
  };
  for (const std::string& full : responses) {
    HttpTestServer server;
    std::atomic<size_t> cut = 0;  // read by the server's thread
    server.HandleDefault([&](const SeenRequest&) { return Response::Raw(full.substr(0, cut)); });
    for (cut = 0; cut <= full.size(); ++cut) {
      const Outcome o = ProbeUrl(server.Url("/"));
      if (cut == full.size()) {
        EXPECT_EQ(o.result, Result::kSuccess) << full;
        EXPECT_EQ(o.output, "hello");
      } else {
        EXPECT_EQ(o.result, Result::kFailure) << "cut at " << cut.load() << " of " << full;
      }
    }
  }
}

TEST_F(HttpHostileTest, ConnectThatNeverCompletes) {
  BlackHole hole;
  const std::string url = "http://127.0.0.1:" + std::to_string(hole.port()) + "/";
  const Outcome o = ProbeUrl(url);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, AwaitingHeaders(url));
}

// The timeout covers every hop: a redirect to an endpoint that never accepts still ends on time.
TEST_F(HttpHostileTest, RedirectToAnEndpointThatNeverAccepts) {
  BlackHole hole;
  HttpTestServer server;
  const std::string target = "http://127.0.0.1:" + std::to_string(hole.port()) + "/x";
  server.HandleDefault([target](const SeenRequest&) { return Response::Redirect(302, target); });
  const Outcome o = ProbeUrl(server.Url("/"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, AwaitingHeaders(target));
}

}  // namespace
}  // namespace probelet::probe
