// Watches end to end (issue 14 §2): the real `probelet run DIR` and a real kubectl. `get pods -w`
// (also -o wide and `get pod NAME -w`) prints the pod as ADDED, then MODIFIED when its readiness
// flips, and DELETED when its manifest file is removed; `get events -w` prints new events as
// they are recorded; and the raw JSON stream resumes after the list's resourceVersion and ends
// at timeoutSeconds with the last chunk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "integration/run_harness.h"

namespace probelet::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A kubectl run in the background, its output (stdout and stderr) in a file.
class Background {
 public:
  Background(const std::string& out_path, std::vector<std::string> argv) : path_(out_path) {
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    auto child = base::ChildProcess::Spawn(
        {.argv = std::move(argv), .stdout_fd = fd, .stderr_fd = fd, .die_with_parent = true});
    ::close(fd);
    EXPECT_TRUE(child.ok()) << child.error().message;
    if (child.ok()) child_.emplace(std::move(*child));
  }
  ~Background() {
    if (child_ && !child_->reaped()) child_->KillAndReap();
  }
  std::string Output() const {
    std::ifstream f(path_);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  }
  // Whether a line of the output holds every one of `parts`.
  bool HasLine(const std::vector<std::string>& parts) const {
    std::istringstream in(Output());
    for (std::string line; std::getline(in, line);) {
      bool all = true;
      for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
      if (all) return true;
    }
    return false;
  }

 private:
  std::string path_;
  std::optional<base::ChildProcess> child_;
};

class KubectlWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (system("command -v kubectl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no kubectl";
    dir_ = h_.Path("manifests");
    fs::create_directories(dir_);
    ready_ = h_.Path("ready");
    std::ofstream(dir_ + "/a.yaml")
        << "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
           "  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n"
           "    command: [sleep, '1000']\n"
           "    readinessProbe: {exec: {command: [test, -f, "
        << ready_ << "]}, periodSeconds: 1, failureThreshold: 1}\n";
    h_.StartPaths({dir_});
    ASSERT_TRUE(h_.WaitFor(
        [&] {
          Json c = RunHarness::ContainerStatus(h_.Pod());
          return !c.is_null() && c["state"].contains("running");
        },
        15s))
        << h_.Log();
  }
  std::unique_ptr<Background> Kubectl(const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> argv = {"timeout",
                                     "60",
                                     "kubectl",
                                     "--server",
                                     "http://127.0.0.1:" + std::to_string(h_.port()),
                                     "--request-timeout=50s"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Background>(h_.Path(name + ".out"), std::move(argv));
  }

  RunHarness h_;
  std::string dir_;
  std::string ready_;
};

TEST_F(KubectlWatchTest, GetPodsWatchSeesAddedThenModifiedOnAReadinessFlipThenDeleted) {
  auto pods = Kubectl("pods", {"get", "pods", "-w", "--output-watch-events"});
  auto wide = Kubectl("wide", {"get", "pods", "-w", "-o", "wide"});
  auto one = Kubectl("one", {"get", "pod", "a", "-w"});
  auto events = Kubectl("events", {"get", "events", "-w"});
  ASSERT_TRUE(h_.WaitFor(
      [&] {
        return pods->HasLine({"ADDED", "a ", "0/1", "Running"});
      },
      20s))
      << pods->Output();
  ASSERT_TRUE(h_.WaitFor([&] { return wide->HasLine({"NOMINATED NODE"}); }, 20s)) << wide->Output();
  ASSERT_TRUE(h_.WaitFor(
      [&] {
        return events->HasLine({"LAST SEEN", "REASON"});
      },
      20s))
      << events->Output();

  std::ofstream(ready_) << "x";
  EXPECT_TRUE(h_.WaitFor(
      [&] {
        return pods->HasLine({"MODIFIED", "a ", "1/1", "Running"});
      },
      20s))
      << pods->Output();
  EXPECT_TRUE(h_.WaitFor(
      [&] {
        return one->HasLine({"a ", "1/1", "Running"});
      },
      20s))
      << one->Output();
  EXPECT_TRUE(h_.WaitFor(
      [&] {
        return wide->HasLine({"a ", "1/1", "127.0.0.1"});
      },
      20s))
      << wide->Output();

  fs::remove(dir_ + "/a.yaml");
  EXPECT_TRUE(h_.WaitFor(
      [&] {
        return pods->HasLine({"MODIFIED", "a ", "Terminating"});
      },
      20s))
      << pods->Output();
  EXPECT_TRUE(h_.WaitFor([&] { return pods->HasLine({"DELETED", "a "}); }, 20s)) << pods->Output();
  // The container's stop is an event, printed as it is recorded.
  EXPECT_TRUE(h_.WaitFor(
      [&] {
        return events->HasLine({"Killing", "pod/a"});
      },
      20s))
      << events->Output();
  EXPECT_THAT(pods->Output(), ::testing::Not(HasSubstr("error")));
  EXPECT_THAT(events->Output(), ::testing::Not(HasSubstr("error")));
}

TEST_F(KubectlWatchTest, TheJsonStreamResumesAfterTheListsVersionAndEndsAtTimeoutSeconds) {
  auto list = HttpGet(h_.port(), "/api/v1/namespaces/default/pods");
  ASSERT_TRUE(list);
  std::string rv = Json::parse(*list)["metadata"]["resourceVersion"];
  ASSERT_FALSE(rv.empty());

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(h_.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = "GET /api/v1/namespaces/default/pods?watch=true&resourceVersion=" + rv +
                    "&timeoutSeconds=4 HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::ofstream(ready_) << "x";
  std::string got;
  auto start = std::chrono::steady_clock::now();
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 10000) > 0) {
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_THAT(got, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(
      got, HasSubstr("{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\""));
  EXPECT_THAT(got, ::testing::Not(HasSubstr("\"ADDED\""))) << "nothing from before " << rv;
  EXPECT_THAT(got, ::testing::EndsWith("\r\n0\r\n\r\n")) << "ended with the last chunk";
  EXPECT_GE(took, 3s);
  EXPECT_LT(took, 9s);
}

}  // namespace
}  // namespace probelet::testing
