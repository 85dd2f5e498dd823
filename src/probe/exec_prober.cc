// The exec prober (§5.2): ExecOutcome maps a command's result to an Outcome the way the
// kubelet's execProber does (§5.2.4, T44), and the local CommandRunner runs a command on this
// machine for `probelet probe exec`.
//
// The local runner, and why it ends when it does:
//  - argv is exec'd directly (no shell) in its own process group, stdin /dev/null, stdout and
//    stderr on two pipes read separately: the output is all of stdout then all of stderr, as
//    the kubelet's RunInContainer returns it (§5.2.2), cut at 10 KiB (§5.2.3). The pipes keep
//    being drained past the limit, so a chatty command never blocks on a full pipe.
//  - It completes when the child has exited AND both pipes are at end-of-file (containerd's
//    ExecSync drains the output the same way, §5.2.2), or at the timeout, whichever is first.
//    So a background grandchild that keeps the pipe open holds the probe only until the
//    timeout: the result is then kTimedOut, which is what the kubelet reports too for
//    `sh -c "daemon &"`, only ~2 minutes later (§9.2).
//  - At the end, whatever the reason, the whole process group is SIGKILLed and the child
//    reaped. The child is not reaped before that (it stays a zombie after exiting), so its
//    pid, which is also the group id, cannot be reused in between and the group kill never
//    hits a stranger. Leftover group members are killed on success too: a local probe leaves
//    nothing running behind it.
//  - Exit by a signal is reported as exit code 128+signal, like runc/containerd.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/asio_clock.h"
#include "base/go_duration.h"
#include "base/go_quote.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "probe/probers.h"

namespace probelet::probe {
namespace {

namespace asio = boost::asio;

// pkg/probe/exec: maxReadLength = 10 * 1 << 10.
constexpr size_t kMaxReadLength = 10 * 1024;

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    out += argv[i];
  }
  return out;
}

class LocalCommandRunner;

// One running command. Owned by the runner's list (and kept alive by its pending handlers).
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, base::Clock& clock, base::ChildProcess child, int out_fd,
          int err_fd, std::function<void(ExecResult)> done)
      : child_(std::move(child)),
        out_(io, out_fd),
        err_(io, err_fd),
        exit_(io),
        timer_(clock.NewTimer()),
        done_(std::move(done)) {}

  // `finished` is called (once) on completion, before `done`, to unlink from the runner.
  void Start(base::MonoTime deadline, std::function<void(Attempt*)> finished) {
    finished_ = std::move(finished);
    timer_->Arm(deadline, [this] { Finish(/*timed_out=*/true); });
    Read(out_, out_buf_, out_text_, out_eof_);
    Read(err_, err_buf_, err_text_, err_eof_);
    boost::system::error_code ec;
    exit_.assign(child_->pidfd(), ec);
    if (ec) {  // cannot happen with a pidfd: treat as exited, the end reaps it anyway
      exited_ = true;
      return;
    }
    exit_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (self->over_ || ec == asio::error::operation_aborted) return;
                       self->exited_ = true;
                       self->MaybeFinish();
                     });
  }

  // Stops without calling back (the runner is going away): kills and reaps the child.
  void Cancel() {
    done_ = nullptr;
    Stop();
  }

 private:
  void Read(asio::posix::stream_descriptor& sd, std::array<char, 4096>& buf, std::string& text,
            bool& eof) {
    sd.async_read_some(asio::buffer(buf), [self = shared_from_this(), &sd, &buf, &text, &eof](
                                              const boost::system::error_code& ec, size_t n) {
      if (self->over_) return;
      if (ec) {  // EOF, or any read error: this stream is done
        eof = true;
        self->MaybeFinish();
        return;
      }
      size_t room = kMaxReadLength > text.size() ? kMaxReadLength - text.size() : 0;
      text.append(buf.data(), std::min(n, room));  // the rest is dropped silently (§5.2.3)
      self->Read(sd, buf, text, eof);
    });
  }

  void MaybeFinish() {
    if (exited_ && out_eof_ && err_eof_) Finish(/*timed_out=*/false);
  }

  void Finish(bool timed_out) {
    if (over_) return;
    auto self = shared_from_this();  // `finished_` drops the runner's reference
    int status = Stop();
    ExecResult result;
    if (timed_out) {
      result.status = ExecResult::Status::kTimedOut;
    } else {
      result.status = ExecResult::Status::kExited;
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    result.output = std::move(out_text_);
    result.output.append(err_text_);
    if (result.output.size() > kMaxReadLength) result.output.resize(kMaxReadLength);
    if (finished_) finished_(this);
    if (auto done = std::move(done_)) done(std::move(result));
  }

  // Kills the group, reaps, closes everything; returns the wait status.
  int Stop() {
    over_ = true;
    timer_->Cancel();
    boost::system::error_code ec;
    out_.close(ec);
    err_.close(ec);
    exit_.cancel(ec);
    if (exit_.is_open()) exit_.release();  // the pidfd belongs to child_
    if (!child_) return 0;
    int status = child_->KillAndReap();
    child_.reset();  // the pidfd goes now, not when the last aborted handler has run
    return status;
  }

  std::optional<base::ChildProcess> child_;
  asio::posix::stream_descriptor out_, err_, exit_;
  std::unique_ptr<base::Timer> timer_;
  std::function<void(ExecResult)> done_;
  std::function<void(Attempt*)> finished_;
  std::array<char, 4096> out_buf_, err_buf_;
  std::string out_text_, err_text_;
  bool out_eof_ = false, err_eof_ = false, exited_ = false, over_ = false;
};

