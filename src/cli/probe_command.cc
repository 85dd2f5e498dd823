// `probelet probe http|tcp|grpc|exec`: one probe with the kubelet's semantics, for a shell, a
// Docker HEALTHCHECK or a quick check of what a probe would say.
//
//   probelet probe http URL [--header 'K: V']... [--timeout 1s]
//   probelet probe tcp HOST:PORT [--timeout 1s]
//   probelet probe grpc HOST:PORT [--service S] [--timeout 1s]
//   probelet probe exec [--timeout 1s] -- CMD ARG...
//
// Prints one line `<result>: <output>` on stdout (result as the kubelet spells it: success,
// warning, failure, unknown; one trailing newline of the output is dropped; for an unknown
// with an error, the error is the output) and exits 0 on success or warning, 1 on failure, 2 on
// unknown or bad arguments. Bad arguments print a message naming the argument, then the usage,
// on stderr. --timeout takes Go durations (500ms, 1s, 2m; default 1s), as the kubelet applies
// timeoutSeconds to each attempt (prober.go runProbe, §5.1.1). A single attempt: no retries (the
// kubelet's 3 tries on error are prober.go runProbeWithRetries, §4.2.3).
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "base/asio_clock.h"
#include "base/go_duration.h"
#include "cli/commands.h"
#include "probe/http_request.h"
#include "probe/probers.h"

namespace probelet::cli {
namespace {

constexpr const char* kUsage =
    "usage: probelet probe http URL [--header 'K: V']... [--timeout 1s]\n"
    "       probelet probe tcp HOST:PORT [--timeout 1s]\n"
    "       probelet probe grpc HOST:PORT [--service S] [--timeout 1s]\n"
    "       probelet probe exec [--timeout 1s] -- CMD ARG...\n\n";

// "HOST:PORT" or "[IPV6]:PORT"; HOST may be empty (as the kubelet's ":port" for an empty pod
// IP, which Go dials as the local host, §5.1.3).
base::Expected<std::pair<std::string, int>> ParseHostPort(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return base::Error{"invalid HOST:PORT \"" + text + "\": " + why};
  };
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad("missing port");
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return bad("unclosed '['");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad("IPv6 addresses need brackets, e.g. [::1]:8080");
  }
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos) {
    return bad("port must be a number");
  }
  int port = std::stoi(port_text);
  if (port < 1 || port > 65535) return bad("port must be within 1-65535");
  return std::pair{host, port};
}

int ExitCode(probe::Result r) {
  switch (r) {
    case probe::Result::kSuccess:
    case probe::Result::kWarning:
      return 0;
    case probe::Result::kFailure:
      return 1;
    case probe::Result::kUnknown:
      return 2;
  }
  return 2;
}

int Report(const probe::Outcome& o) {
  std::string text = o.output;
  if (text.empty() && o.error) text = *o.error;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  std::printf("%s: %s\n", std::string(probe::ToString(o.result)).c_str(), text.c_str());
  std::fflush(stdout);
  return ExitCode(o.result);
}

// Runs `start` (which starts one probe calling `done`) on a fresh loop until it finishes.
template <typename Start>
probe::Outcome RunOnce(boost::asio::io_context& io, Start start) {
  std::optional<probe::Outcome> outcome;
  // Stop at the outcome: a prober may keep a timer armed after its last attempt (the HTTP and
  // TCP probers' shared deadline timer does), and the command must not linger until it fires.
  start([&](probe::Outcome o) {
    outcome = std::move(o);
    io.stop();
  });
  io.run();
  if (!outcome) {
    probe::Outcome o;
    o.result = probe::Result::kUnknown;
    o.error = "the probe ended without a result";
    return o;
  }
  return *outcome;
}

}  // namespace

