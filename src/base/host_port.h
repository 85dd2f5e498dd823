// Go's net.JoinHostPort, the one way probelet writes "host:port": in dial errors
// (`dial tcp 10.0.0.5:80: ...`), URLs, Host headers, gRPC targets and `probelet view`.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace probelet::base {

// "host:port"; a host containing ':' (an IPv6 literal) gets brackets: "[fd00::5]:80". Like Go,
// nothing is validated: the port is written as given, an empty host gives ":80", and a host
// already in brackets gets a second pair.
std::string JoinHostPort(std::string_view host, std::string_view port);
std::string JoinHostPort(std::string_view host, int port);
// The same, appended to `out` without a temporary string (the Host header of every probe).
void AppendHostPort(std::string& out, std::string_view host, int port);

}  // namespace probelet::base
