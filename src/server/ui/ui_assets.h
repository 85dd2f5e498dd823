// The dashboard's files (src/server/ui/), embedded in the binary at build time: the generated
// ui_assets.cc (embed_assets.cmake) defines UiAssets(). dashboard.h serves them.
//
// Immutable static data; any thread. The views point into the binary's read-only data and live
// as long as the process.
#pragma once

#include <span>
#include <string_view>

namespace probelet::server {

struct UiAsset {
  std::string_view name;          // "index.html", the path under /ui/
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view etag;          // a strong ETag with its quotes: "\"0123456789abcdef\""
  std::string_view body;
};

// Every embedded file, in the order src/server/ui/CMakeLists.txt lists them.
std::span<const UiAsset> UiAssets();

}  // namespace probelet::server
