#include "api/field_error.h"

#include <cstdio>

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
    case FieldErrorType::kTooLong:
      return "Too long";
    case FieldErrorType::kTooMany:
      return "Too many";
    case FieldErrorType::kInternal:
      return "Internal error";
  }
  return "Invalid value";
}

// Length of the valid UTF-8 sequence at s[i], or 0 when the byte there does not start one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t len = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (len == 2 && b < 0xC2) return 0;                                 // overlong
  if (len == 3 && b == 0xE0 && b1 < 0xA0) return 0;                   // overlong
  if (len == 3 && b == 0xED && b1 >= 0xA0) return 0;                  // surrogate
  if (len == 4 && b == 0xF0 && b1 < 0x90) return 0;                   // overlong
  if (len == 4 && (b > 0xF4 || (b == 0xF4 && b1 >= 0x90))) return 0;  // > U+10FFFF
  return len;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out.push_back('"');
  return out;
}

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
