#include "runtime/cri/init_process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include "base/unique_fd.h"
#include "fmt/format.h"

namespace probelet::runtime::cri {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// The value of "Key:\t..." in a status text; nullopt when absent.
std::optional<std::string_view> Field(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      return Trim(line.substr(key.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out, int base = 10) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// The first whitespace-separated word of s.
std::string_view FirstWord(std::string_view s) {
  size_t end = s.find_first_of(" \t");
  return end == std::string_view::npos ? s : s.substr(0, end);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    out.push_back(s.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

// A whole /proc file; Error (naming the path) when it cannot be opened or read.
base::Expected<std::string> ReadProcFile(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return base::Error{fmt::format("open {}: {}", path, strerror(errno)), errno};
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error{fmt::format("read {}: {}", path, strerror(errno)), errno};
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string ProcPath(pid_t pid, std::string_view name) {
  return pid == 0 ? fmt::format("/proc/self/{}", name) : fmt::format("/proc/{}/{}", pid, name);
}

}  // namespace

base::Expected<ProcStatus> ParseProcStatus(std::string_view text) {
  ProcStatus st;
  auto bad = [](std::string_view key) {
    return base::Error{fmt::format("/proc status: missing or malformed {}", key), EINVAL};
  };
  auto id = [&](std::string_view key, uint32_t& out) {
    // "Uid:\treal\teffective\tsaved\tfs": the effective one.
    auto v = Field(text, key);
    if (!v) return false;
    std::string_view rest = *v;
    rest = Trim(rest.substr(FirstWord(rest).size()));
    return ParseNumber(FirstWord(rest), out);
  };
  if (!id("Uid", st.uid)) return bad("Uid");
  if (!id("Gid", st.gid)) return bad("Gid");
  auto groups = Field(text, "Groups");
  if (!groups) return bad("Groups");
  for (std::string_view g : Split(*groups, ' ')) {
    g = Trim(g);
    if (g.empty()) continue;
    uint32_t n = 0;
    if (!ParseNumber(g, n)) return bad("Groups");
    st.groups.push_back(n);
  }
  struct Cap {
    const char* key;
    uint64_t* out;
  } caps[] = {{"CapInh", &st.cap_inheritable},
              {"CapPrm", &st.cap_permitted},
              {"CapEff", &st.cap_effective},
              {"CapBnd", &st.cap_bounding},
              {"CapAmb", &st.cap_ambient}};
  for (const Cap& c : caps) {
    auto v = Field(text, c.key);
    if (!v || !ParseNumber(*v, *c.out, 16)) return bad(c.key);
  }
  auto nnp = Field(text, "NoNewPrivs");
  int nnp_value = 0;
  if (!nnp || !ParseNumber(*nnp, nnp_value)) return bad("NoNewPrivs");
  st.no_new_privs = nnp_value != 0;
  auto seccomp = Field(text, "Seccomp");
  if (!seccomp || !ParseNumber(*seccomp, st.seccomp)) return bad("Seccomp");
  auto umask = Field(text, "Umask");
  if (!umask || !ParseNumber(*umask, st.umask, 8)) st.umask = -1;
  return st;
}

std::vector<std::string> ParseEnviron(std::string_view text) {
  std::vector<std::string> env;
  for (std::string_view e : Split(text, '\0')) {
    if (!e.empty()) env.emplace_back(e);
  }
  return env;
}

base::Expected<std::vector<rlimit>> ParseLimits(std::string_view text) {
  // "Limit                     Soft Limit           Hard Limit           Units": columns at
  // fixed offsets 0, 26, 47, 68 (the kernel's "%-25s %-20s %-20s %-10s").
  std::vector<rlimit> out;
  std::vector<std::string_view> lines = Split(text, '\n');
  auto value = [](std::string_view s, rlim_t& v) {
    s = Trim(s);
    if (s == "unlimited") {
      v = RLIM_INFINITY;
      return true;
    }
    return ParseNumber(s, v);
  };
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    rlimit lim{};
    if (line.size() < 68 || !value(line.substr(26, 21), lim.rlim_cur) ||
        !value(line.substr(47, 21), lim.rlim_max)) {
      return base::Error{fmt::format("/proc limits: malformed line \"{}\"", line), EINVAL};
    }
    out.push_back(lim);
  }
  return out;
}

std::vector<CgroupEntry> ParseProcCgroup(std::string_view text) {
  std::vector<CgroupEntry> out;
  for (std::string_view line : Split(text, '\n')) {
    size_t a = line.find(':');
    if (a == std::string_view::npos) continue;
    size_t b = line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    CgroupEntry e;
    if (!ParseNumber(line.substr(0, a), e.hierarchy)) continue;
    e.controllers = std::string(line.substr(a + 1, b - a - 1));
    e.path = std::string(line.substr(b + 1));
    out.push_back(std::move(e));
  }
  return out;
}

std::string CgroupMountPoint(std::string_view mountinfo, const CgroupEntry& entry) {
  const bool v2 = entry.hierarchy == 0 && entry.controllers.empty();
  std::vector<std::string_view> wanted = Split(entry.controllers, ',');
  for (std::string_view line : Split(mountinfo, '\n')) {
    // "id parent major:minor root mount-point options [optional...] - fstype source super-options"
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    std::vector<std::string_view> head = Split(line.substr(0, dash), ' ');
    std::vector<std::string_view> tail = Split(line.substr(dash + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) continue;
    if (head[3] != "/") continue;  // a bind of a sub-cgroup is not the hierarchy's root
    if (v2) {
      if (tail[0] == "cgroup2") return std::string(head[4]);
      continue;
    }
    if (tail[0] != "cgroup") continue;
    std::vector<std::string_view> options = Split(tail[2], ',');
    auto is_controller = [](std::string_view o) {
      return o != "rw" && o != "ro" && o.rfind("release_agent", 0) != 0 && o != "noprefix" &&
             o != "clone_children" && o != "xattr" && o != "cpuset_v2_mode" && o != "favordynmods";
    };
    size_t controllers = 0, matched = 0;
    for (std::string_view o : options) {
      if (!is_controller(o)) continue;
      ++controllers;
      for (std::string_view w : wanted) matched += (w == o);
    }
    if (controllers == wanted.size() && matched == wanted.size()) return std::string(head[4]);
  }
  return "";
}

base::Expected<Namespaces> ReadNamespaces(pid_t pid) {
  Namespaces ns;
  struct Entry {
    const char* name;
    ino_t* out;
  } entries[] = {{"ns/mnt", &ns.mnt},  {"ns/uts", &ns.uts}, {"ns/ipc", &ns.ipc},
                 {"ns/net", &ns.net},  {"ns/pid", &ns.pid}, {"ns/cgroup", &ns.cgroup},
                 {"ns/user", &ns.user}};
  for (const Entry& e : entries) {
    struct stat st {};
    std::string path = ProcPath(pid, e.name);
    if (::stat(path.c_str(), &st) != 0) {
      return base::Error{fmt::format("stat {}: {}", path, strerror(errno)), errno};
    }
    *e.out = st.st_ino;
  }
  return ns;
}

base::Expected<InitProcess> ReadInitProcess(pid_t pid) {
  InitProcess init;
  init.pid = pid;
  auto status_text = ReadProcFile(ProcPath(pid, "status"));
  if (!status_text.ok()) return status_text.error();
  auto status = ParseProcStatus(*status_text);
  if (!status.ok()) return status.error();
  init.status = std::move(status).value();
  auto environ_text = ReadProcFile(ProcPath(pid, "environ"));
  if (!environ_text.ok()) return environ_text.error();
  init.env = ParseEnviron(*environ_text);
  char buf[4096];
  std::string cwd_path = ProcPath(pid, "cwd");
  ssize_t n = ::readlink(cwd_path.c_str(), buf, sizeof buf);
  if (n < 0) return base::Error{fmt::format("readlink {}: {}", cwd_path, strerror(errno)), errno};
  init.cwd.assign(buf, static_cast<size_t>(n));
  // No LSM, or none that labels tasks: EINVAL (or no file). AppArmor's "unconfined" is no label.
  if (auto label = ReadProcFile(ProcPath(pid, "attr/current")); label.ok()) {
    std::string_view l = Trim(std::string_view(*label).substr(0, label->find('\0')));
    if (l != "unconfined") init.security_label = std::string(l);
  }
  auto oom = ReadProcFile(ProcPath(pid, "oom_score_adj"));
  if (!oom.ok()) return oom.error();
  if (!ParseNumber(Trim(*oom), init.oom_score_adj)) {
    return base::Error{"malformed " + ProcPath(pid, "oom_score_adj"), EINVAL};
  }
  auto limits_text = ReadProcFile(ProcPath(pid, "limits"));
  if (!limits_text.ok()) return limits_text.error();
  auto limits = ParseLimits(*limits_text);
  if (!limits.ok()) return limits.error();
  init.limits = std::move(limits).value();
  auto cgroup = ReadProcFile(ProcPath(pid, "cgroup"));
  if (!cgroup.ok()) return cgroup.error();
  init.cgroups = ParseProcCgroup(*cgroup);
  auto ns = ReadNamespaces(pid);
  if (!ns.ok()) return ns.error();
  init.namespaces = *ns;
  return init;
}

}  // namespace probelet::runtime::cri
