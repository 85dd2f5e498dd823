// The dashboard (issue 14 §3): a single page served from the binary itself (ui/ui_assets.h),
// which reads the same JSON API as kubectl does (/api/v1/pods and events with ?watch=true,
// /probes, services and EndpointSlices); the server adds no endpoint of its own for it.
//
//   GET /, /ui, /ui/      index.html
//   GET /ui/NAME          an embedded file (dashboard.css, main.js, ...); 404 for another NAME
//
// Every answer carries a strong ETag and `Cache-Control: no-cache`: the browser keeps its copy
// and revalidates it, and an If-None-Match that names the ETag (or `*`) gets a 304 with no body.
// A Content-Security-Policy allows only the page's own scripts, styles and API.
//
// Pure function of the request; any thread.
#pragma once

#include <optional>
#include <string_view>

#include "server/api_handler.h"
#include "server/http_target.h"

namespace probelet::server {

// Serves the dashboard's paths; nullopt for any other path.
std::optional<HttpResponse> ServeDashboard(const HttpTarget& target,
                                           std::string_view if_none_match);

// Whether an If-None-Match header value (a list of entity tags, weak or strong, or `*`)
// matches `etag` under the weak comparison RFC 9110 §13.1.2 prescribes for GET.
bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace probelet::server
