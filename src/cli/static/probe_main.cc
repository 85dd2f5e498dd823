// probelet-probe: `probelet probe` alone, statically linked, for images with nothing else in
// them (a Docker HEALTHCHECK in a distroless image): `probelet-probe http URL` is
// `probelet probe http URL` (a leading "probe" is accepted too, so scripts written for
// `probelet probe ...` run unchanged). See CMakeLists.txt beside this file for how it is built.
#include "cli/commands.h"

int main(int argc, char** argv) {
  probelet::cli::Args args(argv, argv + argc);
  if (args.size() > 1 && args[1] == "probe") args.erase(args.begin());
  args[0] = "probe";
  return probelet::cli::ProbeMain(args);
}
