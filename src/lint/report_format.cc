#include "lint/report_format.h"

#include <nlohmann/json.hpp>

namespace probelet::lint {
namespace {

struct Counts {
  size_t errors = 0, warnings = 0, infos = 0;
};

Counts Count(const std::vector<api::Diagnostic>& diagnostics, const LintReport& report) {
  Counts c;
  for (const auto& d : diagnostics) {
    (d.severity == api::Diagnostic::Severity::kError ? c.errors : c.warnings)++;
  }
  c.warnings += report.warnings();
  c.infos = report.infos();
  return c;
}

}  // namespace

std::string FormatText(const std::vector<api::Diagnostic>& diagnostics, const LintReport& report) {
  std::string out;
  for (const auto& d : diagnostics) out += d.ToString() + "\n";
  for (const auto& f : report.findings) out += f.ToString() + "\n";
  return out;
}

std::string FormatSummary(const std::vector<api::Diagnostic>& diagnostics,
                          const LintReport& report) {
  Counts c = Count(diagnostics, report);
  return std::to_string(report.pods) + " pod(s) linted: " + std::to_string(c.errors) +
         " error(s), " + std::to_string(c.warnings) + " warning(s), " + std::to_string(c.infos) +
         " info(s)\n";
}

std::string FormatJson(const std::vector<api::Diagnostic>& diagnostics, const LintReport& report) {
  using nlohmann::json;
  json out = json::object();
  json& ds = out["diagnostics"] = json::array();
  for (const auto& d : diagnostics) {
    ds.push_back(
        {{"file", d.source},
         {"object", d.object},
         {"severity", d.severity == api::Diagnostic::Severity::kError ? "error" : "warning"},
         {"message", d.message}});
  }
  json& fs = out["findings"] = json::array();
  for (const auto& f : report.findings) {
    fs.push_back({{"file", f.file},
                  {"line", f.line},
                  {"namespace", f.namespace_},
                  {"pod", f.pod},
                  {"container", f.container},
                  {"code", f.code},
                  {"severity", std::string(SeverityName(f.severity))},
                  {"message", f.message},
                  {"field", f.field}});
  }
  Counts c = Count(diagnostics, report);
  out["summary"] = {
      {"pods", report.pods}, {"errors", c.errors}, {"warnings", c.warnings}, {"infos", c.infos}};
  return out.dump(2) + "\n";
}

}  // namespace probelet::lint
