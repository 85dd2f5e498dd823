#include "config/static_pod_uid.h"

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "api/service_codec.h"

namespace probelet::config {

namespace {

// MD5 of `text`, "host:<node>" and "file:<path>", in lowercase hex.
std::string ContentUid(std::string text, std::string_view node_name, std::string_view path) {
  text += "host:";
  text += node_name;
  text += "file:";
  text += path;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uid;
  for (unsigned int i = 0; i < length; ++i) {
    uid += kHex[digest[i] >> 4];
    uid += kHex[digest[i] & 0xf];
  }
  return uid;
}

}  // namespace

std::string StaticPodUid(const api::Pod& pod, std::string_view node_name, std::string_view path) {
  api::Pod content = pod;
  content.metadata.uid.clear();
  content.status = api::PodStatus{};
  // The encoding is canonical: nlohmann orders object keys, so equal pods hash equally.
  return ContentUid(api::EncodePod(content).dump(), node_name, path);
}

std::string StaticServiceUid(const api::Service& service, std::string_view node_name,
                             std::string_view path) {
  api::Service content = service;
  content.metadata.uid.clear();
  return ContentUid("service:" + api::EncodeService(content).dump(), node_name, path);
}

}  // namespace probelet::config
