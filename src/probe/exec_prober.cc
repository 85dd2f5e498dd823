// The kubelet's exec prober (pkg/probe/exec/exec.go, execProber.Probe; §5.2): ExecOutcome maps
// a command's result to an Outcome as execProber.Probe does (§5.2.4, T44), and the local
// CommandRunner runs a command on this machine for `probelet probe exec`.
//
// The local runner runs argv on this machine with base::CapturedCommand (the engine the process
// runtime's ExecSync shares; see captured_command.h for why a command ends when it does): in its
// own process group, output cut at 10 KiB (exec.go's maxReadLength, §5.2.3), completed at exit plus
// end of file or at the timeout, its group SIGKILLed at the end so a local probe leaves nothing
// running behind it.
#include <boost/asio/io_context.hpp>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/captured_command.h"
#include "base/go_duration.h"
#include "base/go_quote.h"
#include "probe/probers.h"

namespace probelet::probe {
namespace {

namespace asio = boost::asio;

// pkg/probe/exec: maxReadLength = 10 * 1 << 10.
constexpr size_t kMaxReadLength = base::kMaxExecOutput;

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    out += argv[i];
  }
  return out;
}

class LocalCommandRunner : public CommandRunner {
 public:
  LocalCommandRunner(asio::io_context& io, base::Clock& clock) : io_(io), clock_(clock) {}

  void Run(const std::vector<std::string>& argv, base::Duration timeout,
           std::function<void(ExecResult)> done) override {
    commands_.emplace_back();
    auto it = std::prev(commands_.end());
    *it = base::CapturedCommand::Start(
        io_, clock_, {.spawn = {.argv = argv}, .timeout = timeout, .max_output = kMaxReadLength},
        std::move(done),
        // Destroys the command from inside its own callback, which it allows.
        [this, it] { commands_.erase(it); });
  }

 private:
  asio::io_context& io_;
  base::Clock& clock_;
  // Destroying the runner destroys these: pending commands are killed without calling back.
  std::list<std::unique_ptr<base::CapturedCommand>> commands_;
};

}  // namespace

Outcome ExecOutcome(const std::vector<std::string>& argv, base::Duration timeout,
                    const ExecResult& result) {
  Outcome o;
  switch (result.status) {
    case ExecResult::Status::kExited:
      // execProber.Probe: exit 0 is success; any other exit is failure with only the captured
      // output, nothing appended (§5.2.4).
      o.result = result.exit_code == 0 ? Result::kSuccess : Result::kFailure;
      o.output = result.output.substr(0, kMaxReadLength);
      break;
    case ExecResult::Status::kTimedOut:
      // execProber.Probe: a timeout (the CRI client's ErrCommandTimedOut) is a failure whose
      // output is that error's text, with no error (§5.2.2, §5.2.4).
      o.result = Result::kFailure;
      o.output = "command timed out: " + base::GoQuote(JoinArgv(argv)) + " timed out after " +
                 base::FormatGoDuration(timeout);
      break;
    case ExecResult::Status::kError:
      // execProber.Probe: any other error is unknown with that error and no output (§5.2.4).
      o.result = Result::kUnknown;
      o.error = result.error.empty() ? std::string("exec failed") : result.error;
      break;
  }
  return o;
}

std::unique_ptr<CommandRunner> NewLocalCommandRunner(asio::io_context& io, base::Clock& clock) {
  return std::make_unique<LocalCommandRunner>(io, clock);
}

}  // namespace probelet::probe
