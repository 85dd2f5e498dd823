// scenario_app: an app that behaves as a `probelet simulate` scenario says, for the fidelity
// test (tests/integration/simulate_fidelity_test.cc). Its timeline counts from its own start
// (main), so a restart runs it again (the scenario's afterRestart: repeat). C++ rather than a
// script: an interpreter's start-up (seconds on a loaded machine) would shift every time.
//
//   scenario_app --port PORT [--startup S] [--exit-after S --exit-code C]
//                [--fail TYPE:FROM:FOR[:EVERY]]...
//
//   --startup S     startupSeconds: the port is not bound until then (connection refused)
//   --exit-after S  exitAfter: the process exits with --exit-code after S seconds
//   --fail ...      a failure window of TYPE (liveness, readiness, startup): its endpoint
//                   answers 500 in [FROM, FROM+FOR) seconds, again every EVERY seconds
//
// GET /healthz (liveness), /ready (readiness), /started (startup): 200 "ok", or 500 "failing"
// inside a window of that type. SIGTERM: the default action (shutdownSeconds 0).
// One thread, poll(2); 127.0.0.1 only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
const Clock::time_point kStart = Clock::now();

double SinceStart() { return std::chrono::duration<double>(Clock::now() - kStart).count(); }

struct Window {
  std::string type;
  double from = 0, length = 0;
  std::optional<double> every;
};

bool Failing(const std::vector<Window>& windows, const std::string& type, double t) {
  for (const Window& w : windows) {
    if (w.type != type || t < w.from) continue;
    double offset = t - w.from;
    if (w.every) offset -= *w.every * static_cast<long>(offset / *w.every);
    if (offset < w.length) return true;
  }
  return false;
}

std::string TypeOf(const std::string& request) {
  auto path_start = request.find(' ');
  if (path_start == std::string::npos) return "";
  std::string path =
      request.substr(path_start + 1, request.find(' ', path_start + 1) - path_start - 1);
  if (path == "/healthz") return "liveness";
  if (path == "/ready") return "readiness";
  if (path == "/started") return "startup";
  return "";
}

void Answer(int fd, const std::vector<Window>& windows) {
  std::string request;
  char buf[1024];
  pollfd p{fd, POLLIN, 0};
  while (request.find("\r\n\r\n") == std::string::npos && ::poll(&p, 1, 1000) > 0) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  bool bad = Failing(windows, TypeOf(request), SinceStart());
  std::string body = bad ? "failing\n" : "ok\n";
  std::string response =
      std::string(bad ? "HTTP/1.1 500 Internal Server Error" : "HTTP/1.1 200 OK") +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  (void)!::write(fd, response.data(), response.size());
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  double startup = 0;
  std::optional<double> exit_after;
  int exit_code = 0;
  std::vector<Window> windows;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port") {
      port = std::atoi(value.c_str());
    } else if (flag == "--startup") {
      startup = std::atof(value.c_str());
    } else if (flag == "--exit-after") {
      exit_after = std::atof(value.c_str());
    } else if (flag == "--exit-code") {
      exit_code = std::atoi(value.c_str());
    } else if (flag == "--fail") {
      Window w;
      std::vector<std::string> parts;
      for (size_t at = 0;;) {
        size_t colon = value.find(':', at);
        parts.push_back(value.substr(at, colon - at));
        if (colon == std::string::npos) break;
        at = colon + 1;
      }
      if (parts.size() < 3) return 2;
      w.type = parts[0];
      w.from = std::atof(parts[1].c_str());
      w.length = std::atof(parts[2].c_str());
      if (parts.size() > 3) w.every = std::atof(parts[3].c_str());
      windows.push_back(w);
    } else {
      std::fprintf(stderr, "scenario_app: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (port <= 0) return 2;
  auto deadline = [&] { return exit_after ? *exit_after - SinceStart() : 1e9; };
  // Not listening before startupSeconds; exitAfter may come first.
  double wait = std::min(startup - SinceStart(), deadline());
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  if (deadline() <= 0) return exit_code;

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener, 64) != 0) {
    std::perror("scenario_app: bind");
    return 3;
  }
  for (;;) {
    double left = deadline();
    if (left <= 0) return exit_code;
    pollfd p{listener, POLLIN, 0};
    int ms = static_cast<int>(std::min(left * 1000 + 1, 1e6));
    if (::poll(&p, 1, ms) > 0) {
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) Answer(fd, windows);
    }
  }
}
