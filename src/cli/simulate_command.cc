// `probelet simulate FILE --scenario SCENARIO` (issue 15, part 2): the manifest is loaded as
// `probelet run` loads it, then its pods run on the kubelet engine on virtual time (src/sim/)
// with containers and probe endpoints behaving as the scenario says; prints what the kubelet
// did and a summary per pod.
#include "cli/simulate_command.h"

#include <fstream>
#include <sstream>

#include "api/uid.h"
#include "base/go_duration.h"
#include "cli/commands.h"
#include "sim/report.h"
#include "sim/scenario.h"

namespace probelet::cli {

std::optional<CommandOutput> ParseSimulateArgs(const Args& args, SimulateArgs& out) {
  CLI::App app{
      "Shows what the kubelet will do to a pod before a cluster does it: runs the pods of FILE\n"
      "on probelet's kubelet engine (probe workers, thresholds, restarts, CrashLoopBackOff,\n"
      "readiness) on virtual time, with containers that behave as the scenario says (slow\n"
      "starts, exits, failing or slow probes; see the README). Prints every event and Ready\n"
      "transition, then a summary per pod. Hours of simulated time take milliseconds.",
      "probelet simulate"};
  SetUsage(app,
           "usage: probelet simulate FILE --scenario SCENARIO [--duration 30m] [--seed N]\n"
           "                         [-o text|json] [--no-timeline]");
  app.add_option("FILE", out.manifest, "the pods (a manifest file or directory)")->required();
  app.add_option("--scenario", out.scenario, "how the containers behave (YAML)")->required();
  std::string duration = "30m";
  app.add_option("--duration", duration, "how much time to simulate (Go duration)");
  app.add_option("--seed", out.options.seed, "seeds the probes' first offsets (default 1)");
  std::string output = "text";
  app.add_option("-o,--output", output, "text | json")->check(CLI::IsMember({"text", "json"}));
  bool no_timeline = false;
  app.add_flag("--no-timeline", no_timeline, "print the summary only");
  if (auto exit = ParseCommandLine(app, args)) return exit;
  auto d = base::ParseGoDuration(duration);
  if (!d.ok() || *d <= base::Duration::zero()) {
    return CommandOutput{2, "",
                         "probelet simulate: --duration: " +
                             (d.ok() ? std::string("must be greater than 0") : d.error().message) +
                             "\n"};
  }
  out.options.duration = *d;
  out.options.record_timeline = !no_timeline;
  out.json = output == "json";
  return std::nullopt;
}

CommandOutput SimulateOutput(const api::LoadResult& loaded, std::string_view scenario_text,
                             std::string_view scenario_source, const SimulateArgs& args) {
  CommandOutput output;
  for (const auto& d : loaded.diagnostics) output.err += d.ToString() + "\n";
  if (loaded.read_error) {
    output.code = 2;
    return output;
  }
  if (loaded.has_errors()) {
    output.code = 1;
    output.err += "probelet simulate: invalid manifests: nothing simulated\n";
    return output;
  }
  if (loaded.pods.empty()) {
    output.code = 1;
    output.err += "probelet simulate: no pods in " + args.manifest + "\n";
    return output;
  }
  auto scenario = sim::ParseScenario(scenario_text, scenario_source);
  if (!scenario.ok()) {
    output.code = 1;
    output.err += scenario.error().message + "\n";
    return output;
  }
  std::vector<api::Pod> pods;
  for (const auto& p : loaded.pods) pods.push_back(p.pod);
  auto result = sim::Simulate(pods, *scenario, args.options);
  if (!result.ok()) {
    output.code = 1;
    output.err += "probelet simulate: " + result.error().message + "\n";
    return output;
  }
  output.out = args.json ? sim::FormatJson(*result, args.options.seed) : sim::FormatText(*result);
  return output;
}

int SimulateMain(const Args& args) {
  SimulateArgs sim_args;
  if (auto exit = ParseSimulateArgs(args, sim_args)) return Emit(*exit);
  std::ifstream in(sim_args.scenario, std::ios::binary);
  if (!in) {
    return Emit({2, "", "probelet simulate: --scenario " + sim_args.scenario + ": cannot read\n"});
  }
  std::ostringstream text;
  text << in.rdbuf();
  // A fixed seed: the uids appear in BackOff messages, and a run must be reproducible.
  api::UidGenerator uids(1);
  api::LoadResult loaded = api::LoadPods({sim_args.manifest}, uids);
  return Emit(SimulateOutput(loaded, text.str(), sim_args.scenario, sim_args));
}

}  // namespace probelet::cli
