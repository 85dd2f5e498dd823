// The exec probe checks (PL007 background process, PL008 sleep over the timeout) and the shell
// reading under them.
#include "lint/exec_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "lint/testing/lint_yaml.h"

namespace probelet::lint {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LintYaml;
using testing::PodYaml;

TEST(ShellScriptTest, RecognisesShellsWithDashC) {
  EXPECT_EQ(ShellScript({"/bin/sh", "-c", "x"}), "x");
  EXPECT_EQ(ShellScript({"bash", "-ec", "y"}), "y");
  EXPECT_EQ(ShellScript({"/bin/busybox", "sh", "-c", "z"}), "z");
  EXPECT_EQ(ShellScript({"sh", "script.sh"}), std::nullopt);
  EXPECT_EQ(ShellScript({"cat", "-c", "x"}), std::nullopt);
  EXPECT_EQ(ShellScript({"sh", "-c"}), std::nullopt);
}

TEST(ShellScriptTest, BackgroundOnlyForAnUnquotedLoneAmpersand) {
  EXPECT_TRUE(BackgroundsProcess("server &"));
  EXPECT_TRUE(BackgroundsProcess("a && b & c"));
  EXPECT_FALSE(BackgroundsProcess("a && b"));
  EXPECT_FALSE(BackgroundsProcess("curl x 2>&1 | grep ok"));
  EXPECT_FALSE(BackgroundsProcess("curl x &>/dev/null"));
  EXPECT_FALSE(BackgroundsProcess("echo 'a & b' \"c & d\" e\\&"));
  EXPECT_FALSE(BackgroundsProcess("check # not & here"));
  EXPECT_FALSE(BackgroundsProcess("sleep 1 & wait $!"));  // waited for: not left behind
}

TEST(ShellScriptTest, LongestSleep) {
  EXPECT_EQ(LongestSleepSeconds("check; sleep 5"), 5);
  EXPECT_EQ(LongestSleepSeconds("sleep 1m 30"), 90);  // GNU sleep sums its arguments
  EXPECT_EQ(LongestSleepSeconds("sleep 0.5 && sleep 2"), 2);
  EXPECT_EQ(LongestSleepSeconds("if x; then sleep 1h; fi"), 3600);
  EXPECT_EQ(LongestSleepSeconds("exec sleep infinity"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(LongestSleepSeconds("echo sleep 5"), std::nullopt);  // an argument, not a command
  EXPECT_EQ(LongestSleepSeconds("echo 'sleep 5'"), std::nullopt);
  EXPECT_EQ(LongestSleepSeconds("check"), std::nullopt);
}

TEST(ExecChecksTest, ShellBackgroundingAProcessTimesOut) {
  auto report =
      LintYaml(PodYaml("    livenessProbe:\n"
                       "      exec: {command: [/bin/sh, -c, \"touch /tmp/x & cat /tmp/ok\"]}\n"
                       "      timeoutSeconds: 2\n"
                       "      periodSeconds: 5\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL007"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("runs until its timeoutSeconds of 2s and fails, so the liveness probe "
                        "restarts the container after 3 x 5s = 15s"));
}

TEST(ExecChecksTest, SleepAtLeastTheTimeout) {
  auto report =
      LintYaml(PodYaml("    readinessProbe:\n"
                       "      exec: {command: [sh, -c, \"sleep 3; test -f /tmp/ok\"]}\n"
                       "      timeoutSeconds: 3\n"));
  ASSERT_THAT(Codes(report), ElementsAre("PL008"));
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("sleeps 3s, at least its timeoutSeconds of 3s"));
  EXPECT_THAT(report.findings[0].message, HasSubstr("the container never becomes ready"));
  // sleep as the command itself.
  EXPECT_THAT(Codes(LintYaml(PodYaml("    readinessProbe: {exec: {command: [sleep, \"2\"]}}\n"))),
              ElementsAre("PL008"));
}

TEST(ExecChecksTest, QuietExecProbesAreFine) {
  auto report = LintYaml(
      PodYaml("    readinessProbe:\n"
              "      exec: {command: [sh, -c, \"sleep 0.2; test -f /tmp/ok && echo ok 2>&1\"]}\n"
              "    startupProbe:\n"
              "      exec: {command: [cat, /tmp/started]}\n"));
  EXPECT_THAT(Codes(report), IsEmpty());
}

}  // namespace
}  // namespace probelet::lint