int ProbeMain(const Args& args) {
  CLI::App app{
      "One probe with the kubelet's semantics; exit 0 success/warning, 1 failure, "
      "2 unknown or bad arguments.",
      "probelet probe"};
  app.require_subcommand(1);
  std::string timeout_text = "1s";
  auto add_timeout = [&](CLI::App* sub) {
    sub->add_option("--timeout", timeout_text,
                    "timeout of the attempt, a Go duration (500ms, 1s, 2m)")
        ->capture_default_str();
  };

  std::string url;
  std::vector<std::string> headers;
  CLI::App* http = app.add_subcommand("http", "HTTP(S) GET; 2xx success, 3xx warning");
  http->add_option("URL", url, "http(s)://host[:port][/path][?query]")->required();
  http->add_option("--header", headers, "request header 'Name: value' (repeatable)");
  add_timeout(http);

  std::string tcp_target;
  CLI::App* tcp = app.add_subcommand("tcp", "TCP connect");
  tcp->add_option("HOST:PORT", tcp_target, "address to connect to")->required();
  add_timeout(tcp);

  std::string grpc_target, service;
  CLI::App* grpc = app.add_subcommand("grpc", "grpc.health.v1.Health/Check, plaintext");
  grpc->add_option("HOST:PORT", grpc_target, "address of the gRPC server")->required();
  grpc->add_option("--service", service, "service name sent in the request (default \"\")");
  add_timeout(grpc);

  std::vector<std::string> command;
  CLI::App* exec = app.add_subcommand("exec", "run a command directly (no shell)");
  add_timeout(exec);
  exec->add_option("CMD", command, "the command and its arguments, after --")->required();

  if (args.size() > 1 && !args[1].empty() && args[1][0] != '-' && args[1] != "http" &&
      args[1] != "tcp" && args[1] != "grpc" && args[1] != "exec") {
    std::fprintf(stderr,
                 "probelet probe: unknown probe kind \"%s\" (want http, tcp, grpc or exec)\n\n%s",
                 args[1].c_str(), kUsage);
    return 2;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::reverse(rest.begin(), rest.end());  // CLI11 takes them reversed
  try {
    app.parse(rest);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // help on stdout, 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string help = app.help();
    for (CLI::App* sub : app.get_subcommands()) help = sub->help();
    std::fprintf(stderr, "probelet probe: %s\n\n%s%s", e.what(), kUsage, help.c_str());
    return 2;
  }

  auto usage_error = [&](CLI::App* sub, const std::string& message) {
    std::fprintf(stderr, "probelet probe: %s\n\n%s%s", message.c_str(), kUsage,
                 sub->help().c_str());
    return 2;
  };
  CLI::App* sub = app.get_subcommands().front();
  auto timeout = base::ParseGoDuration(timeout_text);
  if (!timeout.ok()) return usage_error(sub, "--timeout: " + timeout.error().message);
  if (timeout->count() <= 0) return usage_error(sub, "--timeout: must be positive");

  boost::asio::io_context io;
  base::AsioClock clock(io);
  if (sub == http) {
    auto request = probe::ParseProbeUrl(url, headers);
    if (!request.ok()) return usage_error(sub, "URL: " + request.error().message);
    auto prober = probe::NewHttpProber(io, clock);
    return Report(RunOnce(io, [&](probe::OutcomeCallback done) {
      prober->Probe(*request, *timeout, std::move(done));
    }));
  }
  if (sub == tcp || sub == grpc) {
    auto target = ParseHostPort(sub == tcp ? tcp_target : grpc_target);
    if (!target.ok()) return usage_error(sub, target.error().message);
    auto [host, port] = *target;
    if (sub == tcp) {
      auto prober = probe::NewTcpProber(io, clock);
      return Report(RunOnce(io, [&](probe::OutcomeCallback done) {
        prober->Probe(host, port, *timeout, std::move(done));
      }));
    }
    auto prober = probe::NewGrpcProber(io, clock);
    return Report(RunOnce(io, [&](probe::OutcomeCallback done) {
      prober->Probe(host, port, service, *timeout, std::move(done));
    }));
  }
  auto runner = probe::NewLocalCommandRunner(io, clock);
  return Report(RunOnce(io, [&](probe::OutcomeCallback done) {
    runner->Run(command, *timeout, [&, done = std::move(done)](probe::ExecResult r) {
      done(probe::ExecOutcome(command, *timeout, r));
    });
  }));
}

}  // namespace probelet::cli
