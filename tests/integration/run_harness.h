// RunHarness: runs `probelet run` (the real binary) on a manifest in a fresh temporary
// directory, finds its API port (--api 127.0.0.1:0, read from the "api: serving on" log line),
// and polls GET /pods and /events with deadlines, never fixed sleeps. Destroying the harness
// SIGKILLs probelet if it still runs, then the containers it left (which outlive probelet).
//
// Shared by tests/integration/run_*_test.cc. Blocking, single-threaded, loopback only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/asio_clock.h"
#include "base/process.h"
#include "gtest/gtest.h"
#include "runtime/cgroup.h"

namespace probelet::testing {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// A free loopback TCP port (bound then released: fine for tests on one machine).
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// GET http://<ip>:<port><path> (HTTP/1.0); the body, or nullopt on any error or non-200.
inline std::optional<std::string> HttpGetAt(const std::string& ip, int port,
                                            const std::string& path, int timeout_ms = 2000) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: " + ip + "\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) > 0) {
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.find(" 200 ") != 8) return std::nullopt;
  size_t body = resp.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  return resp.substr(body + 4);
}

// GET http://127.0.0.1:<port><path>: HttpGetAt on loopback.
inline std::optional<std::string> HttpGet(int port, const std::string& path,
                                          int timeout_ms = 2000) {
  return HttpGetAt("127.0.0.1", port, path, timeout_ms);
}

inline bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string s((std::istreambuf_iterator<char>(stat)), {});
  size_t close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() && s[close + 2] == 'Z';
}

// Kills what a SIGKILLed probelet left running under `state_dir` (containers outlive probelet,
// issue 12): each checkpointed shim whose start time still matches (its container dies with it,
// PR_SET_PDEATHSIG) and the container's cgroup. Returns how many shims it killed.
inline int KillAdoptableContainers(const std::string& state_dir) {
  int killed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(state_dir + "/containers", ec)) {
    std::ifstream f(entry.path() / "record");
    Json record = Json::parse(f, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) continue;
    const std::string cgroup = record.value("cgroupDir", "");
    if (!cgroup.empty()) std::ofstream(cgroup + "/cgroup.kill") << "1";
    const int shim = record.value("shimPid", 0);
    if (shim > 0 && runtime::ProcessStartTime(shim) == record.value("shimStart", "") &&
        ::kill(shim, SIGKILL) == 0) {
      ++killed;
    }
  }
  return killed;
}

