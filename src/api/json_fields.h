// Lenient readers of v1 JSON objects, for code that prints what the API serves (`probelet
// describe`, the probe descriptions): a missing key, a null or a value of another type reads as
// "", 0 or null instead of throwing, as kubectl prints a zero value for a field it cannot read.
//
// Pure functions; any thread. The returned reference of Field lives as long as `j` (or forever
// for the shared null). Pulls in nlohmann/json: include it only where JSON is handled.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace probelet::api::json_fields {

// `j[key]` as text: a string as it is, any other non-null value as its JSON text; "" when `j`
// is not an object or the key is missing or null.
std::string Str(const nlohmann::json& j, const char* key);
// `j[key]` as an integer; 0 when missing or not a number.
int64_t Int(const nlohmann::json& j, const char* key);
// `j[key]`, or a null value when `j` is not an object or the key is missing.
const nlohmann::json& Field(const nlohmann::json& j, const char* key);
// An IntOrString (a port, a targetPort) as Go's IntOrString.String() prints it; "" otherwise.
std::string IntOrStringText(const nlohmann::json& j);
// A JSON array of strings as the []string it was encoded from (a non-string element as its
// JSON text); empty when `list` is not an array.
std::vector<std::string> StringList(const nlohmann::json& list);

}  // namespace probelet::api::json_fields
