#include "api/probe_describe.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "api/json_codec.h"
#include "base/go_list.h"
#include "base/host_port.h"

namespace probelet::api {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int64_t Int(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

const json& Field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// An IntOrString as Go's IntOrString.String() prints it.
std::string IntOrStringText(const json& j) {
  if (j.is_number()) return std::to_string(j.get<int64_t>());
  if (j.is_string()) return j.get<std::string>();
  return "";
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A JSON array of strings as the []string it was encoded from (a non-string element as its
// JSON text), for base::GoList.
std::vector<std::string> StringList(const json& list) {
  std::vector<std::string> out;
  if (list.is_array()) {
    for (const auto& s : list) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  }
  return out;
}

}  // namespace

std::string DescribeProbe(const json& probe) {
  std::string attrs = fmt::format("delay={}s timeout={}s period={}s #success={} #failure={}",
                                  Int(probe, "initialDelaySeconds"), Int(probe, "timeoutSeconds"),
                                  Int(probe, "periodSeconds"), Int(probe, "successThreshold"),
                                  Int(probe, "failureThreshold"));
  if (const json& exec = Field(probe, "exec"); exec.is_object()) {
    return fmt::format("exec {} {}", base::GoList(StringList(Field(exec, "command"))), attrs);
  }
  if (const json& get = Field(probe, "httpGet"); get.is_object()) {
    // url.URL{Scheme, Host, Path}.String()
    std::string scheme = Lower(Str(get, "scheme"));
    std::string port = IntOrStringText(Field(get, "port"));
    std::string host = port.empty() ? Str(get, "host") : base::JoinHostPort(Str(get, "host"), port);
    std::string path = Str(get, "path");
    if (!path.empty() && path.front() != '/' && !host.empty()) path = "/" + path;
    std::string url = scheme.empty() ? "//" + host + path : scheme + "://" + host + path;
    return fmt::format("http-get {} {}", url, attrs);
  }
  if (const json& tcp = Field(probe, "tcpSocket"); tcp.is_object()) {
    return fmt::format("tcp-socket {}:{} {}", Str(tcp, "host"), IntOrStringText(Field(tcp, "port")),
                       attrs);
  }
  if (const json& grpc = Field(probe, "grpc"); grpc.is_object()) {
    return fmt::format("grpc <pod>:{} {} {}", Int(grpc, "port"), Str(grpc, "service"), attrs);
  }
  return "unknown " + attrs;
}

std::string DescribeProbe(const Probe& probe) { return DescribeProbe(EncodeProbe(probe)); }

}  // namespace probelet::api
