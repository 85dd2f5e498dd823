#include "api/field_error.h"

namespace probelet::api {
namespace {

std::string_view TypeString(FieldErrorType t) {
  switch (t) {
    case FieldErrorType::kRequired:
      return "Required value";
    case FieldErrorType::kInvalid:
      return "Invalid value";
    case FieldErrorType::kDuplicate:
      return "Duplicate value";
    case FieldErrorType::kForbidden:
      return "Forbidden";
    case FieldErrorType::kNotSupported:
      return "Unsupported value";
    case FieldErrorType::kNotFound:
      return "Not found";
    case FieldErrorType::kTooLong:
      return "Too long";
    case FieldErrorType::kTooMany:
      return "Too many";
    case FieldErrorType::kInternal:
      return "Internal error";
  }
  return "Invalid value";
}

}  // namespace

std::string FieldError::ToString() const {
  std::string s = field.empty() ? "" : field + ": ";  // the root has no path to name
  s += TypeString(type);
  bool show_value = type != FieldErrorType::kRequired && type != FieldErrorType::kForbidden &&
                    type != FieldErrorType::kTooLong && type != FieldErrorType::kInternal;
  if (show_value) s += ": " + bad_value;
  if (!detail.empty()) s += ": " + detail;
  return s;
}

FieldError Required(std::string field, std::string detail) {
  return {FieldErrorType::kRequired, std::move(field), {}, std::move(detail)};
}
FieldError Invalid(std::string field, std::string_view value, std::string detail) {
  return {FieldErrorType::kInvalid, std::move(field), GoQuote(value), std::move(detail)};
}
FieldError Invalid(std::string field, int64_t value, std::string detail) {
  return {FieldErrorType::kInvalid, std::move(field), std::to_string(value), std::move(detail)};
}
FieldError InvalidRendered(std::string field, std::string rendered_value, std::string detail) {
  return {FieldErrorType::kInvalid, std::move(field), std::move(rendered_value), std::move(detail)};
}
FieldError Duplicate(std::string field, std::string_view value) {
  return {FieldErrorType::kDuplicate, std::move(field), GoQuote(value), {}};
}
FieldError Forbidden(std::string field, std::string detail) {
  return {FieldErrorType::kForbidden, std::move(field), {}, std::move(detail)};
}
FieldError NotFound(std::string field, std::string_view value) {
  return {FieldErrorType::kNotFound, std::move(field), GoQuote(value), {}};
}

FieldError NotSupported(std::string field, std::string_view value,
                        const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) detail += ", ";
      detail += GoQuote(supported[i]);
    }
  }
  return {FieldErrorType::kNotSupported, std::move(field), GoQuote(value), std::move(detail)};
}
FieldError TooLong(std::string field, std::string detail) {
  return {FieldErrorType::kTooLong, std::move(field), {}, std::move(detail)};
}
FieldError InternalError(std::string field, std::string detail) {
  return {FieldErrorType::kInternal, std::move(field), {}, std::move(detail)};
}

}  // namespace probelet::api
