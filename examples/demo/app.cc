// probelet-demo-app: a tiny HTTP/1.0 server for the probelet demo, with switches a user flips
// by touching files in its switch directory (default /tmp/probelet-demo):
//
//   GET /healthz  200 "ok"; 500 while <dir>/fail exists; answers after 3 s while <dir>/slow
//                 exists; 503 "starting" for the first --startup-delay seconds
//   GET /ready    200 "ready"; 503 while <dir>/unready exists
//   GET /         a one-line description, with the port (which replica answered)
//   <dir>/crash   the process exits with status 1 at once (checked twice a second)
//
// Usage: probelet-demo-app [--port N] [--dir DIR] [--startup-delay SECONDS]
// (the port also comes from $PORT). SIGTERM stops it cleanly (exit 0), as a well-behaved
// container should. One log line per request on stdout.
//
// Deliberately single-threaded and dependency-free: it builds in about a second.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;

void OnTerm(int) { g_stop = 1; }

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

double Seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void Reply(int fd, int code, const char* reason, const std::string& body) {
  std::string out =
      "HTTP/1.0 " + std::to_string(code) + " " + reason +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads the request line (up to the first CRLF, with a short deadline) and returns its path.
std::string ReadPath(int fd) {
  std::string buf;
  char chunk[1024];
  pollfd p{fd, POLLIN, 0};
  while (buf.find("\r\n\r\n") == std::string::npos && buf.size() < 16384) {
    if (::poll(&p, 1, 2000) <= 0) break;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  size_t sp1 = buf.find(' ');
  if (sp1 == std::string::npos) return "";
  size_t sp2 = buf.find(' ', sp1 + 1);
  std::string path =
      buf.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1);
  if (size_t q = path.find('?'); q != std::string::npos) path.resize(q);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080;
  if (const char* p = std::getenv("PORT")) port = std::atoi(p);
  std::string dir = "/tmp/probelet-demo";
  double startup_delay = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--startup-delay" && i + 1 < argc) {
      startup_delay = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--dir DIR] [--startup-delay SECONDS]\n", argv[0]);
      return 2;
    }
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  struct sigaction sa {};
  sa.sa_handler = OnTerm;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 64) != 0) {
    std::fprintf(stderr, "demo-app: cannot listen on 127.0.0.1:%d: %s\n", port,
                 std::strerror(errno));
    return 1;
  }
  double started = Seconds();
  std::printf(
      "demo-app: listening on 127.0.0.1:%d, switches in %s (touch fail|slow|unready|crash)\n", port,
      dir.c_str());

  while (!g_stop) {
    if (Exists(dir + "/crash")) {
      std::printf("demo-app: %s/crash exists: crashing\n", dir.c_str());
      return 1;
    }
    pollfd p{lfd, POLLIN, 0};
    int r = ::poll(&p, 1, 500);
    if (r <= 0) continue;
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string path = ReadPath(fd);
    int code = 200;
    if (path == "/healthz") {
      if (Seconds() - started < startup_delay) {
        code = 503;
        Reply(fd, code, "Service Unavailable", "starting\n");
      } else if (Exists(dir + "/fail")) {
        code = 500;
        Reply(fd, code, "Internal Server Error", "unhealthy: " + dir + "/fail exists\n");
      } else {
        if (Exists(dir + "/slow")) ::sleep(3);
        Reply(fd, code, "OK", "ok\n");
      }
    } else if (path == "/ready") {
      if (Exists(dir + "/unready")) {
        code = 503;
        Reply(fd, code, "Service Unavailable", "not ready: " + dir + "/unready exists\n");
      } else {
        Reply(fd, code, "OK", "ready\n");
      }
    } else if (path == "/") {
      // The port tells the replicas behind a Service apart.
      Reply(fd, code, "OK",
            "probelet demo app on port " + std::to_string(port) + ": GET /healthz, GET /ready\n");
    } else {
      code = 404;
      Reply(fd, code, "Not Found", "not found\n");
    }
    ::close(fd);
    std::printf("demo-app: GET %s -> %d\n", path.c_str(), code);
  }
  std::printf("demo-app: SIGTERM: shutting down cleanly\n");
  return 0;
}
