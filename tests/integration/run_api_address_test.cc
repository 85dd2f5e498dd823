// `probelet run --api ADDR [--api-allow-remote]` on the real binary: the API has no
// authentication, so it serves only on loopback unless --api-allow-remote is given. The API's
// refusal used to tell users to pass --api-allow-remote, a flag `run` did not have.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/wait.h>

#include <fstream>
#include <optional>
#include <string>

#include "run_harness.h"

namespace probelet {
namespace {

using namespace std::chrono_literals;
using testing::RunHarness;

constexpr const char* kPod = R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    command: [/bin/sh, -c, "touch STARTED; exec sleep 1000"]
)";

std::string Manifest(const RunHarness& h) {
  std::string m = kPod;
  m.replace(m.find("STARTED"), 7, h.Path("started"));
  return m;
}

// Spawns `probelet run` with `extra` flags, stdout and stderr to <dir>/probelet.log.
base::ChildProcess Spawn(RunHarness& h, std::vector<std::string> extra) {
  std::ofstream(h.Path("pod.yaml")) << Manifest(h);
  int fd = ::open(h.Path("probelet.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<std::string> argv = {PROBELET_BINARY, "run", h.Path("pod.yaml"), "--state-dir",
                                   h.Path("state")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto child = base::ChildProcess::Spawn(
      {.argv = argv, .stdout_fd = fd, .stderr_fd = fd, .die_with_parent = true});
  ::close(fd);
  EXPECT_TRUE(child.ok());
  return std::move(*child);
}

std::string ReadLog(const RunHarness& h) {
  std::ifstream f(h.Path("probelet.log"));
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

// An IPv4 address of this machine that is not loopback, if it has one.
std::optional<std::string> NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN];
    found = ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  }
  ::freeifaddrs(list);
  return found;
}

TEST(RunApiAddressTest, ANonLoopbackAddressWithoutTheFlagIsRefusedNamingItAndNothingStarts) {
  RunHarness h;
  base::ChildProcess child = Spawn(h, {"--api", "0.0.0.0:0"});
  std::optional<int> status;
  ASSERT_TRUE(h.WaitFor([&] { return (status = child.TryReap()).has_value(); }, 20s));
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  std::string log = ReadLog(h);
  EXPECT_NE(log.find("probelet run: --api: "), std::string::npos) << log;
  EXPECT_NE(log.find("--api-allow-remote"), std::string::npos) << log;
  EXPECT_FALSE(h.Exists("started"));
}

TEST(RunApiAddressTest, WithTheFlagTheApiServesOnEveryAddress) {
  RunHarness h;
  base::ChildProcess child =
      Spawn(h, {"--api", "0.0.0.0:0", "--api-allow-remote", "--log-format", "json"});
  int port = 0;
  ASSERT_TRUE(h.WaitFor(
      [&] {
        std::string log = ReadLog(h);
        static const std::string kKey = "\"address\":\"0.0.0.0:";
        size_t at = log.find(kKey);
        if (at != std::string::npos) port = std::atoi(log.c_str() + at + kKey.size());
        return port > 0;
      },
      20s))
      << ReadLog(h);
  EXPECT_EQ(testing::HttpGet(port, "/healthz"), std::optional<std::string>("ok"));
  if (auto remote = NonLoopbackAddress()) {
    // A client that reaches this machine by its network address: a remote client's view.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, remote->c_str(), &a.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0)
        << "no API on " << *remote;
    ::close(fd);
  }
  ASSERT_TRUE(h.WaitFor([&] { return h.Exists("started"); }, 20s));
  EXPECT_TRUE(child.Signal(SIGTERM).ok());
  std::optional<int> status;
  ASSERT_TRUE(h.WaitFor([&] { return (status = child.TryReap()).has_value(); }, 40s));
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace probelet
