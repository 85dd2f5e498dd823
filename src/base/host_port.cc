#include "base/host_port.h"

#include <charconv>

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
  std::string out;
  AppendHostPort(out, host, port);
  return out;
}

void AppendHostPort(std::string& out, std::string_view host, int port) {
  char digits[16];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, port);
  (void)ec;  // an int always fits in 16 characters
  const bool brackets = host.find(':') != std::string_view::npos;
  out.reserve(out.size() + host.size() + static_cast<size_t>(end - digits) + (brackets ? 3 : 1));
  if (brackets) out += '[';
  out += host;
  if (brackets) out += ']';
  out += ':';
  out.append(digits, end);
}

}  // namespace probelet::base
