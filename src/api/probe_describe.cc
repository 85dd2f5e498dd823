#include "api/probe_describe.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "api/json_codec.h"
#include "api/json_fields.h"
#include "base/go_list.h"
#include "base/host_port.h"

namespace probelet::api {
namespace {

using json_fields::Field;
using json_fields::Int;
using json_fields::IntOrStringText;
using json_fields::Str;
using json_fields::StringList;
using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
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
