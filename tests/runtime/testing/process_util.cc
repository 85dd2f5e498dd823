#include "runtime/testing/process_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/cgroup.h"

namespace probelet::runtime::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/probelet-runtime-test-XXXXXX";
  char* p = ::mkdtemp(tmpl);
  path_ = p != nullptr ? p : "/tmp";
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
              std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return done();
}

bool WaitGone(pid_t pid, std::chrono::milliseconds timeout) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  ::close(fd);
  return n == 1;
}

namespace {
// (state, ppid) from /proc/<pid>/stat, or state 0 when it does not exist.
std::pair<char, long> StatOf(const std::string& pid) {
  std::string stat = ReadFile("/proc/" + pid + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return {0, 0};
  std::istringstream rest(stat.substr(close + 2));
  char state = 0;
  long ppid = 0;
  rest >> state >> ppid;
  return {state, ppid};
}
}  // namespace

bool IsRunning(pid_t pid) {
  char state = StatOf(std::to_string(pid)).first;
  return state != 0 && state != 'Z' && state != 'X';
}

int CountZombieChildren() {
  int n = 0;
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    auto [state, ppid] = StatOf(e->d_name);
    if (state == 'Z' && ppid == ::getpid()) ++n;
  }
  ::closedir(d);
  return n;
}

int CountOpenFds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

std::string ReadFile(const std::string& path) { return ReadSmallFile(path); }

std::string ReadFifoLine(const std::string& path, std::chrono::milliseconds timeout) {
  // O_RDWR (Linux): we count as a writer too, so poll never reports a hang-up before the real
  // writer has come: it waits for data.
  int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out = ReadLine(fd, timeout);
  ::close(fd);
  return out;
}

std::string ReadLine(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    char c;
    ssize_t n = ::read(fd, &c, 1);  // byte by byte: leaves what follows the line unread
    if (n <= 0) break;
    out.push_back(c);
  }
  return out;
}

}  // namespace probelet::runtime::testing