class RunHarness {
 public:
  RunHarness() : clock_(io_) {
    char tmpl[] = "/tmp/probelet-run-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~RunHarness() {
    if (child_ && !child_->reaped()) child_->KillAndReap();
    KillAdoptableContainers(Path("state"));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Touch(const std::string& name) { std::ofstream(Path(name)) << "x"; }
  void Remove(const std::string& name) { std::filesystem::remove(Path(name)); }
  bool Exists(const std::string& name) const { return std::filesystem::exists(Path(name)); }
  base::MonoTime Now() const { return clock_.Now(); }

  // The demo app built beside the binary.
  static std::string DemoApp() {
    return (std::filesystem::path(PROBELET_BINARY).parent_path() / "examples" / "probelet-demo-app")
        .string();
  }

  // Writes `manifest` (YAML) and starts `probelet run` on it; waits for the API. The log goes
  // to <dir>/probelet.log.
  void Start(const std::string& manifest, std::vector<std::string> extra = {}) {
    std::ofstream(Path("pod.yaml")) << manifest;
    StartPaths({Path("pod.yaml")}, std::move(extra));
  }
  // "K=V" entries added to probelet's environment (which is the test's otherwise) at Start.
  void AddEnv(std::string entry) { extra_env_.push_back(std::move(entry)); }
  // Starts `probelet run` on `paths` (files and directories); waits for the API.
  void StartPaths(const std::vector<std::string>& paths, std::vector<std::string> extra = {}) {
    log_fd_ = ::open(Path("probelet.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<std::string> argv = {PROBELET_BINARY, "run"};
    argv.insert(argv.end(), paths.begin(), paths.end());
    for (const std::string& a : std::vector<std::string>{"--state-dir", Path("state"), "--api",
                                                         "127.0.0.1:0", "--log-format", "json"}) {
      argv.push_back(a);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::optional<std::vector<std::string>> env;
    if (!extra_env_.empty()) {
      env.emplace();
      for (char** e = environ; *e != nullptr; ++e) env->push_back(*e);
      env->insert(env->end(), extra_env_.begin(), extra_env_.end());
    }
    auto child = base::ChildProcess::Spawn({.argv = argv,
                                            .env = env,
                                            .stdout_fd = log_fd_,
                                            .stderr_fd = log_fd_,
                                            .die_with_parent = true});
    ::close(log_fd_);
    ASSERT_TRUE(child.ok()) << child.error().message;
    child_.emplace(std::move(*child));
    ASSERT_TRUE(WaitFor([&] { return FindApiPort(); }, 20s)) << "no API port in the log:\n"
                                                             << Log();
  }

  std::string Log() const {
    std::ifstream f(Path("probelet.log"));
    return std::string((std::istreambuf_iterator<char>(f)), {});
  }

  // Polls `pred` every 50 ms until it holds or `limit` passes.
  bool WaitFor(const std::function<bool()>& pred, base::Duration limit) {
    base::MonoTime end = clock_.Now() + limit;
    while (clock_.Now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return pred();
  }

  // The first pod of GET /pods, or null.
  Json Pod() {
    auto body = HttpGet(port_, "/pods");
    if (!body) return nullptr;
    Json list = Json::parse(*body, nullptr, false);
    if (list.is_discarded() || !list.contains("items") || list["items"].empty()) return nullptr;
    return list["items"][0];
  }
  Json Events() {
    auto body = HttpGet(port_, "/events");
    if (!body) return Json::array();
    Json j = Json::parse(*body, nullptr, false);
    if (j.is_discarded()) return Json::array();
    return j.contains("items") ? j["items"] : j;
  }
  bool HasEvent(const std::string& reason, const std::string& message) {
    for (const auto& e : Events()) {
      if (e.value("reason", "") == reason && e.value("message", "") == message) return true;
    }
    return false;
  }

  // Status helpers over a pod JSON.
  static Json ContainerStatus(const Json& pod, size_t i = 0) {
    if (pod.is_null() || !pod.contains("status") || !pod["status"].contains("containerStatuses") ||
        pod["status"]["containerStatuses"].size() <= i) {
      return nullptr;
    }
    return pod["status"]["containerStatuses"][i];
  }
  static std::string Condition(const Json& pod, const std::string& type) {
    if (pod.is_null() || !pod["status"].contains("conditions")) return "";
    for (const auto& c : pod["status"]["conditions"]) {
      if (c.value("type", "") == type) return c.value("status", "");
    }
    return "";
  }
  static int RestartCount(const Json& pod, size_t i = 0) {
    Json c = ContainerStatus(pod, i);
    return c.is_null() ? -1 : c.value("restartCount", 0);
  }
  static std::string Phase(const Json& pod) {
    return pod.is_null() ? "" : pod["status"].value("phase", "");
  }

  // Sends `sig` to probelet and waits up to `limit` for it to exit; its exit code, or nullopt.
  std::optional<int> SignalAndWait(int sig, base::Duration limit) {
    EXPECT_TRUE(child_->Signal(sig).ok());
    return WaitExit(limit);
  }
  std::optional<int> WaitExit(base::Duration limit) {
    std::optional<int> status;
    WaitFor([&] { return (status = child_->TryReap()).has_value(); }, limit);
    if (!status) return std::nullopt;
    if (WIFEXITED(*status)) return WEXITSTATUS(*status);
    return 128 + WTERMSIG(*status);
  }
  base::ChildProcess& child() { return *child_; }
  int port() const { return port_; }

 private:
  bool FindApiPort() {
    std::string log = Log();
    static const std::string kKey = "\"address\":\"127.0.0.1:";
    size_t at = log.find(kKey);
    if (at == std::string::npos) return false;
    port_ = std::atoi(log.c_str() + at + kKey.size());
    return port_ > 0;
  }

  boost::asio::io_context io_;
  base::AsioClock clock_;
  std::string dir_;
  int log_fd_ = -1;
  int port_ = 0;
  std::optional<base::ChildProcess> child_;
  std::vector<std::string> extra_env_;
};

}  // namespace probelet::testing
