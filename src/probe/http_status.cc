#include "probe/http_status.h"

#include <utility>

namespace probelet::probe {

bool HttpStatusIsSuccess(int status) { return status >= 200 && status < 400; }

Result ClassifyHttpStatus(int status) {
  if (!HttpStatusIsSuccess(status)) return Result::kFailure;
  return status >= 300 ? Result::kWarning : Result::kSuccess;
}

Outcome HttpStatusOutcome(int status, std::string body) {
  switch (ClassifyHttpStatus(status)) {
    case Result::kSuccess:
      return Outcome{Result::kSuccess, std::move(body), {}};
    case Result::kWarning:
      return Outcome{Result::kWarning, "Probe terminated redirects, Response body: " + body, {}};
    default:
      return Outcome{
          Result::kFailure, "HTTP probe failed with statuscode: " + std::to_string(status), {}};
  }
}

}  // namespace probelet::probe
