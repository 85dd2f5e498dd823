// `probelet validate FILE_OR_DIR...` (issue #3 §6): decode, default and validate manifests the
// way `probelet run` would load them (api::LoadPods), and print every problem.
//
// Output: one line per warning or error on stdout, `<file>: pod "<name>": <message>`, errors in
// the Kubernetes field.Error format; a summary line on stderr. Exit 0 when every pod is valid
// (warnings allowed), 1 on any error, 2 when a file cannot be read or on bad usage.
#include <cstdio>
#include <string>

#include "api/manifest_loader.h"
#include "api/uid.h"
#include "cli/commands.h"

namespace probelet::cli {
namespace {

constexpr const char* kValidateUsage =
    "usage: probelet validate FILE_OR_DIR...\n"
    "  Decodes, defaults and validates Pod manifests (YAML or JSON; a directory means its\n"
    "  *.yaml, *.yml and *.json files; - means standard input). Prints each warning and\n"
    "  error on its own line. Exit 0 if valid, 1 on any error, 2 if a file cannot be read.\n";

}  // namespace

int ValidateMain(const Args& args) {
  std::vector<std::string> paths;
  bool only_paths = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!only_paths && (a == "-h" || a == "--help")) {
      std::fputs(kValidateUsage, stdout);
      return 0;
    }
    if (!only_paths && a == "--") {
      only_paths = true;
      continue;
    }
    if (!only_paths && a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "probelet validate: unknown flag \"%s\"\n%s", a.c_str(), kValidateUsage);
      return 2;
    }
    paths.push_back(a);
  }
  if (paths.empty()) {
    std::fputs(kValidateUsage, stderr);
    return 2;
  }
  // uids are generated for pods without one; validate does not show them, so a fixed seed.
  api::UidGenerator uids(1);
  api::LoadResult result = api::LoadPods(paths, uids);
  size_t errors = 0, warnings = 0;
  for (const auto& d : result.diagnostics) {
    (d.severity == api::Diagnostic::Severity::kError ? errors : warnings)++;
    std::printf("%s\n", d.ToString().c_str());
  }
  std::fflush(stdout);
  std::fprintf(stderr, "%zu pod(s) valid, %zu error(s), %zu warning(s)\n", result.pods.size(),
               errors, warnings);
  if (result.read_error) return 2;
  return result.has_errors() ? 1 : 0;
}

}  // namespace probelet::cli
