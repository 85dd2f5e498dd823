// The byte stream through a ServicePortProxy (ProxyConnection), in both copy modes: integrity
// both ways, half-close, backpressure, and idle connections beside traffic.
#include "proxy/proxy_connection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <random>
#include <thread>

#include "proxy/random_picker.h"
#include "proxy/service_port_proxy.h"
#include "proxy/testing/proxy_loop.h"
#include "proxy/testing/tcp_peers.h"

namespace probelet::proxy {
namespace {

using testing::ConnectClient;
using testing::TestBackend;

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(1);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class ProxyConnectionTest : public ::testing::TestWithParam<CopyMode> {
 protected:
  void SetUp() override { testing::RaiseFdLimit(); }
  std::unique_ptr<ServicePortProxy> Start() {
    ServicePortProxyOptions options;
    options.copy_mode = GetParam();
    auto proxy = ServicePortProxy::Listen(loop_.io, loop_.clock, picker_, "127.0.0.1", 0, options);
    EXPECT_TRUE(proxy.ok()) << proxy.error().message;
    return std::move(*proxy);
  }
  testing::ProxyLoop loop_;
  RandomPicker picker_{42};
};

TEST_P(ProxyConnectionTest, ForwardsSeveralMegabytesBothWaysIntact) {
  TestBackend echo(testing::Echo);
  picker_.SetBackends({{"127.0.0.1", echo.port()}});
  auto proxy = Start();
  const std::string data = RandomBytes(8 << 20);
  const uint16_t port = proxy->port();
  auto got = std::async(std::launch::async, [&] {
    const int fd = ConnectClient(port);
    std::thread writer([&] {
      testing::WriteAll(fd, data.data(), data.size());
      ::shutdown(fd, SHUT_WR);  // the echo ends after EOF: the half-close goes through too
    });
    std::string back = testing::ReadToEof(fd);
    writer.join();
    ::close(fd);
    return back;
  });
  const std::string back = loop_.Await(got);
  ASSERT_EQ(back.size(), data.size());
  EXPECT_EQ(testing::Fnv1a(back), testing::Fnv1a(data));
  EXPECT_EQ(proxy->counters().bytes_client_to_backend, data.size());
  EXPECT_EQ(proxy->counters().bytes_backend_to_client, data.size());
  EXPECT_TRUE(loop_.RunUntil([&] { return proxy->counters().active == 0; }));
  EXPECT_EQ(proxy->counters().buffered_bytes, 0u);
}

TEST_P(ProxyConnectionTest, HalfCloseLetsTheBackendReplyAfterTheClientsEof) {
  // The backend reads until EOF, then answers: it sees the client's shutdown and can still send.
  TestBackend counter([](int fd) {
    const std::string req = testing::ReadToEof(fd);
    const std::string reply = "got " + std::to_string(req.size());
    testing::WriteAll(fd, reply.data(), reply.size());
  });
  picker_.SetBackends({{"127.0.0.1", counter.port()}});
  auto proxy = Start();
  const int fd = ConnectClient(proxy->port());
  ASSERT_TRUE(testing::WriteAll(fd, "hello", 5));
  ::shutdown(fd, SHUT_WR);
  int err = 0;
  EXPECT_EQ(loop_.Receive(fd, 100, &err), "got 5");
  EXPECT_EQ(err, -1);  // then a clean EOF
  ::close(fd);
  EXPECT_TRUE(loop_.RunUntil([&] { return proxy->counters().active == 0; }));
}

TEST_P(ProxyConnectionTest, AClientThatNeverReadsKeepsTheProxysBufferBounded) {
  constexpr size_t kTotal = 32 << 20;  // far more than the kernel's socket buffers hold
  std::atomic<size_t> sent{0};
  TestBackend firehose([&](int fd) {
    const std::string chunk(64 << 10, 'x');
    while (sent < kTotal && testing::WriteAll(fd, chunk.data(), chunk.size())) {
      sent += chunk.size();
    }
  });
  picker_.SetBackends({{"127.0.0.1", firehose.port()}});
  auto proxy = Start();
  const int fd = ConnectClient(proxy->port());
  // The proxy holds bytes only once the client's socket is full.
  ASSERT_TRUE(loop_.RunUntil([&] { return proxy->counters().buffered_bytes > 0; }));
  loop_.RunFor(std::chrono::milliseconds(300));
  EXPECT_LE(proxy->counters().buffered_bytes, 256u << 10);
  EXPECT_LT(sent.load(), kTotal);  // the backend is held back, not buffered for
  auto drained = std::async(std::launch::async, [&] { return testing::ReadToEof(fd).size(); });
  // The firehose stops after kTotal; closing its side ends the client's read with EOF.
  EXPECT_EQ(loop_.Await(drained), kTotal);
  ::close(fd);
}

TEST_P(ProxyConnectionTest, AThousandIdleConnectionsDoNotHurtTraffic) {
  // Holds the idle connections, reading nothing.
  auto sink = std::make_unique<TestBackend>(nullptr);
  TestBackend echo(testing::Echo);
  picker_.SetBackends({{"127.0.0.1", sink->port()}});
  auto proxy = Start();
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(ConnectClient(proxy->port()));
    ASSERT_GE(idle.back(), 0);
  }
  ASSERT_TRUE(loop_.RunUntil([&] { return sink->accepted() == 1000; }));
  picker_.SetBackends({{"127.0.0.1", echo.port()}});
  for (int i = 0; i < 100; ++i) {
    const int fd = ConnectClient(proxy->port());
    const std::string msg = "request " + std::to_string(i);
    ASSERT_TRUE(testing::WriteAll(fd, msg.data(), msg.size()));
    EXPECT_EQ(loop_.Receive(fd, msg.size()), msg);
    ::close(fd);
  }
  EXPECT_TRUE(loop_.RunUntil([&] { return proxy->counters().active == 1000; }));
  // A client's EOF only half-closes (the backend could still answer); the sink closing ends them.
  for (int fd : idle) ::close(fd);
  sink.reset();
  EXPECT_TRUE(loop_.RunUntil([&] { return proxy->counters().active == 0; }));
}

TEST_P(ProxyConnectionTest, ABackendResetIsPassedToTheClient) {
  TestBackend resetter([](int fd) {
    char c;
    if (::read(fd, &c, 1) != 1) return;
    const linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  });
  picker_.SetBackends({{"127.0.0.1", resetter.port()}});
  auto proxy = Start();
  const int fd = ConnectClient(proxy->port());
  ASSERT_TRUE(testing::WriteAll(fd, "x", 1));
  int err = 0;
  loop_.Receive(fd, 1, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
  EXPECT_TRUE(loop_.RunUntil([&] { return proxy->counters().active == 0; }));
}

INSTANTIATE_TEST_SUITE_P(CopyModes, ProxyConnectionTest,
                         ::testing::Values(CopyMode::kReadWrite, CopyMode::kSplice),
                         [](const auto& info) {
                           return info.param == CopyMode::kSplice ? "Splice" : "ReadWrite";
                         });

}  // namespace
}  // namespace probelet::proxy
