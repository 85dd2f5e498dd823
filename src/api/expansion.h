// $(VAR) expansion of command, args and exec probe commands, with Kubernetes' rules
// (third_party/forked/golang/expansion; probe-semantics.md §5.2.1): `$$` escapes, a reference
// runs to the first `)`, unresolved references stay as written.
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/pod.h"

namespace probelet::api {

// Expands every $(NAME) in `input` with `lookup(NAME)`; a nullopt lookup keeps "$(NAME)".
std::string Expand(std::string_view input,
                   const std::function<std::optional<std::string>(std::string_view)>& lookup);

// The exec probe variant (kubelet ExpandContainerCommandOnlyStatic): the map is the container's
// own env, name -> literal `value` (valueFrom entries expand to ""), later entries win.
std::vector<std::string> ExpandContainerCommandOnlyStatic(const std::vector<std::string>& command,
                                                          const std::vector<EnvVar>& env);

}  // namespace probelet::api
