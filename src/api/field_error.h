// FieldError: one validation or decoding problem at a field path, printed exactly as
// k8s.io/apimachinery's field.Error prints it, e.g.
//   spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1
//   spec.containers[1].name: Duplicate value: "web"
//   spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure",
//   "Never"
// so that a user finds the same text here as in `kubectl apply`'s rejection.
//
// Value type; pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/go_quote.h"

namespace probelet::api {

enum class FieldErrorType {
  kRequired,      // "Required value"
  kInvalid,       // "Invalid value: <value>"
  kDuplicate,     // "Duplicate value: <value>"
  kForbidden,     // "Forbidden"
  kNotSupported,  // "Unsupported value: <value>"
  kNotFound,      // "Not found: <value>"
  kTooLong,       // "Too long"
  kTooMany,       // "Too many: <value>"
  kInternal,      // "Internal error"
};

struct FieldError {
  FieldErrorType type = FieldErrorType::kInvalid;
  std::string field;      // "spec.containers[0].name"
  std::string bad_value;  // already rendered as Go's %v (numbers) or %q (strings)
  std::string detail;

  // "<field>: <type>[: <value>][: <detail>]", as field.Error.Error().
  std::string ToString() const;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// Go's strconv.Quote / %q, as the apimachinery messages quote values (base/go_quote.h).
using base::GoQuote;

FieldError Required(std::string field, std::string detail = {});
FieldError Invalid(std::string field, std::string_view value, std::string detail);
FieldError Invalid(std::string field, int64_t value, std::string detail);
FieldError InvalidRendered(std::string field, std::string rendered_value, std::string detail);
FieldError Duplicate(std::string field, std::string_view value);
FieldError Forbidden(std::string field, std::string detail);
// The supported values are quoted and joined with ", " (field.NotSupported).
FieldError NotSupported(std::string field, std::string_view value,
                        const std::vector<std::string>& supported);
FieldError NotFound(std::string field, std::string_view value);
FieldError TooLong(std::string field, std::string detail);
FieldError InternalError(std::string field, std::string detail);

}  // namespace probelet::api
