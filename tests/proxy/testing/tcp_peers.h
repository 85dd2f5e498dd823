// Real TCP peers for the proxy tests, on 127.0.0.1 with blocking sockets in their own threads
// (the proxy runs on the test's thread, driven by ProxyLoop::RunUntil).
//
// TestBackend: a listener on a free port; each accepted connection runs `handler(fd)` on its
// own thread (the fd is closed after the handler returns); with no handler (a sink) it keeps
// every connection open, reading nothing, until destroyed. Destruction
// stops accepting and joins every thread (handlers must end: their peers close or reset).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace probelet::proxy::testing {

class TestBackend {
 public:
  using Handler = std::function<void(int fd)>;
  explicit TestBackend(Handler handler);
  ~TestBackend();
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop();
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  Handler handler_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::vector<int> held_;
  std::thread acceptor_;
};

// Handlers.
// Echoes every byte until EOF, then closes.
void Echo(int fd);
// Writes `reply` and closes.
TestBackend::Handler Reply(std::string reply);

// A blocking client connected to 127.0.0.1:port (-1 on failure), with a receive timeout of
// `timeout_ms` so a test never hangs on a read.
int ConnectClient(uint16_t port, int timeout_ms = 10'000);
bool WriteAll(int fd, const char* data, size_t n);
// Reads until EOF (or error: `err` gets errno, 0 on a clean EOF).
std::string ReadToEof(int fd, int* err = nullptr);
uint64_t Fnv1a(const std::string& s, uint64_t h = 1469598103934665603ULL);
// A bound, never-listening socket's port: connects to it are refused. Close the fd to free it.
int RefusingPort(uint16_t* port);
// Raises RLIMIT_NOFILE's soft limit to the hard one.
void RaiseFdLimit();

}  // namespace probelet::proxy::testing
