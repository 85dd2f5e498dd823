// RunningServer: an ApiServer on 127.0.0.1 (port 0) with its own event loop thread, for tests
// that talk to it with real clients from the test thread. Construction returns once the server
// listens; destruction stops it on its loop and joins the thread (bounded: a loop that does not
// wind down within 2 s is stopped).
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "server/api_server.h"
#include "server/pod_source.h"
#include "server/watch_cache.h"

namespace boost::asio {
class io_context;
}

namespace probelet::server::testing {

class RunningServer {
 public:
  using ClockFactory = std::function<std::unique_ptr<base::Clock>(boost::asio::io_context&)>;
  // `make_clock` empty: an AsioClock. The default address becomes 127.0.0.1:0. A Start failure
  // fails the test (ADD_FAILURE) and leaves address() empty.
  // `watch_options` set: the server serves watches from a WatchCache of its own (watches()).
  explicit RunningServer(const PodSource& source, ApiServerOptions options = {},
                         ClockFactory make_clock = {},
                         std::optional<WatchCache::Options> watch_options = std::nullopt);
  ~RunningServer();
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  const std::string& address() const { return address_; }
  // Runs `fn` on the loop thread and waits for it.
  void OnLoop(const std::function<void()>& fn);
  size_t connection_count();
  base::Clock& clock() { return *clock_; }
  // The WatchCache, to feed on the loop (OnLoop); null without watch_options.
  WatchCache* watches() { return watches_.get(); }
  // ApiServer::Stop, on the loop.
  void Stop();

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<base::Clock> clock_;
  std::unique_ptr<WatchCache> watches_;
  std::unique_ptr<ApiServer> server_;
  std::string address_;
  std::promise<void> loop_done_;
  std::thread thread_;
};

}  // namespace probelet::server::testing
