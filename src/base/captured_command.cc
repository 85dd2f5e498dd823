#include "base/captured_command.h"

#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <utility>

#include "base/exit_watch.h"
#include "base/go_quote.h"
#include "base/pipe_reader.h"
#include "base/unique_fd.h"

namespace probelet::base {

// Everything the loop's handlers touch lives here, shared with them, so that a callback may
// destroy the CapturedCommand (the handle) while a handler is still on the stack.
struct CapturedCommand::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, Clock& clock) : io(io), clock(clock) {}

  boost::asio::io_context& io;
  Clock& clock;
  size_t max_output = 0;
  std::optional<ChildProcess> child;
  std::unique_ptr<PipeReader> out, err;
  std::unique_ptr<ExitWatch> exit_watch;
  std::unique_ptr<Timer> timer;
  std::string out_buf, err_buf;
  bool out_eof = false, err_eof = false, exited = false, completed = false;
  DoneFn done;
  ReapedFn reaped;

  PipeReader::DataFn Capture(std::string& buf) {
    return [this, &buf](std::string_view chunk) {
      // Keep reading past the cap (and drop the rest) so the command never blocks on output.
      if (buf.size() < max_output) buf.append(chunk.substr(0, max_output - buf.size()));
    };
  }

  void OnExit() {
    auto self = shared_from_this();  // the callbacks below may destroy the handle
    exited = true;
    exit_watch.reset();
    if (completed) {
      Reap();
    } else if (out_eof && err_eof) {
      Complete(/*timed_out=*/false);
    }
  }

  void OnEof(bool& eof) {
    eof = true;
    if (!completed && exited && out_eof && err_eof) Complete(/*timed_out=*/false);
  }

  void Complete(bool timed_out) {
    if (completed) return;
    completed = true;
    auto self = shared_from_this();  // the callbacks below may destroy the handle
    // The group goes, whatever the reason: on a timeout the command and its children; after a
    // normal exit whatever it left in the background. The leader is unreaped: the id is ours.
    (void)child->SignalGroup(SIGKILL);
    CommandResult r;
    if (timed_out) {
      r.status = CommandResult::Status::kTimedOut;
    } else {
      r.status = CommandResult::Status::kExited;
      int status = child->TryReap().value_or(0);
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    r.output = std::move(out_buf);
    r.output.append(err_buf);
    if (r.output.size() > max_output) r.output.resize(max_output);
    out.reset();
    err.reset();
    timer.reset();
    auto done_fn = std::exchange(done, nullptr);
    if (done_fn) done_fn(std::move(r));
    if (exited) Reap();
    // Else: OnExit reaps once the SIGKILL has taken the leader.
  }

  void Reap() {
    if (child && !child->reaped()) (void)child->TryReap();
    if (auto fn = std::exchange(reaped, nullptr)) fn();
  }

  // The handle is gone: no callback any more; the group is killed and the leader reaped.
  void Cancel() {
    done = nullptr;
    reaped = nullptr;
    out.reset();
    err.reset();
    exit_watch.reset();
    timer.reset();
    if (child && !child->reaped()) child->KillAndReap();
  }
};

std::unique_ptr<CapturedCommand> CapturedCommand::Start(boost::asio::io_context& io, Clock& clock,
                                                        CapturedCommandOptions options, DoneFn done,
                                                        ReapedFn reaped) {
  auto state = std::make_shared<State>(io, clock);
  state->max_output = options.max_output;
  state->done = std::move(done);
  state->reaped = std::move(reaped);
  auto command = std::make_unique<CapturedCommand>(state);

  auto fail = [&](std::string message) {
    state->completed = true;
    CommandResult r;
    r.status = CommandResult::Status::kError;
    r.error = std::move(message);
    std::weak_ptr<State> weak = state;
    boost::asio::post(io, [weak, r = std::move(r)]() mutable {
      auto s = weak.lock();
      if (!s) return;
      if (auto fn = std::exchange(s->done, nullptr)) fn(std::move(r));
      if (auto fn = std::exchange(s->reaped, nullptr)) fn();
    });
    return std::move(command);
  };
  const std::string name = options.spawn.argv.empty() ? "" : options.spawn.argv[0];
  if (options.spawn.argv.empty()) return fail("exec: empty command");
  auto out = Pipe::Make();
  if (!out.ok()) return fail("starting " + GoQuote(name) + ": " + out.error().message);
  auto err = Pipe::Make();
  if (!err.ok()) return fail("starting " + GoQuote(name) + ": " + err.error().message);
  options.spawn.stdout_fd = out->write.get();
  options.spawn.stderr_fd = err->write.get();
  options.spawn.new_process_group = true;
  auto child = ChildProcess::Spawn(options.spawn);
  // Only the child holds the write ends from here: EOF means it (and all it started) is done.
  out->write.Reset();
  err->write.Reset();
  if (!child.ok()) return fail(child.error().message);
  state->child.emplace(std::move(child).value());

  // The handlers may hold a plain pointer: the readers, watch and timer they belong to are
  // owned by the state, and destroying them cancels their handlers.
  State* s = state.get();
  state->out = std::make_unique<PipeReader>(io, out->read.Release(), s->Capture(s->out_buf),
                                            [s] { s->OnEof(s->out_eof); });
  state->err = std::make_unique<PipeReader>(io, err->read.Release(), s->Capture(s->err_buf),
                                            [s] { s->OnEof(s->err_eof); });
  state->exit_watch = std::make_unique<ExitWatch>(io, state->child->pidfd(), [s] { s->OnExit(); });
  if (options.timeout > Duration::zero()) {
    state->timer = clock.NewTimer();
    state->timer->Arm(clock.Now() + options.timeout, [s] { s->Complete(/*timed_out=*/true); });
  }
  return command;
}

CapturedCommand::CapturedCommand(std::shared_ptr<State> state) : state_(std::move(state)) {}

CapturedCommand::~CapturedCommand() { state_->Cancel(); }

pid_t CapturedCommand::pid() const { return state_->child ? state_->child->pid() : 0; }

void CapturedCommand::Kill() {
  if (state_->child && !state_->child->reaped()) (void)state_->child->SignalGroup(SIGKILL);
}

}  // namespace probelet::base
