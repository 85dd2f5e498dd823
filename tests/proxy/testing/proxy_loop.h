// ProxyLoop: an io_context with its AsioClock, driven by the test's thread until a condition
// holds (bounded by a deadline: the tests poll, they do not sleep), plus small non-blocking
// client helpers that let one thread be both the client and the proxy's loop.
#pragma once

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <string>

#include "base/asio_clock.h"

namespace probelet::proxy::testing {

class ProxyLoop {
 public:
  // Runs the loop until `pred()` or `timeout`; returns pred().
  template <typename Pred>
  bool RunUntil(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return pred();
      io.run_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  // Runs the loop for `d` (only where a bound on time is the point: "stays bounded for d").
  void RunFor(std::chrono::milliseconds d) {
    RunUntil([] { return false; }, d);
  }
  // Runs the loop until the future (a client on another thread) is ready, and returns it.
  template <typename T>
  T Await(std::future<T>& f, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    RunUntil([&] { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
             timeout);
    return f.get();
  }
  // Receives with MSG_DONTWAIT while running the loop, until `n` bytes, EOF or an error.
  // `err`: 0, the errno, or -1 for EOF before `n` bytes.
  std::string Receive(int fd, size_t n, int* err = nullptr) {
    std::string out;
    int e = 0;
    RunUntil([&] {
      char buf[4096];
      const ssize_t r = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (r > 0) out.append(buf, static_cast<size_t>(r));
      if (r == 0) e = -1;
      if (r < 0 && errno != EAGAIN) e = errno;
      return out.size() >= n || e != 0;
    });
    if (err) *err = e;
    return out;
  }

  boost::asio::io_context io;
  base::AsioClock clock{io};
};

}  // namespace probelet::proxy::testing
