#include "prober/testing/fakes.h"

#include <algorithm>

namespace probelet::prober::testing {

void ScriptedHandler::Complete(std::function<void(probe::Outcome)> done) {
  ++calls;
  start_times.push_back(clock_.Now());
  ++in_flight;
  max_in_flight = std::max(max_in_flight, in_flight);
  probe::Outcome outcome = default_outcome;
  if (!script.empty()) {
    outcome = std::move(script.front());
    script.pop_front();
  }
  // Spent timers are kept until the handler goes (a timer cannot destroy itself in its
  // callback); a test makes at most thousands.
  timers_.push_back(clock_.NewTimer());
  timers_.back()->Arm(clock_.Now() + delay,
                      [this, outcome = std::move(outcome), done = std::move(done)]() mutable {
                        --in_flight;
                        done(std::move(outcome));
                      });
}

void FakeCommandRunner::RunInContainer(const std::string& container_id,
                                       const std::vector<std::string>& argv, base::Duration timeout,
                                       std::function<void(probe::ExecResult)> done) {
  container_ids.push_back(container_id);
  argvs.push_back(argv);
  (void)timeout;
  // The scripted Outcome stands for the handler's result: success -> exit 0, failure ->
  // exit 1 with the output, an error -> a runtime error.
  Complete([done = std::move(done)](probe::Outcome o) {
    probe::ExecResult r;
    if (o.error) {
      r.status = probe::ExecResult::Status::kError;
      r.error = *o.error;
    } else {
      r.status = probe::ExecResult::Status::kExited;
      r.exit_code = o.result == probe::Result::kSuccess ? 0 : 1;
      r.output = o.output;
    }
    done(std::move(r));
  });
}

}  // namespace probelet::prober::testing
