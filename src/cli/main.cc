// probelet: the kubelet's probe system as one binary. See README.md for the command line.
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/commands.h"

namespace {

constexpr std::string_view kUsage = R"(usage: probelet COMMAND [ARGS...]

commands:
  run FILE_OR_DIR... [--api ADDR] [--state-dir DIR]   run pods and keep them healthy
      [--api-allow-remote] [--log-format text|json]  (probelet run --help)
  probe http URL [--header 'K: V']... [--timeout 1s]  one probe, kubelet semantics
  probe tcp HOST:PORT | probe grpc HOST:PORT [--service S] | probe exec -- CMD ARG...
  validate FILE_OR_DIR...                             decode, default and validate manifests
  lint FILE_OR_DIR... [--disable CODE,...] [-o json]  what the probes will do (docs/lint.md)
  simulate FILE --scenario SCENARIO [--duration 30m]  what the kubelet will do, on virtual time
      [--seed N] [-o text|json] [--no-timeline]
  get pods [-o wide|json|yaml] | get events           read a running agent (--api ADDR)
  describe pod NAME                                   kubectl-style description
  logs POD [-c CONTAINER] [-f] [--previous]           container logs
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace probelet::cli;
  if (argc < 2) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  Args args(argv + 1, argv + argc);
  if (cmd == "probe") return ProbeMain(args);
  if (cmd == "validate") return ValidateMain(args);
  if (cmd == "lint") return LintMain(args);
  if (cmd == "simulate") return SimulateMain(args);
  if (cmd == "run") return RunMain(args);
  if (cmd == "get") return GetMain(args);
  if (cmd == "describe") return DescribeMain(args);
  if (cmd == "logs") return LogsMain(args);
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  std::fprintf(stderr, "probelet: unknown command \"%s\"\n\n%s", argv[1], kUsage.data());
  return 2;
}
