#include "runtime/guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "base/child_reaper.h"

namespace probelet::runtime {
namespace {

enum Op : int32_t { kAdd = 1, kRemove = 2, kGoodbye = 3, kReady = 4 };
struct Message {
  int32_t op;
  int32_t value;
};

constexpr int kMaxGroups = 4096;
constexpr size_t kMaxPath = 512;

// Appends `s` to `buf` (of kMaxPath) at `len`; false if it does not fit. No allocation.
bool Append(char* buf, size_t& len, const char* s) {
  size_t n = std::strlen(s);
  if (len + n + 1 > kMaxPath) return false;
  std::memcpy(buf + len, s, n);
  len += n;
  buf[len] = '\0';
  return true;
}

// rmdir of every directory directly below `dir` (the container cgroups), then of `dir`.
bool RemoveInstanceDir(const char* dir) {
  int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  alignas(8) char buf[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct Dirent64 {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[1];
      };
      auto* e = reinterpret_cast<Dirent64*>(buf + off);
      off += e->reclen;
      if (e->type != DT_DIR || std::strcmp(e->name, ".") == 0 || std::strcmp(e->name, "..") == 0) {
        continue;
      }
      char path[kMaxPath];
      size_t len = 0;
      path[0] = '\0';
      if (Append(path, len, dir) && Append(path, len, "/") && Append(path, len, e->name)) {
        ::rmdir(path);
      }
    }
  }
  ::close(fd);
  return ::rmdir(dir) == 0 || errno == ENOENT;
}

[[noreturn]] void GuardMain(int sock, const char* kill_path, const char* instance_dir) {
  ::setpgid(0, 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGTSTP})
    ::sigaction(sig, &ignore, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Keep only the socket (as fd 3) and /dev/null as stdio: holding probelet's other fds would
  // keep its sockets and pipes open.
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
  }
  if (sock != 3) {
    ::dup2(sock, 3);  // clears CLOEXEC, harmless: the guard never execs
  }
  ::syscall(SYS_close_range, 4u, ~0u, 0u);
  // Ready: out of probelet's process group and deaf to its signals. Start() waits for this, so
  // a kill of probelet's group that follows at once cannot take the guard along.
  Message ready{kReady, 0};
  (void)::send(3, &ready, sizeof ready, MSG_NOSIGNAL);

  pid_t groups[kMaxGroups];
  int count = 0;
  for (;;) {
    Message m{};
    ssize_t n = ::recv(3, &m, sizeof m, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == static_cast<ssize_t>(sizeof m)) {
      if (m.op == kGoodbye) ::_exit(0);
      if (m.op == kAdd && count < kMaxGroups) groups[count++] = m.value;
      if (m.op == kRemove) {
        for (int i = 0; i < count; ++i) {
          if (groups[i] == m.value) {
            groups[i] = groups[--count];
            break;
          }
        }
      }
      continue;
    }
    break;  // 0: probelet's end closed without a goodbye (or an error): probelet is gone
  }
  if (kill_path[0] != '\0') {
    int fd = ::open(kill_path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!::write(fd, "1", 1);
      ::close(fd);
    }
  }
  for (int i = 0; i < count; ++i) ::kill(-groups[i], SIGKILL);
  if (instance_dir[0] != '\0') {
    // The killed processes exit asynchronously; rmdir succeeds once they have. Bounded: 2 s.
    for (int attempt = 0; attempt < 200 && !RemoveInstanceDir(instance_dir); ++attempt) {
      timespec ts{0, 10'000'000};
      ::nanosleep(&ts, nullptr);
    }
    // And probelet's own directory above it (busy if another runtime of it left one there).
    char parent[kMaxPath];
    std::memcpy(parent, instance_dir, std::strlen(instance_dir) + 1);
    if (char* slash = std::strrchr(parent, '/'); slash != nullptr && slash != parent) {
      *slash = '\0';
      ::rmdir(parent);
    }
  }
  ::_exit(0);
}

}  // namespace

base::Expected<Guard> Guard::Start(const std::string& instance_cgroup) {
  // Everything the child needs is prepared here: it must not allocate.
  char kill_path[kMaxPath] = "";
  char instance_dir[kMaxPath] = "";
  if (!instance_cgroup.empty()) {
    size_t len = 0;
    if (!Append(kill_path, len, instance_cgroup.c_str()) ||
        !Append(kill_path, len, "/cgroup.kill")) {
      return base::Error{"cgroup path too long: " + instance_cgroup, ENAMETOOLONG};
    }
    len = 0;
    (void)Append(instance_dir, len, instance_cgroup.c_str());
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return base::Error{std::string("socketpair: ") + std::strerror(errno), errno};
  }
  // fork semantics without glibc's fork(): no pthread_atfork handlers run (gRPC has some).
  long pid;
  {
    base::ChildClaims claims;  // ~Guard reaps it, not a ChildReaper
    pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid > 0) claims.Claim(static_cast<pid_t>(pid));
  }
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return base::Error{std::string("clone (guard): ") + std::strerror(err), err};
  }
  if (pid == 0) GuardMain(fds[1], kill_path, instance_dir);
  ::close(fds[1]);
  Guard guard(static_cast<pid_t>(pid), fds[0]);
  // Wait (bounded) for the guard to be set up; on a loaded machine it may not run for a while.
  pollfd p{fds[0], POLLIN, 0};
  Message ready{};
  int n;
  do {
    n = ::poll(&p, 1, 10'000);
  } while (n < 0 && errno == EINTR);
  if (n != 1 || ::recv(fds[0], &ready, sizeof ready, 0) != sizeof ready || ready.op != kReady) {
    return base::Error{"the guard process did not start", ETIMEDOUT};  // ~Guard reaps it
  }
  int flags = ::fcntl(fds[0], F_GETFL);
  ::fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
  return guard;
}

Guard::Guard(Guard&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      sock_(std::exchange(other.sock_, -1)),
      healthy_(other.healthy_) {}

Guard::~Guard() {
  if (sock_ < 0) return;
  Send(kGoodbye, 0);
  ::close(sock_);
  if (pid_ > 0) {
    // The guard exits at once on the goodbye (or, if that failed, at the close: with nothing
    // left to kill, since the runtime has stopped its containers before).
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    base::ChildClaims().Release(pid_);
  }
}

void Guard::AddProcessGroup(pid_t pgid) { Send(kAdd, pgid); }
void Guard::RemoveProcessGroup(pid_t pgid) { Send(kRemove, pgid); }

void Guard::Send(int op, int value) {
  if (sock_ < 0 || !healthy_) return;
  Message m{op, value};
  ssize_t n;
  do {
    n = ::send(sock_, &m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof m)) {
    healthy_ = false;
    spdlog::error(
        "runtime: the guard process {} is gone ({}): if probelet dies now, containers' "
        "descendants may outlive it until the next start",
        pid_, n < 0 ? std::strerror(errno) : "short send");
  }
}

}  // namespace probelet::runtime
