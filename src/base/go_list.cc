#include "base/go_list.h"

namespace probelet::base {

std::string GoList(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ' ';
    out += elements[i];
  }
  out += ']';
  return out;
}

}  // namespace probelet::base
