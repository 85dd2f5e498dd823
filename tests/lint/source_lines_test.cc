// The line index: field paths in validation's notation -> lines, with the nearest parent when a
// field has no line of its own, and nothing (0) for what is not indexed.
#include "lint/source_lines.h"

#include <gtest/gtest.h>

namespace probelet::lint {
namespace {

constexpr const char* kPod = R"(# a comment
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    livenessProbe:
      httpGet: {path: /, port: 80}
)";

TEST(SourceLinesTest, FieldsParentsAndUnknownPods) {
  SourceLines lines;
  lines.AddFile("a.yaml", kPod);
  EXPECT_EQ(lines.Line("a.yaml", "default", "web", ""), 2);
  EXPECT_EQ(lines.Line("a.yaml", "default", "web", "spec.containers[0]"), 8);
  EXPECT_EQ(lines.Line("a.yaml", "default", "web", "spec.containers[0].livenessProbe"), 9);
  EXPECT_EQ(lines.Line("a.yaml", "default", "web", "spec.containers[0].livenessProbe.httpGet.port"),
            10);
  // Defaulted fields are not in the file: their parent's line.
  EXPECT_EQ(
      lines.Line("a.yaml", "default", "web", "spec.containers[0].livenessProbe.periodSeconds"), 9);
  EXPECT_EQ(lines.Line("a.yaml", "other", "web", "spec"), 0);
  EXPECT_EQ(lines.Line("b.yaml", "default", "web", "spec"), 0);
}

TEST(SourceLinesTest, TextThatDoesNotParseGivesNoLines) {
  SourceLines lines;
  lines.AddFile("bad.yaml", "kind: Pod\nmetadata: {name: [\n");
  EXPECT_EQ(lines.Line("bad.yaml", "default", "", ""), 0);
}

}  // namespace
}  // namespace probelet::lint
