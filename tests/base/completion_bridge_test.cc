// CompletionBridge with real threads standing in for gRPC's: completions run on the loop
// thread, keep io.run() busy while in flight, are dropped once the bridge is gone, and the
// bridge's destruction waits for calls still in flight.
#include "base/completion_bridge.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace probelet::base {
namespace {

TEST(CompletionBridgeTest, APostFromAnotherThreadRunsOnTheLoopThread) {
  boost::asio::io_context io;
  CompletionBridge bridge(io);
  CompletionBridge::Completion completion = bridge.Begin();
  EXPECT_EQ(bridge.in_flight(), 1u);
  std::optional<std::thread::id> ran_on;
  std::thread library([&] { completion.Post([&] { ran_on = std::this_thread::get_id(); }); });
  library.join();
  EXPECT_EQ(bridge.in_flight(), 0u);
  EXPECT_FALSE(ran_on.has_value());  // posted, not run inline
  io.run();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(CompletionBridgeTest, ACallInFlightKeepsTheLoopRunning) {
  boost::asio::io_context io;
  CompletionBridge bridge(io);
  CompletionBridge::Completion completion = bridge.Begin();
  std::promise<void> loop_started;
  bool ran = false;
  std::thread library([&, started = loop_started.get_future()]() mutable {
    started.wait();
    completion.Post([&] { ran = true; });
  });
  // The completion is posted only once the loop runs with nothing else queued: without the
  // call's work, run() would return before it comes.
  boost::asio::post(io, [&] { loop_started.set_value(); });
  io.run();
  library.join();
  EXPECT_TRUE(ran);
  EXPECT_EQ(bridge.in_flight(), 0u);
}

TEST(CompletionBridgeTest, WhatIsPostedAfterTheBridgeIsGoneIsDroppedUnrun) {
  boost::asio::io_context io;
  bool ran = false;
  {
    CompletionBridge bridge(io);
    bridge.Begin().Post([&] { ran = true; });  // inline, as gRPC may complete a cancelled call
  }
  io.run();
  EXPECT_FALSE(ran);
}

TEST(CompletionBridgeTest, DestructionWaitsForTheCallsInFlight) {
  boost::asio::io_context io;
  std::atomic<bool> posted{false};
  std::thread library;
  {
    CompletionBridge bridge(io);
    CompletionBridge::Completion completion = bridge.Begin();
    library = std::thread([&posted, completion] {
      // A completion that comes late (a cancelled call still unwinding on gRPC's thread).
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      posted = true;
      completion.Post([] {});
    });
  }
  EXPECT_TRUE(posted);
  library.join();
  io.run();
}

}  // namespace
}  // namespace probelet::base
