// An HTTP request target split into its decoded path segments and query parameters
// ("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb" ->
// {"api","v1","namespaces","default","events"}, {fieldSelector: "involvedObject.name=web"}).
//
// Value type; pure functions; any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probelet::server {

struct HttpTarget {
  std::string path;                          // decoded, as sent ("/api/v1/pods")
  std::vector<std::string> segments;         // decoded, empty segments dropped
  std::map<std::string, std::string> query;  // last value wins

  const std::string* Query(std::string_view key) const {
    auto it = query.find(std::string(key));
    return it == query.end() ? nullptr : &it->second;
  }
};

// nullopt for a target that is not origin-form ("/..."), or holds a bad %-escape or a NUL.
std::optional<HttpTarget> ParseHttpTarget(std::string_view target);

// Percent-decoding ('+' means space in a query); nullopt on a bad escape or a NUL.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// Percent-encoding for a query value (unreserved characters kept).
std::string PercentEncode(std::string_view s);

}  // namespace probelet::server
