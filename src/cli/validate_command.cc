// `probelet validate FILE_OR_DIR...` (issue #3, point 6): decode, default and validate manifests
// the way `probelet run` would load them (api::LoadPods), and print every problem.
//
// Output: one line per warning or error on stdout, `<file>: pod "<name>": <message>`, errors in
// the Kubernetes field.Error format; a summary line on stderr. Exit 0 when every pod is valid
// (warnings allowed), 1 on any error, 2 when a file cannot be read or on bad usage.
#include "cli/validate_command.h"

#include <fmt/format.h>

#include "api/uid.h"
#include "cli/commands.h"

namespace probelet::cli {

std::optional<CommandOutput> ParseValidateArgs(const Args& args, std::vector<std::string>& paths,
                                               api::ValidationOptions& validation) {
  CLI::App app{
      "Decodes, defaults and validates Pod manifests (YAML or JSON; a directory means its\n"
      "*.yaml, *.yml and *.json files; - means standard input). Prints each warning and\n"
      "error on its own line. Exit 0 if valid, 1 on any error, 2 if a file cannot be read.",
      "probelet validate"};
  SetUsage(app, "usage: probelet validate FILE_OR_DIR... [--container-runtime-endpoint ENDPOINT]");
  app.add_option("FILE_OR_DIR", paths, "manifests to check")->required();
  std::string endpoint;
  app.add_option("--container-runtime-endpoint", endpoint,
                 "validate for `probelet run` with this CRI runtime (not contacted): image\n"
                 "required, command optional, only emptyDir and hostPath volumes");
  auto exit = ParseCommandLine(app, args);
  validation.container_runtime = !endpoint.empty();
  return exit;
}

std::optional<CommandOutput> ParseValidateArgs(const Args& args, std::vector<std::string>& paths) {
  api::ValidationOptions ignored;
  return ParseValidateArgs(args, paths, ignored);
}

CommandOutput ValidateOutput(const api::LoadResult& result) {
  CommandOutput output;
  size_t errors = 0, warnings = 0;
  for (const auto& d : result.diagnostics) {
    (d.severity == api::Diagnostic::Severity::kError ? errors : warnings)++;
    output.out += d.ToString() + "\n";
  }
  // Services are counted only when there are some, so the pods-only summary is unchanged.
  std::string services =
      result.services.empty() ? "" : fmt::format(", {} service(s)", result.services.size());
  output.err = fmt::format("{} pod(s){} valid, {} error(s), {} warning(s)\n", result.pods.size(),
                           services, errors, warnings);
  output.code = result.read_error ? 2 : result.has_errors() ? 1 : 0;
  return output;
}

int ValidateMain(const Args& args) {
  std::vector<std::string> paths;
  api::ValidationOptions validation;
  if (auto exit = ParseValidateArgs(args, paths, validation)) return Emit(*exit);
  // uids are generated for pods without one; validate does not show them, so a fixed seed.
  api::UidGenerator uids(1);
  return Emit(ValidateOutput(api::LoadPods(paths, uids, {}, validation)));
}

}  // namespace probelet::cli
