// The four probe handlers (pkg/probe/{http,tcp,grpc,exec}) behind small interfaces, so the
// prober (src/prober) runs real ones in production and fakes in unit tests.
//
// Each Probe() starts one attempt and returns at once; the callback gets the Outcome later, on
// the event loop thread (see result.h). An attempt never outlives its timeout by more than the
// time to clean up (kill and reap a process, close a socket). Destroying a prober while attempts
// are pending cancels them without calling their callbacks.
//
// Time: the HTTP, TCP and gRPC probers and the local command runner read time and time their
// attempts out only through the base::Clock they are given (an AsioClock on the same io_context in
// production; a VirtualClock in tests, advanced between turns of the io_context, so a timeout is
// checked to the nanosecond while the sockets stay real).
//
// Thread safety: single event loop thread, the io_context's, which is also the clock's.
// Ownership: the io_context and the clock passed to the factories must outlive the prober.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/captured_command.h"
#include "base/clock.h"
#include "probe/result.h"

namespace boost::asio {
class io_context;
}

namespace probelet::probe {

// The User-Agent every probe sends, HTTP and gRPC (the kubelet's "kube-probe/<major>.<minor>",
// pkg/probe/http/request.go userAgent and pkg/probe/grpc/grpc.go): the Kubernetes version whose
// kubelet probelet mirrors.
inline constexpr std::string_view kDefaultUserAgent = "kube-probe/1.35";
// The User-Agent of an httpGet lifecycle hook (pkg/kubelet/lifecycle/handlers.go): the same
// version, kept beside the probes' so that both move together.
inline constexpr std::string_view kLifecycleUserAgent = "kube-lifecycle/1.35";

// A built HTTP GET (the kubelet's NewRequestForHTTPGetAction): see http_request.h.
struct HttpRequest {
  std::string scheme;  // "http" or "https"
  std::string host;    // URL host, without brackets for IPv6
  int port = 0;
  std::string path_and_query;  // request-URI as sent, e.g. "/healthz?x=1"
  // Canonical names, in the user's order; repeated names kept. User-Agent and Accept are
  // already defaulted (an empty value means "send none").
  std::vector<std::pair<std::string, std::string>> headers;
  bool follow_non_local_redirects = false;  // the kubelet uses false
  // The URL as the kubelet's Go client prints it in errors (`Get "<url>": ...`), e.g.
  // "http://10.0.0.5:8080" for an empty path; empty = scheme://host:port + path_and_query.
  std::string url;
};

// A built request, shared rather than copied: a probe worker builds its request once and probes
// with it every period; the prober keeps it alive for as long as an attempt uses it.
using HttpRequestPtr = std::shared_ptr<const HttpRequest>;

class HttpProber {
 public:
  virtual ~HttpProber() = default;
  virtual void Probe(HttpRequestPtr request, base::Duration timeout, OutcomeCallback done) = 0;
  // Probes with a copy of `request` (one-shot callers, tests).
  void Probe(const HttpRequest& request, base::Duration timeout, OutcomeCallback done) {
    Probe(std::make_shared<const HttpRequest>(request), timeout, std::move(done));
  }
};

class TcpProber {
 public:
  virtual ~TcpProber() = default;
  virtual void Probe(const std::string& host, int port, base::Duration timeout,
                     OutcomeCallback done) = 0;
};

class GrpcProber {
 public:
  virtual ~GrpcProber() = default;
  virtual void Probe(const std::string& host, int port, const std::string& service,
                     base::Duration timeout, OutcomeCallback done) = 0;
};

// What running a command produced (the kubelet's CRI ExecSync reply, §5.2.2): kExited with
// exit_code, kTimedOut, or kError (could not run; error names the command); output is stdout
// then stderr, at most 10 KiB. One type with the runtime's ExecSyncResult (captured_command.h).
using ExecResult = base::CommandResult;

// Runs a command somewhere: on this machine (`probelet probe exec`) or inside a container's
// context (the runtime's exec-sync). Same callback contract as the probers.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual void Run(const std::vector<std::string>& argv, base::Duration timeout,
                   std::function<void(ExecResult)> done) = 0;
};

// execProber.Probe (pkg/probe/exec/exec.go, §5.2.4, T44): exit 0 success; any other exit
// failure with only the captured output; a timeout failure whose output is the CRI client's
// timeout text; a command that could not run unknown with the error.
Outcome ExecOutcome(const std::vector<std::string>& argv, base::Duration timeout,
                    const ExecResult& result);

// The production probers: I/O on `io`, timeouts on `clock` (probe_socket.h has the HTTP and
// TCP factories with socket options).
std::unique_ptr<HttpProber> NewHttpProber(boost::asio::io_context& io, base::Clock& clock);
std::unique_ptr<TcpProber> NewTcpProber(boost::asio::io_context& io, base::Clock& clock);
std::unique_ptr<GrpcProber> NewGrpcProber(boost::asio::io_context& io, base::Clock& clock);
// Runs commands directly on this machine (no shell), in their own process group.
// Time (the timeout) comes from `clock`, which must outlive the runner.
std::unique_ptr<CommandRunner> NewLocalCommandRunner(boost::asio::io_context& io,
                                                     base::Clock& clock);

}  // namespace probelet::probe
