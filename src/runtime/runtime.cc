#include "runtime/runtime.h"

namespace probelet::runtime {

std::string_view ToString(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated:
      return "created";
    case ContainerState::kRunning:
      return "running";
    case ContainerState::kExited:
      return "exited";
  }
  return "unknown";
}

}  // namespace probelet::runtime
