// Blocking HTTP/1.1 test clients for the API server's tests: a well-behaved one (Get) and a raw
// socket (RawConnection) for hostile behaviour. Every call is bounded by a timeout, so a server
// that hangs fails the test instead of hanging it.
//
// Thread: the test thread (the server runs its loop on another).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/expected.h"

namespace probelet::server::testing {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  const std::string& Header(const std::string& lower_name) const {
    static const std::string kEmpty;
    auto it = headers.find(lower_name);
    return it == headers.end() ? kEmpty : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection ("127.0.0.1:PORT"), the whole response read.
base::Expected<ClientResponse> Get(const std::string& address, const std::string& target,
                                   const Headers& headers = {}, const std::string& method = "GET",
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A plain TCP connection that sends and reads raw bytes.
class RawConnection {
 public:
  static base::Expected<RawConnection> Connect(const std::string& address);
  // Connect, or a failed test and a connection whose every operation fails.
  static RawConnection MustConnect(const std::string& address);
  RawConnection(RawConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RawConnection& operator=(RawConnection&& other) noexcept;
  ~RawConnection();

  // False when the peer has closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads what arrives within `timeout` (stops early at the peer's close).
  std::string ReadFor(std::chrono::milliseconds timeout);
  // Reads until the peer closes; nullopt if it has not closed within `timeout`.
  std::optional<std::string> ReadUntilClosed(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace probelet::server::testing
