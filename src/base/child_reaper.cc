#include "base/child_reaper.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <chrono>
#include <string>
#include <unordered_set>
#include <vector>

namespace probelet::base {
namespace {

// The one record per process (see the header for why it cannot be per object).
struct Claims {
  std::mutex mu;
  std::unordered_set<pid_t> pids;
};
Claims& TheClaims() {
  static Claims claims;
  return claims;
}

// A claimed zombie first in line: look again this much later, then go through every child.
constexpr auto kThoroughDelay = std::chrono::milliseconds(10);

// Every child of this process, from each thread's children list (children belong to the thread
// that made them; orphans to the one the kernel picked).
std::vector<pid_t> AllChildren() {
  std::vector<pid_t> out;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return out;
  char buf[4096];
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string path = std::string("/proc/self/task/") + e->d_name + "/children";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string text;
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
      text.append(buf, static_cast<size_t>(n));
    ::close(fd);
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      pid_t pid = 0;
      auto [next, ec] = std::from_chars(p, end, pid);
      if (ec == std::errc()) out.push_back(pid);
      p = next == p ? p + 1 : next;
    }
  }
  ::closedir(dir);
  return out;
}

// The oldest exited child, without reaping it; 0 if none.
pid_t PeekExited() {
  siginfo_t info{};
  if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0) return 0;
  return info.si_pid;
}

}  // namespace

ChildClaims::ChildClaims() : lock_(TheClaims().mu) {}
ChildClaims::~ChildClaims() = default;
void ChildClaims::Claim(pid_t pid) { TheClaims().pids.insert(pid); }
void ChildClaims::Release(pid_t pid) { TheClaims().pids.erase(pid); }
bool ChildClaims::Claimed(pid_t pid) const { return TheClaims().pids.count(pid) != 0; }

size_t ReapUnclaimedChildren(bool thorough) {
  size_t reaped = 0;
  bool blocked = false;
  // Bounded: each pass reaps one zombie, and a zombie reaped elsewhere meanwhile is not
  // reported again.
  for (int pass = 0; pass < 4096; ++pass) {
    pid_t pid = PeekExited();
    if (pid <= 0) break;
    ChildClaims claims;
    if (claims.Claimed(pid)) {
      blocked = true;
      break;
    }
    if (::waitpid(pid, nullptr, WNOHANG | __WALL) == pid) ++reaped;
  }
  if (blocked && thorough) {
    std::vector<pid_t> children = AllChildren();
    ChildClaims claims;
    for (pid_t pid : children) {
      if (!claims.Claimed(pid) && ::waitpid(pid, nullptr, WNOHANG | __WALL) == pid) ++reaped;
    }
  }
  return reaped;
}

struct ChildReaper::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, Clock& clock)
      : clock(clock), signals(io), timer(clock.NewTimer()) {}

  void Wait() {
    signals.async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->Reap(/*thorough=*/false);
      self->Wait();
    });
  }

  void Reap(bool thorough) {
    if (thorough) retry_armed = false;  // (a timer may report armed() in its own callback)
    size_t n = ReapUnclaimedChildren(thorough);
    reaped += n;
    if (thorough) return;
    // Something claimed may hide an orphan: look again shortly (once per burst of signals; a
    // child that exits after the thorough pass looked at it sends its own SIGCHLD).
    if (!retry_armed && PeekExited() > 0) {
      retry_armed = true;
      timer->Arm(clock.Now() + kThoroughDelay, [this] { Reap(/*thorough=*/true); });
    }
  }

  Clock& clock;
  boost::asio::signal_set signals;
  std::unique_ptr<Timer> timer;
  bool retry_armed = false;
  uint64_t reaped = 0;
};

ChildReaper::ChildReaper(boost::asio::io_context& io, Clock& clock)
    : state_(std::make_shared<State>(io, clock)) {
  boost::system::error_code ec;
  state_->signals.add(SIGCHLD, ec);
  // Asio installs its handler without SA_RESTART: a SIGCHLD would then make blocking calls of
  // any thread fail with EINTR. Same handler, restartable, and no signal for stopped children.
  struct sigaction sa {};
  if (::sigaction(SIGCHLD, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL &&
      sa.sa_handler != SIG_IGN) {
    sa.sa_flags |= SA_RESTART | SA_NOCLDSTOP;
    ::sigaction(SIGCHLD, &sa, nullptr);
  }
  state_->Wait();
  // Whatever exited before the handler was there.
  state_->Reap(/*thorough=*/true);
}

ChildReaper::~ChildReaper() {
  state_->timer->Cancel();
  boost::system::error_code ec;
  state_->signals.cancel(ec);
}

uint64_t ChildReaper::reaped() const { return state_->reaped; }

}  // namespace probelet::base
