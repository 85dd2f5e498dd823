// gRPC statuses as Go prints them, for the kubelet's texts that carry a gRPC error: the gRPC
// prober's (§5.5, e.g. `error: health rpc probe failed: rpc error: code = Unavailable desc =
// ...`) and the CRI runtime's (the kubelet's remote runtime returns grpc-go's status errors, so
// `Failed to pull image "x": rpc error: code = NotFound desc = ...`). Codes are the numbers of
// the gRPC spec, the same in every language (0 OK ... 16 Unauthenticated), so base needs no
// gRPC header: callers pass static_cast<int>(status.error_code()).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace probelet::base {

// Go's codes.Code.String(): "OK", "Canceled", "Unknown", "InvalidArgument",
// "DeadlineExceeded", ... "Unauthenticated"; "Code(N)" for a number outside the spec.
std::string GoCodeName(int code);

// grpc-go's (*status.Status).Err().Error(): "rpc error: code = <GoCodeName> desc = <message>".
std::string GoStatusError(int code, std::string_view message);

}  // namespace probelet::base
