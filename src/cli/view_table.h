// Printing a meta.k8s.io/v1 Table (what the agent's API answers `Accept: ...;as=Table`) the way
// `kubectl get` prints it: upper-case headers, the columns of priority 0 (all with wide), an
// optional NAMESPACE column first, aligned with kubectl's tabwriter settings.
//
// Pure function; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace probelet::cli {

std::string PrintTable(const nlohmann::json& table, bool wide, bool with_namespace);

// The namespaces of a Table's rows (from each row's object metadata).
std::vector<std::string> TableNamespaces(const nlohmann::json& table);

}  // namespace probelet::cli
