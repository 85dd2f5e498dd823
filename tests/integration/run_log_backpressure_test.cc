// Issue 9 point 6: nothing blocks the event loop. The real binary runs with its stderr on a pipe
// that is already full and that nobody reads, next to a chatty container, and must still serve
// its API and probe on schedule, with a low loop lag. Before, the
// first log line blocked probelet in write(2) for good.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "base/asio_clock.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "integration/run_harness.h"
#include "run_harness.h"

namespace probelet {
namespace {

using namespace std::chrono_literals;
using testing::FreePort;
using testing::HttpGet;

// Sum of the samples of `name` (any labels, or only those containing `label`) in `metrics`.
double Sum(const std::string& metrics, const std::string& name, const std::string& label = "") {
  double sum = 0;
  std::regex re("^" + name + "(\\{[^}]*\\})? ([0-9.e+-]+)$", std::regex::multiline);
  for (std::sregex_iterator it(metrics.begin(), metrics.end(), re), end; it != end; ++it) {
    if (!label.empty() && (*it)[1].str().find(label) == std::string::npos) continue;
    sum += std::stod((*it)[2].str());
  }
  return sum;
}

TEST(RunLogBackpressureTest, FullStderrAndChattyContainerDoNotDelayProbes) {
  char tmpl[] = "/tmp/probelet-backpressure-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string manifest = dir + "/pod.yaml";
  {
    std::ofstream f(manifest);
    // ~1 MB/s of log lines, and a probe every second.
    f << R"(apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "while :; do seq 1 2000; sleep 0.01; done"]
    readinessProbe:
      exec: {command: [/bin/true]}
      periodSeconds: 1
)";
  }
  // stderr: a one-page pipe, filled up before probelet starts, never read.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  base::UniqueFd read_end(fds[0]), write_end(fds[1]);
  ::fcntl(write_end.get(), F_SETPIPE_SZ, 4096);
  std::string junk(4096, '#');
  while (::write(write_end.get(), junk.data(), junk.size()) > 0) {
  }
  // Blocking again, as a terminal or a log collector's pipe would be.
  ::fcntl(write_end.get(), F_SETFL, 0);

  int port = FreePort();
  auto child = base::ChildProcess::Spawn(
      {.argv = {PROBELET_BINARY, "run", manifest, "--state-dir", dir + "/state", "--api",
                "127.0.0.1:" + std::to_string(port)},
       .stdout_fd = write_end.get(),
       .stderr_fd = write_end.get(),
       .die_with_parent = true});
  ASSERT_TRUE(child.ok()) << child.error().message;

  auto metrics = [&] { return HttpGet(port, "/metrics").value_or(""); };
  auto wait_for = [](const std::function<bool()>& pred, std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return pred();
  };
  ASSERT_TRUE(wait_for([&] { return Sum(metrics(), "prober_probe_total") >= 1; }, 30s))
      << "no probe ran: the API or the prober is blocked";

  // Over 5 s, one probe a second keeps coming (4 at least, with room for a loaded machine).
  double before = Sum(metrics(), "prober_probe_total");
  std::this_thread::sleep_for(5s);
  std::string after = metrics();
  EXPECT_GE(Sum(after, "prober_probe_total") - before, 4) << after;
  EXPECT_LT(Sum(after, "probelet_event_loop_max_lag_seconds"), 0.5) << after;
  // The lines wait in the writer's queue (1 MiB, not yet full here): counted once dropped.
  EXPECT_NE(after.find("# TYPE probelet_log_dropped_lines_total counter"), std::string::npos);
  EXPECT_NE(after.find("probelet_log_dropped_lines_total{log=\"agent\"} "), std::string::npos);
  EXPECT_NE(after.find("probelet_log_dropped_lines_total{log=\"container\"} "), std::string::npos);

  child->KillAndReap();
  // Containers outlive probelet (issue 12): its shim and container go too.
  testing::KillAdoptableContainers(dir + "/state");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace probelet
