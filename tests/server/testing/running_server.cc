#include "server/testing/running_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "base/asio_clock.h"

namespace probelet::server::testing {

namespace net = boost::asio;

struct RunningServer::Loop {
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
};

RunningServer::RunningServer(const PodSource& source, ApiServerOptions options,
                             ClockFactory make_clock,
                             std::optional<WatchCache::Options> watch_options)
    : loop_(std::make_unique<Loop>()) {
  clock_ = make_clock ? make_clock(loop_->io) : std::make_unique<base::AsioClock>(loop_->io);
  if (watch_options) watches_ = std::make_unique<WatchCache>(*clock_, *watch_options);
  if (options.address == ApiServerOptions{}.address) options.address = "127.0.0.1:0";
  server_ = std::make_unique<ApiServer>(loop_->io, *clock_, source, options, watches_.get());
  base::Status started = server_->Start();
  if (!started.ok()) {
    ADD_FAILURE() << "ApiServer::Start: " << started.error().message;
  } else {
    address_ = server_->bound_address();
  }
  thread_ = std::thread([this] {
    loop_->io.run();
    loop_done_.set_value();
  });
}

RunningServer::~RunningServer() {
  net::post(loop_->io, [this] {
    server_.reset();
    loop_->guard.reset();  // run() returns once the closing connections have wound down
  });
  if (loop_done_.get_future().wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    loop_->io.stop();
  }
  thread_.join();
  server_.reset();
  clock_.reset();
  loop_.reset();  // the watch streams' frames go here, unsubscribing from the cache
  watches_.reset();
}

void RunningServer::Stop() {
  OnLoop([this] {
    if (server_) server_->Stop();
  });
}

void RunningServer::OnLoop(const std::function<void()>& fn) {
  std::promise<void> done;
  net::post(loop_->io, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

size_t RunningServer::connection_count() {
  size_t n = 0;
  OnLoop([&] { n = server_ ? server_->connection_count() : 0; });
  return n;
}

}  // namespace probelet::server::testing
