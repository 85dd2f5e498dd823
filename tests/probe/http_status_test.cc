// The HTTP prober's status rule (DoHTTPProbe, §5.3.4.3) as a table: every boundary of
// [200, 300) Success, [300, 400) Warning, the rest Failure.
#include "probe/http_status.h"

#include <gtest/gtest.h>

#include <string>

namespace probelet::probe {
namespace {

struct StatusCase {
  int status;
  Result want;
};

constexpr StatusCase kCases[] = {
    {0, Result::kFailure},   {100, Result::kFailure}, {101, Result::kFailure},
    {199, Result::kFailure}, {200, Result::kSuccess}, {204, Result::kSuccess},
    {299, Result::kSuccess}, {300, Result::kWarning}, {302, Result::kWarning},
    {304, Result::kWarning}, {399, Result::kWarning}, {400, Result::kFailure},
    {404, Result::kFailure}, {500, Result::kFailure}, {503, Result::kFailure},
    {999, Result::kFailure}, {-1, Result::kFailure},
};

TEST(HttpStatusTest, ClassifiesEveryBoundary) {
  for (const StatusCase& c : kCases) {
    EXPECT_EQ(ClassifyHttpStatus(c.status), c.want) << "status " << c.status;
    EXPECT_EQ(HttpStatusIsSuccess(c.status), c.want != Result::kFailure) << "status " << c.status;
  }
}

TEST(HttpStatusTest, OutcomeCarriesTheKubeletsOutput) {
  for (const StatusCase& c : kCases) {
    const Outcome o = HttpStatusOutcome(c.status, "body");
    EXPECT_EQ(o.result, c.want) << "status " << c.status;
    EXPECT_FALSE(o.error.has_value()) << "status " << c.status;
    switch (c.want) {
      case Result::kSuccess:
        EXPECT_EQ(o.output, "body");
        break;
      case Result::kWarning:
        EXPECT_EQ(o.output, "Probe terminated redirects, Response body: body");
        break;
      default:
        EXPECT_EQ(o.output, "HTTP probe failed with statuscode: " + std::to_string(c.status));
        break;
    }
  }
}

}  // namespace
}  // namespace probelet::probe
