#include "base/go_grpc_status.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace probelet::base {
namespace {

TEST(GoGrpcStatusTest, CodeNamesAreGosForEveryCodeOfTheSpec) {
  // grpc-go codes/code_string.go, in the order of the codes' numbers.
  const std::vector<std::string> want = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  for (int code = 0; code < static_cast<int>(want.size()); ++code) {
    EXPECT_EQ(GoCodeName(code), want[static_cast<size_t>(code)]) << "code " << code;
  }
}

TEST(GoGrpcStatusTest, ACodeOutsideTheSpecPrintsItsNumber) {
  EXPECT_EQ(GoCodeName(17), "Code(17)");
  EXPECT_EQ(GoCodeName(-1), "Code(-1)");
}

TEST(GoGrpcStatusTest, StatusErrorIsGrpcGosText) {
  EXPECT_EQ(GoStatusError(14, "connection refused"),
            "rpc error: code = Unavailable desc = connection refused");
  EXPECT_EQ(GoStatusError(4, ""), "rpc error: code = DeadlineExceeded desc = ");
}

}  // namespace
}  // namespace probelet::base
