// Not built yet: each command says so and exits 2 until its issue lands.
#include <cstdio>

#include "cli/commands.h"

namespace probelet::cli {

int ProbeMain(const Args& args) {
  std::fprintf(stderr, "probelet %s: not implemented yet\n", args[0].c_str());
  return 2;
}

}  // namespace probelet::cli
