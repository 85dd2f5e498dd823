// GET /manifests (issue 12 §1): the files of the watched manifest directories as JSON,
//   {"items": [{"path": "/etc/probelet/manifests/web.yaml", "lastLoadTime": RFC 3339,
//               "status": "ok" | "error", "errors": ["spec.containers[0].image: Required value"],
//               "pods": ["default/web"], "services": ["default/web"]}]}
// in path order. "pods" and "services" are what runs from the file now: after an invalid
// update, the last valid version's.
//
// Pure function; any thread.
#pragma once

#include <string>
#include <vector>

#include "api/manifest_file.h"

namespace probelet::server {

std::string ManifestListJson(const std::vector<api::ManifestFile>& files);

}  // namespace probelet::server