class LocalCommandRunner : public CommandRunner {
 public:
  explicit LocalCommandRunner(asio::io_context& io) : io_(io), clock_(io) {}
  ~LocalCommandRunner() override {
    alive_.reset();
    // Cancel may run no callbacks, but take the list first anyway: it is being destroyed.
    auto attempts = std::move(attempts_);
    for (auto& a : attempts) a->Cancel();
  }

  void Run(const std::vector<std::string>& argv, base::Duration timeout,
           std::function<void(ExecResult)> done) override {
    auto out = base::Pipe::Make();
    if (!out.ok()) return Fail(argv, out.error(), std::move(done));
    auto err = base::Pipe::Make();
    if (!err.ok()) return Fail(argv, err.error(), std::move(done));
    auto child = base::ChildProcess::Spawn({.argv = argv,
                                            .stdout_fd = out->write.get(),
                                            .stderr_fd = err->write.get(),
                                            .new_process_group = true});
    // Only the child holds the write ends from here: EOF means it (and all it started) is done.
    out->write.Reset();
    err->write.Reset();
    if (!child.ok()) {
      ExecResult r;
      r.status = ExecResult::Status::kError;
      r.error = child.error().message;
      return Post(std::move(r), std::move(done));
    }
    auto attempt =
        std::make_shared<Attempt>(io_, clock_, std::move(child).value(), out->read.Release(),
                                  err->read.Release(), std::move(done));
    attempts_.push_back(attempt);
    auto it = std::prev(attempts_.end());
    attempt->Start(clock_.Now() + timeout, [this, it](Attempt*) { attempts_.erase(it); });
  }

 private:
  void Fail(const std::vector<std::string>& argv, const base::Error& error,
            std::function<void(ExecResult)> done) {
    ExecResult r;
    r.status = ExecResult::Status::kError;
    r.error = "starting " + base::GoQuote(argv.empty() ? "" : argv[0]) + ": " + error.message;
    Post(std::move(r), std::move(done));
  }
  // Never call back from inside Run (probers.h).
  void Post(ExecResult r, std::function<void(ExecResult)> done) {
    asio::post(io_, [alive = std::weak_ptr<int>(alive_), r = std::move(r),
                     done = std::move(done)]() mutable {
      if (alive.lock()) done(std::move(r));
    });
  }

  asio::io_context& io_;
  base::AsioClock clock_;
  std::list<std::shared_ptr<Attempt>> attempts_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

Outcome ExecOutcome(const std::vector<std::string>& argv, base::Duration timeout,
                    const ExecResult& result) {
  Outcome o;
  switch (result.status) {
    case ExecResult::Status::kExited:
      // Exit 0 is success; anything else is failure with only the captured output, nothing
      // appended (§5.2.4).
      o.result = result.exit_code == 0 ? Result::kSuccess : Result::kFailure;
      o.output = result.output.substr(0, kMaxReadLength);
      break;
    case ExecResult::Status::kTimedOut:
      // The CRI client's timeout error text is the output, with no error (§5.2.2, §5.2.4).
      o.result = Result::kFailure;
      o.output = "command timed out: " + base::GoQuote(JoinArgv(argv)) + " timed out after " +
                 base::FormatGoDuration(timeout);
      break;
    case ExecResult::Status::kError:
      o.result = Result::kUnknown;
      o.error = result.error.empty() ? std::string("exec failed") : result.error;
      break;
  }
  return o;
}

std::unique_ptr<CommandRunner> NewLocalCommandRunner(asio::io_context& io) {
  return std::make_unique<LocalCommandRunner>(io);
}

}  // namespace probelet::probe
