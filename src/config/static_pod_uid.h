// StaticPodUid: the UID of a pod from a manifest file that names none, derived from its content
// as the kubelet's file source derives a static pod's (pkg/kubelet/config/common.go
// applyDefaults: an MD5 of the pod object, then "host:<node>" and "file:<path>", in hex). The
// same content in the same file on the same node gives the same UID, so rewriting a file
// unchanged changes nothing, and any change to the pod gives a new UID (a new pod).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/pod.h"
#include "api/service.h"

namespace probelet::config {

// `pod` as loaded and defaulted, without a UID (its metadata.uid is ignored) and without status.
std::string StaticPodUid(const api::Pod& pod, std::string_view node_name, std::string_view path);

// The same for a Service (the API server would assign a random one): stable for the same
// content, which keeps its EndpointSlice names stable.
std::string StaticServiceUid(const api::Service& service, std::string_view node_name,
                             std::string_view path);

}  // namespace probelet::config
