#include "base/go_grpc_status.h"

#include <array>

namespace probelet::base {

std::string GoCodeName(int code) {
  // codes/code_string.go, indexed by the code's number.
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  if (code < 0 || code >= static_cast<int>(kNames.size())) {
    return "Code(" + std::to_string(code) + ")";
  }
  return std::string(kNames[static_cast<size_t>(code)]);
}

std::string GoStatusError(int code, std::string_view message) {
  return "rpc error: code = " + GoCodeName(code) + " desc = " + std::string(message);
}

}  // namespace probelet::base
