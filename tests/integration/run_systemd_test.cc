// `probelet run` under systemd (issue 12 §3, §4): the test plays systemd's part, listening on
// its own $NOTIFY_SOCKET (a unix datagram socket in the harness's temp dir), and checks READY=1
// after every pod's first sync, STATUS summaries, WATCHDOG=1 at half of $WATCHDOG_USEC, and
// STOPPING=1 on SIGTERM; and that with $JOURNAL_STREAM naming its stderr, every log line
// carries a syslog priority prefix.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "run_harness.h"

namespace probelet {
namespace {

using testing::RunHarness;
using namespace std::chrono_literals;

// systemd's end of $NOTIFY_SOCKET: every datagram with the time it was read.
class NotifySocket {
 public:
  struct Message {
    base::MonoTime at;
    std::string state;
  };

  explicit NotifySocket(RunHarness& h) : h_(h), path_(h.Path("notify.sock")) {
    fd_ = base::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path_.copy(a.sun_path, sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    h.AddEnv("NOTIFY_SOCKET=" + path_);
  }

  // Reads what has arrived, waiting up to `limit` for `pred` to hold over every message so far.
  bool WaitFor(const std::function<bool(const std::vector<Message>&)>& pred, base::Duration limit) {
    base::MonoTime end = h_.Now() + limit;
    while (true) {
      if (pred(messages_)) return true;
      base::Duration left = end - h_.Now();
      if (left <= 0ns) return false;
      pollfd p{fd_.get(), POLLIN, 0};
      int ms =
          static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count());
      if (::poll(&p, 1, std::max(ms, 1)) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n > 0) messages_.push_back({h_.Now(), std::string(buf, static_cast<size_t>(n))});
    }
  }
  // Waits for a message that contains `line` as one of its lines; its index, or -1.
  int WaitForLine(const std::string& line, base::Duration limit) {
    int found = -1;
    WaitFor(
        [&](const std::vector<Message>& ms) {
          for (size_t i = 0; i < ms.size(); ++i) {
            if (("\n" + ms[i].state + "\n").find("\n" + line + "\n") != std::string::npos) {
              found = static_cast<int>(i);
              return true;
            }
          }
          return false;
        },
        limit);
    return found;
  }
  const std::vector<Message>& messages() const { return messages_; }
  std::string Dump() const {
    std::string out;
    for (const auto& m : messages_) out += "[" + m.state + "]\n";
    return out;
  }

 private:
  RunHarness& h_;
  std::string path_;
  base::UniqueFd fd_;
  std::vector<Message> messages_;
};

std::string SleepPod(const std::string& name) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + R"(}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "exec sleep 1000"]
)";
}

TEST(RunSystemdTest, ReadyAfterEveryPodsFirstSyncThenStatusThenStoppingOnSigterm) {
  RunHarness h;
  NotifySocket notify(h);
  h.Start(SleepPod("one") + "---\n" + SleepPod("two"));
  int ready = notify.WaitForLine("READY=1", 20s);
  ASSERT_GE(ready, 0) << notify.Dump() << h.Log();
  // The summary sent with READY=1 counts the pods that have a status: both had been synced.
  EXPECT_NE(notify.messages()[ready].state.find("STATUS=2 pods,"), std::string::npos)
      << notify.Dump();
  EXPECT_GE(notify.WaitForLine("STATUS=2 pods, 2 ready, 0 restarting", 20s), ready)
      << notify.Dump();

  ASSERT_TRUE(h.child().Signal(SIGTERM).ok());
  EXPECT_GE(notify.WaitForLine("STOPPING=1", 10s), 0) << notify.Dump();
  EXPECT_EQ(h.WaitExit(20s), 0) << h.Log();
  int readies = 0;
  for (const auto& m : notify.messages()) readies += m.state.find("READY=1") != std::string::npos;
  EXPECT_EQ(readies, 1) << notify.Dump();
}

TEST(RunSystemdTest, ReadyWaitsForThePodsOfTheManifestDirectoryToo) {
  RunHarness h;
  NotifySocket notify(h);
  std::filesystem::create_directory(h.Path("manifests"));
  std::ofstream(h.Path("manifests/one.yaml")) << SleepPod("one");
  std::ofstream(h.Path("manifests/two.yaml")) << SleepPod("two");
  h.StartPaths({h.Path("manifests")});
  int ready = notify.WaitForLine("READY=1", 20s);
  ASSERT_GE(ready, 0) << notify.Dump() << h.Log();
  EXPECT_NE(notify.messages()[ready].state.find("STATUS=2 pods,"), std::string::npos)
      << notify.Dump();
}

TEST(RunSystemdTest, ACrashingContainerCountsAsRestarting) {
  RunHarness h;
  NotifySocket notify(h);
  h.Start(R"(apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "sleep 0.2; exit 1"]
)");
  EXPECT_GE(notify.WaitForLine("STATUS=1 pod, 0 ready, 1 restarting", 20s), 0) << notify.Dump();
}

TEST(RunSystemdTest, WatchdogPingsAtHalfOfWatchdogUsec) {
  RunHarness h;
  NotifySocket notify(h);
  h.AddEnv("WATCHDOG_USEC=400000");  // pings every 200 ms
  h.Start(SleepPod("one"));
  ASSERT_GE(notify.WaitForLine("READY=1", 20s), 0) << notify.Dump();
  base::MonoTime from = h.Now();
  notify.WaitFor([](const auto&) { return false; }, 2s);
  std::vector<base::MonoTime> pings;
  for (const auto& m : notify.messages()) {
    if (m.state == "WATCHDOG=1" && m.at >= from) pings.push_back(m.at);
  }
  EXPECT_GE(pings.size(), 3u) << notify.Dump();
  EXPECT_LE(pings.size(), 15u) << notify.Dump();
  for (size_t i = 1; i < pings.size(); ++i) {
    EXPECT_GE(pings[i] - pings[i - 1], 50ms) << "ping " << i;
  }
}

TEST(RunSystemdTest, UnderJournaldEveryLogLineHasAPriorityPrefix) {
  RunHarness h;
  // probelet's stderr is <dir>/probelet.log (the harness truncates it, same inode): name it
  // as journald would name its stream.
  h.Touch("probelet.log");
  struct stat st {};
  ASSERT_EQ(::stat(h.Path("probelet.log").c_str(), &st), 0);
  h.AddEnv("JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
  h.Start(SleepPod("one"));
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Phase(h.Pod()) == "Running"; }, 20s));
  EXPECT_EQ(h.SignalAndWait(SIGTERM, 20s), 0);
  std::istringstream log(h.Log());
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    ASSERT_TRUE(line.size() > 4 && line[0] == '<' && line[2] == '>' && line[3] == '{') << line;
    std::string level = nlohmann::json::parse(line.substr(3)).value("level", "");
    EXPECT_EQ(line.substr(0, 3), level == "warning" ? "<4>"
                                 : level == "error" ? "<3>"
                                                    : "<6>")
        << line;
  }
  EXPECT_GE(lines, 3) << h.Log();
}

}  // namespace
}  // namespace probelet
