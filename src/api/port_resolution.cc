#include "api/port_resolution.h"

#include <charconv>
#include <string>

namespace probelet::api {

base::Expected<int> ResolveContainerPort(const IntOrString& param, const Container& container) {
  long long port = -1;
  if (!param.is_string()) {
    port = param.int_val;
  } else {
    bool found = false;
    for (const auto& p : container.ports) {
      if (p.name == param.str_val) {
        port = p.container_port;
        found = true;
        break;
      }
    }
    if (!found) {
      // The kubelet's "last ditch effort": the name may be a number written as a string.
      const std::string& s = param.str_val;
      const char* first = s.data();
      const char* last = s.data() + s.size();
      if (first != last && *first == '+') ++first;
      auto [ptr, ec] = std::from_chars(first, last, port);
      if (s.empty() || ec != std::errc() || ptr != last) {
        return base::Error{
            "strconv.Atoi: parsing \"" + s + "\": " +
            (ec == std::errc::result_out_of_range ? "value out of range" : "invalid syntax")};
      }
    }
  }
  if (port > 0 && port < 65536) return static_cast<int>(port);
  return base::Error{"invalid port number: " + std::to_string(port)};
}

}  // namespace probelet::api
