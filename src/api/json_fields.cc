#include "api/json_fields.h"

namespace probelet::api::json_fields {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int64_t Int(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

const json& Field(const json& j, const char* key) {
  static const json kNull;  // immutable: shared by every caller, never written
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string IntOrStringText(const json& j) {
  if (j.is_number()) return std::to_string(j.get<int64_t>());
  if (j.is_string()) return j.get<std::string>();
  return "";
}

std::vector<std::string> StringList(const json& list) {
  std::vector<std::string> out;
  if (list.is_array()) {
    for (const auto& s : list) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  }
  return out;
}

}  // namespace probelet::api::json_fields
