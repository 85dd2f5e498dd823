// ExecOutcome: the kubelet's execProber mapping (§5.2.4), ported from exec_test.go (T44) and
// the exec rows of prober_test.go that concern the handler (T20, T23).
#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "probe/probers.h"

namespace probelet::probe {
namespace {

using namespace std::chrono_literals;

ExecResult Exited(int code, std::string output = "") {
  ExecResult r;
  r.status = ExecResult::Status::kExited;
  r.exit_code = code;
  r.output = std::move(output);
  return r;
}

TEST(ExecOutcomeTest, T44_OutputOkIsSuccessWithOutput) {
  Outcome o = ExecOutcome({"testcmd"}, 1s, Exited(0, "OK"));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, "OK");
  EXPECT_FALSE(o.error);
}

TEST(ExecOutcomeTest, T44_ExitCodeZeroIsSuccess) {
  Outcome o = ExecOutcome({"testcmd"}, 1s, Exited(0));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_FALSE(o.error);
}

TEST(ExecOutcomeTest, T44_OutputIsCutAt10KiB) {
  Outcome o = ExecOutcome({"testcmd"}, 1s, Exited(0, std::string(11264, 'x')));
  EXPECT_EQ(o.result, Result::kSuccess);
  EXPECT_EQ(o.output, std::string(10240, 'x'));
}

TEST(ExecOutcomeTest, T44_GenericErrorIsUnknownWithErrorAndNoOutput) {
  ExecResult r;
  r.status = ExecResult::Status::kError;
  r.error = "bad";
  r.output = "foo";
  Outcome o = ExecOutcome({"testcmd"}, 1s, r);
  EXPECT_EQ(o.result, Result::kUnknown);
  EXPECT_EQ(o.output, "");
  ASSERT_TRUE(o.error);
  EXPECT_EQ(*o.error, "bad");
}

TEST(ExecOutcomeTest, T44_ExitCodeOneWithNoOutputIsFailureWithNothingAppended) {
  Outcome o = ExecOutcome({"testcmd"}, 1s, Exited(1));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "");
  EXPECT_FALSE(o.error);
}

TEST(ExecOutcomeTest, T44_NonZeroExitKeepsOnlyTheCapturedOutput) {
  Outcome o = ExecOutcome({"sh", "-c", "exit 3"}, 1s, Exited(3, "stdout\nstderr\n"));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "stdout\nstderr\n");
  EXPECT_FALSE(o.error);
}

TEST(ExecOutcomeTest, T44_TimeoutIsFailureWithTheCriTimeoutText) {
  ExecResult r;
  r.status = ExecResult::Status::kTimedOut;
  r.output = "partial output is not shown";
  Outcome o = ExecOutcome({"/bin/sh", "-c", "sleep 10"}, 1s, r);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "command timed out: \"/bin/sh -c sleep 10\" timed out after 1s");
  EXPECT_FALSE(o.error);
}

TEST(ExecOutcomeTest, T44_TimeoutTextUsesGoQuotingAndGoDurations) {
  ExecResult r;
  r.status = ExecResult::Status::kTimedOut;
  EXPECT_EQ(ExecOutcome({"echo", "say \"hi\"\n"}, 500ms, r).output,
            "command timed out: \"echo say \\\"hi\\\"\\n\" timed out after 500ms");
  EXPECT_EQ(ExecOutcome({"sleep", "100"}, 60s, r).output,
            "command timed out: \"sleep 100\" timed out after 1m0s");
}

// T20's exec rows, at the handler: failure and success carry no error; only "could not run"
// does (the prober wrapper then maps unknown+error to a discarded Failure, §4.2.4).
TEST(ExecOutcomeTest, T20_ExecHandlerResultsCarryAnErrorOnlyWhenTheCommandCouldNotRun) {
  EXPECT_FALSE(ExecOutcome({"x"}, 1s, Exited(1)).error);
  EXPECT_FALSE(ExecOutcome({"x"}, 1s, Exited(0)).error);
  ExecResult r;
  r.status = ExecResult::Status::kTimedOut;
  EXPECT_FALSE(ExecOutcome({"x"}, 1s, r).error);
  r.status = ExecResult::Status::kError;
  r.error = "exec: \"x\": executable file not found in $PATH";
  EXPECT_TRUE(ExecOutcome({"x"}, 1s, r).error);
}

// T23: the runner's output comes through as it is, bytes and all.
TEST(ExecOutcomeTest, T23_RunnerOutputComesThroughUnchanged) {
  EXPECT_EQ(ExecOutcome({"x"}, 1s, Exited(0, "foo")).output, "foo");
  std::string binary("a\0b\xff", 4);
  EXPECT_EQ(ExecOutcome({"x"}, 1s, Exited(0, binary)).output, binary);
}

}  // namespace
}  // namespace probelet::probe
