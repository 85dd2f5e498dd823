#include "cli/view_table.h"

#include <algorithm>
#include <cctype>

#include "cli/view_tabwriter.h"

namespace probelet::cli {

using nlohmann::json;

std::vector<std::string> TableNamespaces(const json& table) {
  std::vector<std::string> out;
  for (const json& row : table.value("rows", json::array())) {
    const json& object = row.contains("object") ? row["object"] : json();
    std::string ns = object.is_object() && object.contains("metadata")
                         ? object["metadata"].value("namespace", "")
                         : "";
    out.push_back(ns);
  }
  return out;
}

std::string PrintTable(const json& table, bool wide, bool with_namespace) {
  std::vector<size_t> shown;
  std::string text;
  const json columns = table.value("columnDefinitions", json::array());
  if (with_namespace) text += "NAMESPACE\t";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!wide && columns[i].value("priority", 0) != 0) continue;
    shown.push_back(i);
  }
  for (size_t k = 0; k < shown.size(); ++k) {
    std::string name = columns[shown[k]].value("name", "");
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    text += name;
    text += k + 1 < shown.size() ? "\t" : "\n";
  }
  std::vector<std::string> namespaces = TableNamespaces(table);
  size_t r = 0;
  for (const json& row : table.value("rows", json::array())) {
    if (with_namespace) text += namespaces[r] + "\t";
    ++r;
    const json cells = row.value("cells", json::array());
    for (size_t k = 0; k < shown.size(); ++k) {
      const json& cell = shown[k] < cells.size() ? cells[shown[k]] : json();
      if (cell.is_string()) {
        text += cell.get<std::string>();
      } else if (!cell.is_null()) {
        text += cell.dump();
      }
      text += k + 1 < shown.size() ? "\t" : "\n";
    }
  }
  return FormatGetTable(text);
}

}  // namespace probelet::cli
