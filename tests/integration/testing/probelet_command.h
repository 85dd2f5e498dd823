// RunProbelet: runs the probelet binary once (a one-shot command: validate, lint, simulate,
// probe...) and returns its exit code, stdout and stderr, for the CLI integration tests. The
// command runs in the source directory (so the tests name files as the README does,
// "examples/..."), with `input` on stdin, and is bounded: a run longer than the limit is
// SIGKILLed and fails the test.
//
// Blocking; the test thread. Forks: after the fork the child only dup2s, chdirs and execs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace probelet::testing {

struct ProbeletRun {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out, err;
};

struct ProbeletRunOptions {
  std::string input;  // written to stdin, which is then closed
  std::chrono::seconds limit{30};
};

// `probelet ARGS...` (args[0] is the subcommand).
ProbeletRun RunProbelet(const std::vector<std::string>& args,
                        const ProbeletRunOptions& options = {});

}  // namespace probelet::testing
