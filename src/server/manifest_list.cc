#include "server/manifest_list.h"

#include <nlohmann/json.hpp>

#include "api/time.h"

namespace probelet::server {

std::string ManifestListJson(const std::vector<api::ManifestFile>& files) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& f : files) {
    nlohmann::json j;
    j["path"] = f.path;
    j["lastLoadTime"] = f.last_load ? nlohmann::json(api::FormatRFC3339(*f.last_load)) : nullptr;
    j["status"] = f.ok ? "ok" : "error";
    j["errors"] = f.errors;
    j["pods"] = f.pods;
    j["services"] = f.services;
    items.push_back(std::move(j));
  }
  return nlohmann::json{{"items", std::move(items)}}.dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace);
}

}  // namespace probelet::server
