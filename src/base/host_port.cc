#include "base/host_port.h"

namespace probelet::base {

std::string JoinHostPort(std::string_view host, std::string_view port) {
  std::string out;
  out.reserve(host.size() + port.size() + 3);
  // Go: `if strings.IndexByte(host, ':') >= 0 { return "[" + host + "]:" + port }`.
  const bool brackets = host.find(':') != std::string_view::npos;
  if (brackets) out += '[';
  out += host;
  if (brackets) out += ']';
  out += ':';
  out += port;
  return out;
}

std::string JoinHostPort(std::string_view host, int port) {
  return JoinHostPort(host, std::to_string(port));
}

}  // namespace probelet::base
