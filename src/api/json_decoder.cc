// JsonDecoder's path keeping and typed readers (json_decoder.h).
#include "api/json_decoder.h"

#include <cmath>

namespace probelet::api {

namespace {

using nlohmann::json;

std::string_view JsonTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

// A short rendering of a bad value for a message: strings quoted as Go does, scalars as JSON,
// containers elided (a message must stay one line whatever the input).
std::string RenderValue(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > 64) return GoQuote(s.substr(0, 64)) + "...";
    return GoQuote(s);
  }
  if (v.is_object()) return "{...}";
  if (v.is_array()) return "[...]";
  return v.dump();
}

}  // namespace

JsonDecoder::Scope JsonDecoder::Field(std::string_view name) {
  size_t len = path_.size();
  if (!path_.empty()) path_.push_back('.');
  path_.append(name);
  return Scope(path_, len);
}

JsonDecoder::Scope JsonDecoder::Index(size_t i) {
  size_t len = path_.size();
  path_ += "[" + std::to_string(i) + "]";
  return Scope(path_, len);
}

JsonDecoder::Scope JsonDecoder::Key(std::string_view key) {
  size_t len = path_.size();
  path_ += "[";
  path_ += key;
  path_ += "]";
  return Scope(path_, len);
}

void JsonDecoder::TypeError(const json& v, std::string_view expected) {
  std::string detail =
      "expected " + std::string(expected) + ", got " + std::string(JsonTypeName(v));
  // YAML turns unquoted 8080, true or yes into a number or a boolean; say how to keep text.
  if (expected == "a string" && (v.is_number() || v.is_boolean())) {
    detail += " (quote it to make it a string)";
  }
  Error(InvalidRendered(path_, RenderValue(v), detail));
}

bool JsonDecoder::Contains(Names names, std::string_view key) {
  for (auto n : names) {
    if (n == key) return true;
  }
  return false;
}

bool JsonDecoder::AsksForNothing(const json& v) {
  return v.is_null() || ((v.is_object() || v.is_array() || v.is_string()) && v.empty()) ||
         v == false || v == 0;
}

void JsonDecoder::String(const json& v, std::string& out) {
  if (v.is_null()) return;
  if (!v.is_string()) return TypeError(v, "a string");
  out = v.get<std::string>();
}

void JsonDecoder::String(const json& v, std::optional<std::string>& out) {
  if (v.is_null()) return;
  out.emplace();
  String(v, *out);
}

std::optional<int64_t> JsonDecoder::Int64(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      Error(InvalidRendered(path_, v.dump(), "out of range"));
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    // YAML `1.0` arrives as a float; accept it only when it is a whole number in range.
    if (!std::isfinite(d) || d != std::trunc(d) || d < -9.2e18 || d > 9.2e18) {
      TypeError(v, "an integer");
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  TypeError(v, "an integer");
  return std::nullopt;
}

void JsonDecoder::Bool(const json& v, bool& out) {
  if (v.is_null()) return;
  if (!v.is_boolean()) return TypeError(v, "a boolean");
  out = v.get<bool>();
}

void JsonDecoder::Bool(const json& v, std::optional<bool>& out) {
  if (v.is_null()) return;
  out.emplace();
  Bool(v, *out);
}

void JsonDecoder::IntOrStr(const json& v, IntOrString& out) {
  if (v.is_null()) return;
  if (v.is_string()) {
    out = IntOrString::String(v.get<std::string>());
    return;
  }
  if (!v.is_number()) return TypeError(v, "an integer or a string");
  int32_t n = 0;
  size_t errors = errors_.size();
  Integer(v, n);
  if (errors_.size() == errors) out = IntOrString::Int(n);
}

void JsonDecoder::TimeValue(const json& v, Time& out) {
  if (v.is_null()) return;
  if (!v.is_string()) return TypeError(v, "an RFC 3339 time");
  auto t = ParseRFC3339(v.get_ref<const std::string&>());
  if (!t) {
    return Error(Invalid(path_, v.get_ref<const std::string&>(),
                         "expected an RFC 3339 time, e.g. \"2026-01-02T15:04:05Z\""));
  }
  out = *t;
}

void JsonDecoder::TimeValue(const json& v, std::optional<Time>& out) {
  if (v.is_null()) return;
  out.emplace();
  TimeValue(v, *out);
}

void JsonDecoder::Strings(const json& v, std::vector<std::string>& out) {
  List(v, out, [this](const json& e, std::string& s) { String(e, s); });
}

void JsonDecoder::StringMap(const json& v, std::map<std::string, std::string>& out) {
  if (v.is_null()) return;
  if (!v.is_object()) return TypeError(v, "a map of strings");
  for (auto it = v.begin(); it != v.end(); ++it) {
    auto scope = Key(it.key());
    String(it.value(), out[it.key()]);
  }
}

}  // namespace probelet::api
