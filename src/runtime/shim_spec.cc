#include "runtime/shim_spec.h"

#include <charconv>

namespace probelet::runtime {
namespace {

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

void Put(std::string& out, char key, std::string_view value) {
  out.push_back(key);
  out.push_back(':');
  out.append(value);
  out.push_back('\0');
}

}  // namespace

std::string EncodeShimSpec(const ShimSpec& spec) {
  std::string out;
  for (const auto& a : spec.argv) Put(out, 'a', a);
  for (const auto& e : spec.env) Put(out, 'e', e);
  if (!spec.working_dir.empty()) Put(out, 'w', spec.working_dir);
  if (spec.uid) Put(out, 'u', std::to_string(*spec.uid));
  if (spec.gid) Put(out, 'g', std::to_string(*spec.gid));
  Put(out, 'l', spec.log ? "1" : "0");
  Put(out, 'c', spec.cgroup ? "1" : "0");
  Put(out, 'm', std::to_string(spec.max_log_line));
  Put(out, 'd', std::to_string(spec.drain_ms));
  return out;
}

base::Expected<ShimSpec> DecodeShimSpec(std::string_view data) {
  ShimSpec spec;
  while (!data.empty()) {
    size_t end = data.find('\0');
    if (end == std::string_view::npos) return base::Error{"shim spec: unterminated entry"};
    std::string_view entry = data.substr(0, end);
    data.remove_prefix(end + 1);
    if (entry.size() < 2 || entry[1] != ':') return base::Error{"shim spec: bad entry"};
    std::string_view value = entry.substr(2);
    bool ok = true;
    switch (entry[0]) {
      case 'a':
        spec.argv.emplace_back(value);
        break;
      case 'e':
        spec.env.emplace_back(value);
        break;
      case 'w':
        spec.working_dir = std::string(value);
        break;
      case 'u':
        ok = ParseNumber(value, spec.uid.emplace());
        break;
      case 'g':
        ok = ParseNumber(value, spec.gid.emplace());
        break;
      case 'l':
        spec.log = value == "1";
        break;
      case 'c':
        spec.cgroup = value == "1";
        break;
      case 'm':
        ok = ParseNumber(value, spec.max_log_line);
        break;
      case 'd':
        ok = ParseNumber(value, spec.drain_ms);
        break;
      default:
        ok = false;
    }
    if (!ok) return base::Error{"shim spec: bad entry " + std::string(entry.substr(0, 1))};
  }
  if (spec.argv.empty()) return base::Error{"shim spec: no argv"};
  return spec;
}

std::string EncodeShimExit(const ShimExit& exit) {
  return std::to_string(exit.wait_status) + " " + std::to_string(exit.finished_unix_ns) + "\n";
}

base::Expected<ShimExit> DecodeShimExit(std::string_view data) {
  if (data.empty() || data.back() != '\n') return base::Error{"incomplete"};
  data.remove_suffix(1);
  size_t space = data.find(' ');
  ShimExit exit;
  if (space == std::string_view::npos || !ParseNumber(data.substr(0, space), exit.wait_status) ||
      !ParseNumber(data.substr(space + 1), exit.finished_unix_ns)) {
    return base::Error{"not \"<wait status> <unix ns>\""};
  }
  return exit;
}

}  // namespace probelet::runtime
