// FieldError prints as apimachinery's field.Error; GoQuote as Go's %q.
#include "api/field_error.h"

#include <gtest/gtest.h>

namespace probelet::api {
namespace {

TEST(FieldErrorTest, EachTypePrintsLikeApimachinery) {
  struct Case {
    FieldError error;
    std::string want;
  } cases[] = {
      {Required("spec.containers"), "spec.containers: Required value"},
      {Required("spec.containers[0].readinessProbe", "must specify a handler type"),
       "spec.containers[0].readinessProbe: Required value: must specify a handler type"},
      {Invalid("spec.containers[0].livenessProbe.successThreshold", 2, "must be 1"),
       "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"},
      {Invalid("metadata.name", "Web", "bad"), "metadata.name: Invalid value: \"Web\": bad"},
      {Duplicate("spec.containers[1].name", "web"),
       "spec.containers[1].name: Duplicate value: \"web\""},
      {Forbidden("spec.initContainers[0].livenessProbe",
                 "may not be set for init containers without restartPolicy=Always"),
       "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers "
       "without restartPolicy=Always"},
      {NotSupported("spec.restartPolicy", "Sometimes", {"Always", "OnFailure", "Never"}),
       "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
       "\"OnFailure\", \"Never\""},
      {TooLong("metadata.annotations", "may not be more than 262144 bytes"),
       "metadata.annotations: Too long: may not be more than 262144 bytes"},
      {InternalError("x", "unknown type: 2"), "x: Internal error: unknown type: 2"},
  };
  for (const auto& c : cases) EXPECT_EQ(c.error.ToString(), c.want);
}

TEST(FieldErrorTest, GoQuoteEscapesLikeStrconvQuote) {
  EXPECT_EQ(GoQuote("web"), "\"web\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("\n\t\r\a\b\f\v"), "\"\\n\\t\\r\\a\\b\\f\\v\"");
  EXPECT_EQ(GoQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("h\xC3\xA9llo"), "\"h\xC3\xA9llo\"");  // valid UTF-8 kept
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");                 // invalid byte escaped
  EXPECT_EQ(GoQuote("\xC3"), "\"\\xc3\"");                 // truncated sequence
}

}  // namespace
}  // namespace probelet::api
