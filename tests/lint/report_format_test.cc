// The text and JSON forms of lint's output.
#include "lint/report_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace probelet::lint {
namespace {

LintReport OneOfEach() {
  LintReport report;
  report.pods = 2;
  report.findings.push_back({"a.yaml", 12, "default", "web", "app", "PL002", Severity::kWarning,
                             "liveness fails after ...", "spec.containers[0].livenessProbe"});
  report.findings.push_back({"a.yaml", 20, "default", "web", "app", "PL010", Severity::kInfo,
                             "readiness httpGet probe on port 8080 ...",
                             "spec.containers[0].readinessProbe"});
  return report;
}

std::vector<api::Diagnostic> OneError() {
  return {{api::Diagnostic::Severity::kError, "b.yaml", "pod \"db\"",
           "spec.containers[0].name: Required value"}};
}

TEST(ReportFormatTest, TextIsValidatesLinesThenFindings) {
  EXPECT_EQ(FormatText(OneError(), OneOfEach()),
            "b.yaml: pod \"db\": spec.containers[0].name: Required value\n"
            "a.yaml:12: default/web/app: PL002 warning: liveness fails after ...\n"
            "a.yaml:20: default/web/app: PL010 info: readiness httpGet probe on port 8080 ...\n");
  EXPECT_EQ(FormatSummary(OneError(), OneOfEach()),
            "2 pod(s) linted: 1 error(s), 1 warning(s), 1 info(s)\n");
}

TEST(ReportFormatTest, Json) {
  auto j = nlohmann::json::parse(FormatJson(OneError(), OneOfEach()));
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][0],
            nlohmann::json::parse(R"({"file": "a.yaml", "line": 12, "namespace": "default",
              "pod": "web", "container": "app", "code": "PL002", "severity": "warning",
              "message": "liveness fails after ...",
              "field": "spec.containers[0].livenessProbe"})"));
  EXPECT_EQ(j["findings"][1]["severity"], "info");
  EXPECT_EQ(j["diagnostics"][0], nlohmann::json::parse(R"({"file": "b.yaml", "object": "pod \"db\"",
              "severity": "error", "message": "spec.containers[0].name: Required value"})"));
  EXPECT_EQ(j["summary"],
            nlohmann::json::parse(R"({"pods": 2, "errors": 1, "warnings": 1, "infos": 1})"));
}

}  // namespace
}  // namespace probelet::lint
