// libFuzzer target for the manifest decoder: any bytes, as YAML and as JSON, through
// LoadPodsFromText (parse, decode, default, validate) and DecodeManifest. Checks, besides
// "no crash, no leak, no hang, bounded memory" (the sanitizers and libFuzzer's limits), one
// property: encoding is stable under a decode round trip, EncodePod(DecodePod(EncodePod(p)))
// == EncodePod(p), for every Pod that decoded.
//
// Built and run by tools/fuzz_api.sh SECONDS (clang, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/json_codec.h"
#include "api/manifest.h"
#include "api/manifest_loader.h"
#include "api/uid.h"

namespace {

void CheckRoundTrip(const probelet::api::Pod& pod) {
  nlohmann::json once = probelet::api::EncodePod(pod);
  std::vector<std::string> warnings;
  auto decoded = probelet::api::DecodePod(once, &warnings);
  if (!decoded.ok() && pod.kind == "Pod" && pod.api_version == "v1") {
    // EncodePod output of a decoded Pod must decode: anything else is a codec bug.
    std::abort();
  }
  if (decoded.ok() && probelet::api::EncodePod(*decoded) != once) std::abort();
  if (!warnings.empty()) std::abort();  // the encoder wrote a field the decoder does not know
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto format : {probelet::api::ManifestFormat::kYaml, probelet::api::ManifestFormat::kJson}) {
    probelet::api::UidGenerator uids(1);
    auto loaded = probelet::api::LoadPodsFromText(text, format, "fuzz", uids);
    for (const auto& p : loaded.pods) CheckRoundTrip(p.pod);
    for (const auto& d : loaded.diagnostics) (void)d.ToString();
    auto decoded = probelet::api::DecodeManifest(text, format, "fuzz");
    for (const auto& p : decoded.pods) {
      if (p.error_paths.empty()) CheckRoundTrip(p.pod);
    }
  }
  return 0;
}
