// Go's fmt %v (and %s) of a []string, used where the kubelet's messages print a list of
// names, e.g. the Ready condition's "containers with unready status: [app side]" (§6.12) or
// kubectl describe's "exec [sh -c true]". Elements are printed as they are (no quoting) and
// separated by one space; an empty or nil slice is "[]".
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace probelet::base {

std::string GoList(const std::vector<std::string>& elements);

}  // namespace probelet::base
