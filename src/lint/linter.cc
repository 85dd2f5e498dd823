#include "lint/linter.h"

#include <algorithm>

#include "lint/check_context.h"
#include "lint/codes.h"
#include "lint/endpoint_checks.h"
#include "lint/exec_checks.h"
#include "lint/grace_checks.h"
#include "lint/probe_timing_checks.h"
#include "lint/service_checks.h"

namespace probelet::lint {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> AnnotatedCodes(const api::Pod& pod) {
  std::vector<std::string> codes;
  auto it = pod.metadata.annotations.find(std::string(kLintDisableAnnotation));
  if (it == pod.metadata.annotations.end()) return codes;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string code = Trim(rest.substr(0, comma));
    if (!code.empty()) codes.push_back(code);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return codes;
}

void LintPod(const api::LoadedPod& loaded, const std::vector<api::LoadedService>& services,
             const SourceLines& lines, const LintOptions& options, LintReport& report) {
  const api::Pod& pod = loaded.pod;
  std::vector<const api::Service*> selecting;
  for (const auto& s : services) {
    if (ServiceSelects(s.service, pod)) selecting.push_back(&s.service);
  }
  std::vector<Finding> findings;
  std::vector<std::string> annotated = AnnotatedCodes(pod);
  for (const auto& code : annotated) {
    if (FindCode(code)) continue;
    Finding f;
    f.code = std::string(kUnknownDisabledCode);
    f.severity = Severity::kInfo;
    f.field = "metadata.annotations";
    f.message = "annotation " + std::string(kLintDisableAnnotation) + " names \"" + code +
                "\", which is no lint code: it silences nothing";
    findings.push_back(std::move(f));
  }
  auto check = [&](const api::Container& c, std::string path) {
    ContainerContext context{pod, c, std::move(path), selecting};
    for (auto* run : {&CheckProbeTiming, &CheckExecProbes, &CheckProbeEndpoints, &CheckProbeGrace,
                      &CheckServices}) {
      for (auto& f : (*run)(context)) findings.push_back(std::move(f));
    }
  };
  for (size_t i = 0; i < pod.spec.init_containers.size(); ++i) {
    const api::Container& c = pod.spec.init_containers[i];
    if (api::IsRestartableInitContainer(c))
      check(c, "spec.initContainers[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; i < pod.spec.containers.size(); ++i) {
    check(pod.spec.containers[i], "spec.containers[" + std::to_string(i) + "]");
  }
  size_t first = report.findings.size();
  for (auto& f : findings) {
    if (options.disabled.count(f.code)) continue;
    if (std::find(annotated.begin(), annotated.end(), f.code) != annotated.end()) continue;
    f.file = loaded.source;
    f.namespace_ = pod.metadata.namespace_;
    f.pod = pod.metadata.name;
    f.line = lines.Line(loaded.source, f.namespace_, f.pod, f.field);
    report.findings.push_back(std::move(f));
  }
  // In the order of the file, as a reader goes through it; checks in code order on one line.
  std::stable_sort(report.findings.begin() + first, report.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.line < b.line; });
}

}  // namespace

size_t LintReport::warnings() const {
  return std::count_if(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::kWarning; });
}

size_t LintReport::infos() const { return findings.size() - warnings(); }

LintReport Lint(const api::LoadResult& loaded, const SourceLines& lines,
                const LintOptions& options) {
  LintReport report;
  for (const auto& pod : loaded.pods) {
    LintPod(pod, loaded.services, lines, options, report);
    ++report.pods;
  }
  return report;
}

}  // namespace probelet::lint
