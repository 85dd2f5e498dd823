// AgentClient: the CLI views' small synchronous HTTP/1.1 client for an agent's API (--api,
// default 127.0.0.1:10255). One request per connection; plain requests are bounded by a
// timeout, a streamed one (`logs -f`) lasts until the agent ends it.
//
// Used on the main thread by one command at a time.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace probelet::cli {

inline constexpr const char* kDefaultApiAddress = "127.0.0.1:10255";

struct AgentResponse {
  int status = 0;
  std::string body;
};

class AgentClient {
 public:
  explicit AgentClient(std::string address,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : address_(std::move(address)), timeout_(timeout) {}

  // GET `target`. The error says when no agent answers at the address.
  base::Expected<AgentResponse> Get(const std::string& target,
                                    const std::string& accept = "application/json") const;
  // GET `target`, handing the body to `sink` piece by piece as it arrives (no overall timeout:
  // for `logs -f`). A non-200 answer is returned whole, without calling `sink`.
  base::Expected<AgentResponse> Stream(const std::string& target,
                                       const std::function<void(std::string_view)>& sink) const;

  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::chrono::milliseconds timeout_;
};

// The message kubectl prints for an API error body (a v1 Status): "Error from server
// (NotFound): pods \"x\" not found"; the raw body when it is not a Status.
std::string DescribeApiError(const AgentResponse& response);

}  // namespace probelet::cli
