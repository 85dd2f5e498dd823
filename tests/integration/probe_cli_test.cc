// `probelet probe` end to end: the real binary against real servers on 127.0.0.1 (HTTP and
// TCP: HttpTestServer; gRPC: GrpcHealthServer) and real commands. Checks the printed line, the
// exit code (0 success/warning, 1 failure, 2 unknown or bad arguments) and the usage messages.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "base/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/grpc_health_server.h"
#include "testing/http_test_server.h"

namespace probelet {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Bounds on how long a timed-out probe takes tell "ends at its timeout" from "waits for the
// 30 s child or the silent server"; the slack covers starting the binary on a loaded machine
// (under ASan in a parallel run, up to 3 s was seen).
constexpr base::Duration kSlack = 5s;

long long Ms(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

struct CliRun {
  int exit_code = -1;
  std::string out, err;
  base::Duration elapsed{};
};

// Runs `probelet probe ARGS...`, capturing stdout and stderr; bounded by `limit`.
CliRun Probe(std::vector<std::string> args, base::Duration limit = 20s) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  CliRun run;
  int out[2], err[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
  args.insert(args.begin(), {PROBELET_BINARY, "probe"});
  auto start = clock.Now();
  auto child = base::ChildProcess::Spawn({.argv = args, .stdout_fd = out[1], .stderr_fd = err[1]});
  ::close(out[1]);
  ::close(err[1]);
  EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error().message);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* texts[2] = {&run.out, &run.err};
  int open_fds = 2;
  while (open_fds > 0 && clock.Now() - start < limit) {
    if (::poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        texts[i]->append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  if (child.ok()) {
    // The pipes are closed at exit; wait for the status within what is left of the limit.
    pollfd pidfd{child->pidfd(), POLLIN, 0};
    ::poll(&pidfd, 1, 5000);
    std::optional<int> status = child->TryReap();
    EXPECT_TRUE(status) << "probelet did not exit in time";
    if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  }
  run.elapsed = clock.Now() - start;
  return run;
}

// A loopback port with nothing listening (bound, never listening, so nobody takes it).
class ClosedPort {
 public:
  ClosedPort() : socket_(io_, boost::asio::ip::tcp::v4()) {
    socket_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port());
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

// --- exec ---------------------------------------------------------------------------------
// Probes that must succeed (or fail other than by timing out) get --timeout 10s: the default 1s
// is not always enough for a probe started on a loaded machine under ASan.

TEST(ProbeCliTest, ExecSuccessPrintsTheOutput) {
  CliRun r = Probe({"exec", "--timeout", "10s", "--", "echo", "hello world"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "success: hello world\n");
}

TEST(ProbeCliTest, ExecNonZeroExitIsFailureWithOnlyTheOutput) {
  CliRun r = Probe(
      {"exec", "--timeout", "10s", "--", "sh", "-c", "echo not ready; echo detail >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "failure: not ready\ndetail\n");
}

TEST(ProbeCliTest, ExecTimeoutIsFailureWithTheKubeletText) {
  CliRun r = Probe({"exec", "--timeout", "500ms", "--", "sh", "-c", "trap '' TERM; sleep 30"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "failure: command timed out: \"sh -c trap '' TERM; sleep 30\" timed out after "
            "500ms\n");
  EXPECT_LT(r.elapsed, 500ms + kSlack) << Ms(r.elapsed) << " ms";
}

TEST(ProbeCliTest, ExecDefaultTimeoutIsOneSecond) {
  CliRun r = Probe({"exec", "--", "sleep", "10"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "failure: command timed out: \"sleep 10\" timed out after 1s\n");
}

TEST(ProbeCliTest, ExecMissingCommandIsUnknownNamingIt) {
  CliRun r = Probe({"exec", "--timeout", "10s", "--", "probelet-no-such-command"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out,
            "unknown: exec: \"probelet-no-such-command\": executable file not found in $PATH\n");
}

TEST(ProbeCliTest, ExecArgvIsPassedUnchanged) {
  CliRun r =
      Probe({"exec", "--timeout", "10s", "--", "printf", "%s|", "$(A)", "a b", "--timeout", "*"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "success: $(A)|a b|--timeout|*|\n");
}

TEST(ProbeCliTest, TimeoutTakesGoDurations) {
  for (std::string t : {"2m", "1m0s", "1.5s", "1500ms", "1h"}) {
    CliRun r = Probe({"exec", "--timeout", t, "--", "true"});
    EXPECT_EQ(r.exit_code, 0) << t << ": " << r.err;
  }
}

// --- gRPC ---------------------------------------------------------------------------------

TEST(ProbeCliTest, GrpcServingIsSuccess) {
  testing::GrpcHealthServer server;
  CliRun r = Probe({"grpc", server.address(), "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "success: service healthy\n");
}

TEST(ProbeCliTest, GrpcServiceFlagAndNotServing) {
  testing::GrpcHealthServer server;
  server.SetMode("db", testing::GrpcHealthServer::Mode::kNotServing);
  CliRun r = Probe({"grpc", server.address(), "--service", "db", "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "failure: service unhealthy (responded with \"NOT_SERVING\")\n");
}

TEST(ProbeCliTest, GrpcNothingListeningIsConnectTimeout) {
  ClosedPort closed;
  CliRun r = Probe({"grpc", closed.address(), "--timeout", "300ms"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "failure: timeout: failed to connect service \"" + closed.address() +
                       "\" within 300ms: context deadline exceeded\n");
}

// --- HTTP and TCP -------------------------------------------------------------------------

TEST(ProbeCliTest, HttpSuccessPrintsTheBody) {
  testing::HttpTestServer server;
  server.Handle("/healthz",
                [](const testing::SeenRequest&) { return testing::Response::Text(200, "ok"); });
  CliRun r = Probe({"http", server.Url("/healthz"), "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "success: ok\n");
}

TEST(ProbeCliTest, HttpServerErrorIsFailure) {
  testing::HttpTestServer server;
  server.Handle("/healthz",
                [](const testing::SeenRequest&) { return testing::Response::Text(500, "broken"); });
  CliRun r = Probe({"http", server.Url("/healthz"), "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "failure: HTTP probe failed with statuscode: 500\n");
}

TEST(ProbeCliTest, HttpHeadersAreSent) {
  testing::HttpTestServer server;
  server.HandleDefault(
      [](const testing::SeenRequest&) { return testing::Response::Text(200, ""); });
  CliRun r = Probe({"http", server.Url("/"), "--header", "X-Custom: a b", "--header",
                    "user-agent: mine", "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 0);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("X-Custom"), "a b");
  EXPECT_EQ(seen[0].Header("User-Agent"), "mine");
}

TEST(ProbeCliTest, HttpTimeoutIsFailureWithinTheTimeout) {
  testing::HttpTestServer server;
  server.HandleDefault([](const testing::SeenRequest&) { return testing::Response::NoAnswer(); });
  CliRun r = Probe({"http", server.Url("/"), "--timeout", "300ms"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, StartsWith("failure: "));
  EXPECT_LT(r.elapsed, 300ms + kSlack) << Ms(r.elapsed) << " ms";
}

TEST(ProbeCliTest, TcpOpenPortIsSuccessAndClosedPortFailure) {
  testing::HttpTestServer server;
  CliRun ok = Probe({"tcp", "127.0.0.1:" + std::to_string(server.port()), "--timeout", "10s"});
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, "success: \n");
  ClosedPort closed;
  CliRun bad = Probe({"tcp", closed.address()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, StartsWith("failure: "));
  EXPECT_THAT(bad.out, HasSubstr("refused"));
}

// --- bad arguments ------------------------------------------------------------------------

TEST(ProbeCliTest, NoKindIsUsageError) {
  CliRun r = Probe({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("subcommand"));
  EXPECT_EQ(r.out, "");
}

TEST(ProbeCliTest, UnknownKindIsUsageErrorNamingIt) {
  CliRun r = Probe({"ftp", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("ftp"));
}

TEST(ProbeCliTest, BadTimeoutIsUsageErrorNamingIt) {
  CliRun r = Probe({"exec", "--timeout", "abc", "--", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--timeout: time: invalid duration \"abc\""));
  r = Probe({"exec", "--timeout", "10", "--", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--timeout: time: missing unit in duration \"10\""));
  r = Probe({"tcp", "127.0.0.1:1", "--timeout", "0s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--timeout: must be positive"));
}

TEST(ProbeCliTest, BadHostPortIsUsageErrorNamingIt) {
  CliRun r = Probe({"tcp", "localhost"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("invalid HOST:PORT \"localhost\": missing port"));
  r = Probe({"grpc", "127.0.0.1:99999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("port must be within 1-65535"));
}

TEST(ProbeCliTest, MissingArgumentsAreUsageErrorsNamingThem) {
  CliRun r = Probe({"http"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("URL"));
  r = Probe({"exec"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("CMD"));
  r = Probe({"tcp", "127.0.0.1:80", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--bogus"));
}

TEST(ProbeCliTest, BadUrlIsUsageError) {
  CliRun r = Probe({"http", "ftp://example.com/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("URL"));
}

TEST(ProbeCliTest, HelpExitsZero) {
  CliRun r = Probe({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("exec"));
}

}  // namespace
}  // namespace probelet
