#include "runtime/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace probelet::runtime {
namespace {

base::Error SysError(const std::string& what, int err) {
  return base::Error{what + ": " + std::strerror(err), err};
}

base::Status WriteFile(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return SysError("open " + path, errno);
  ssize_t n = ::write(fd, data.data(), data.size());
  int err = errno;
  ::close(fd);
  if (n < 0) return SysError("write " + path, err);
  return {};
}

std::vector<std::string> SubDirectories(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR) continue;
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    out.push_back(name);
  }
  ::closedir(d);
  return out;
}

}  // namespace

// The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
std::string ProcessStartTime(pid_t pid) {
  std::string stat = ReadSmallFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  // Fields 3..22: state is field 3, start time field 22.
  for (int i = 3; i <= 22 && (rest >> field); ++i) {
    if (i == 22) return field;
  }
  return "";
}

std::string ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::string stat = ReadSmallFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  ProcStat out;
  long ppid = 0, pgrp = 0;
  if (std::sscanf(stat.c_str() + close + 2, "%c %ld %ld", &out.state, &ppid, &pgrp) != 3) {
    return std::nullopt;
  }
  out.ppid = static_cast<pid_t>(ppid);
  out.pgrp = static_cast<pid_t>(pgrp);
  return out;
}

base::Status MakeCgroup(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return SysError("mkdir " + dir, errno);
  return {};
}

base::Status KillCgroup(const std::string& dir) { return WriteFile(dir + "/cgroup.kill", "1"); }

bool CgroupPopulated(const std::string& dir) {
  std::string events = ReadSmallFile(dir + "/cgroup.events");
  return events.find("populated 1") != std::string::npos;
}

base::Status RemoveCgroupTree(const std::string& dir) {
  for (const auto& sub : SubDirectories(dir)) {
    if (auto st = RemoveCgroupTree(dir + "/" + sub); !st.ok()) return st;
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) return SysError("rmdir " + dir, errno);
  return {};
}

std::vector<pid_t> CgroupProcs(const std::string& dir) {
  std::vector<pid_t> out;
  std::istringstream in(ReadSmallFile(dir + "/cgroup.procs"));
  pid_t pid;
  while (in >> pid) out.push_back(pid);
  return out;
}

std::vector<pid_t> ProcessGroupMembers(pid_t pgid) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    auto st = ReadProcStat(static_cast<pid_t>(pid));
    if (st && st->pgrp == pgid) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

std::string InstanceName(pid_t pid) {
  if (pid == 0) pid = ::getpid();
  std::string start = ProcessStartTime(pid);
  if (start.empty()) return "";
  return "p" + std::to_string(pid) + "-" + start;
}

std::string StateDirInstanceName(const std::string& state_dir) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : state_dir) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "s%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<std::string> SweepStaleInstances(const std::string& root) {
  std::vector<std::string> killed;
  for (const auto& name : SubDirectories(root)) {
    if (name.size() < 4 || name[0] != 'p') continue;
    size_t dash = name.find('-');
    if (dash == std::string::npos) continue;
    pid_t owner = static_cast<pid_t>(std::strtol(name.c_str() + 1, nullptr, 10));
    if (owner > 0 && InstanceName(owner) == name) continue;  // its probelet is alive
    std::string dir = root + "/" + name;
    // Kill the whole instance (cgroup.kill is recursive), then remove what is already empty.
    (void)KillCgroup(dir);
    (void)RemoveCgroupTree(dir);
    killed.push_back(dir);
  }
  return killed;
}

}  // namespace probelet::runtime
