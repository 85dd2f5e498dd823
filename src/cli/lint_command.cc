// `probelet lint FILE_OR_DIR...` (issue 15, part 1): the manifests are loaded as `probelet
// validate` and `probelet run` load them (api::LoadPods: a pod with a validation error is
// reported as validate reports it and not linted), then every valid pod goes through the
// semantic checks of src/lint/ (docs/lint.md lists the codes).
#include "cli/lint_command.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>

#include "api/uid.h"
#include "cli/commands.h"
#include "lint/codes.h"
#include "lint/report_format.h"

namespace probelet::cli {
namespace {

std::string CodeTable() {
  std::string out = "codes (docs/lint.md):\n";
  for (const auto& c : lint::AllCodes()) {
    out += "  " + std::string(c.code) + " " +
           (c.severity == lint::Severity::kWarning ? "warning " : "info    ") +
           std::string(c.summary) + "\n";
  }
  return out;
}

// At most `limit` + 1 bytes: more is refused by the loader as too large.
std::string ReadBounded(std::istream& in, size_t limit) {
  std::string text;
  char buf[64 * 1024];
  while (text.size() <= limit && in.read(buf, sizeof buf).gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
  }
  return text;
}

}  // namespace

std::optional<CommandOutput> ParseLintArgs(const Args& args, LintArgs& out) {
  CLI::App app{
      "Checks what the probes of Pod manifests will do, before a cluster does it: a slow\n"
      "start killed by liveness, a restart before readiness takes the container out of\n"
      "traffic, a probe that always times out... Each finding names the file and line of\n"
      "the probe, the pod and container, a code, and the consequence in the manifest's\n"
      "numbers. Manifests are first validated as `probelet validate` does; a pod with an\n"
      "error is reported as validate reports it and not linted. A pod's annotation\n"
      "probelet.dev/lint-disable: CODE[,CODE] silences codes for that pod.\n"
      "Exit 0 with no warning (infos allowed), 1 with any, 2 if a file cannot be read.",
      "probelet lint"};
  SetUsage(app, "usage: probelet lint FILE_OR_DIR... [--disable CODE,...] [-o text|json]");
  app.footer(CodeTable());
  app.add_option("FILE_OR_DIR", out.paths, "manifests to check (- alone: standard input)")
      ->required();
  std::vector<std::string> disabled;
  app.add_option("--disable", disabled, "codes not to report, comma-separated")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& code) {
            return lint::FindCode(code) ? std::string()
                                        : "unknown code \"" + code + "\" (see the list below)";
          },
          "CODE"));
  std::string output = "text";
  app.add_option("-o,--output", output, "text | json")->check(CLI::IsMember({"text", "json"}));
  if (auto exit = ParseCommandLine(app, args)) return exit;
  if (out.paths.size() > 1 && std::count(out.paths.begin(), out.paths.end(), "-") > 0) {
    return CommandOutput{
        2, "", "probelet lint: - (standard input) must be the only path\n\n" + app.help()};
  }
  out.options.disabled.insert(disabled.begin(), disabled.end());
  out.json = output == "json";
  return std::nullopt;
}

CommandOutput LintOutput(const api::LoadResult& loaded, const lint::SourceLines& lines,
                         const LintArgs& args) {
  lint::LintReport report = lint::Lint(loaded, lines, args.options);
  CommandOutput output;
  if (args.json) {
    output.out = lint::FormatJson(loaded.diagnostics, report);
  } else {
    output.out = lint::FormatText(loaded.diagnostics, report);
    output.err = lint::FormatSummary(loaded.diagnostics, report);
  }
  output.code = loaded.read_error                                      ? 2
                : !loaded.diagnostics.empty() || report.warnings() > 0 ? 1
                                                                       : 0;
  return output;
}

int LintMain(const Args& args) {
  LintArgs lint_args;
  if (auto exit = ParseLintArgs(args, lint_args)) return Emit(*exit);
  api::UidGenerator uids(1);  // uids are not shown: a fixed seed
  api::ParseLimits limits;
  lint::SourceLines lines;
  api::LoadResult loaded;
  if (lint_args.paths == std::vector<std::string>{"-"}) {
    std::string text = ReadBounded(std::cin, limits.max_bytes);
    loaded = api::LoadPodsFromText(text, api::ManifestFormat::kYaml, "-", uids, limits);
    lines.AddFile("-", text);
  } else {
    loaded = api::LoadPods(lint_args.paths, uids, limits);
    std::set<std::string> indexed;
    for (const auto& pod : loaded.pods) {
      if (!indexed.insert(pod.source).second) continue;
      std::ifstream in(pod.source, std::ios::binary);
      lines.AddFile(pod.source, ReadBounded(in, limits.max_bytes));
    }
  }
  return Emit(LintOutput(loaded, lines, lint_args));
}

}  // namespace probelet::cli
