#include "cli/view_client.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace probelet::cli {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

base::Error NoAgent(const std::string& address, const std::string& why) {
  return base::Error{"no agent answers at " + address + " (" + why +
                     "); is `probelet run` running there? (--api ADDR)"};
}

void SetTimeouts(tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Connects and sends the request; the socket is ready for the response.
base::Status Send(net::io_context& io, tcp::socket& socket, const std::string& address,
                  const std::string& target, const std::string& accept,
                  std::chrono::milliseconds timeout) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return base::Error{"api address \"" + address + "\": want HOST:PORT"};
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, address.substr(colon + 1), ec);
  if (ec) return NoAgent(address, ec.message());
  net::connect(socket, endpoints, ec);
  if (ec) return NoAgent(address, ec.message());
  SetTimeouts(socket, timeout);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, address);
  req.set(http::field::user_agent, "probelet");
  req.set(http::field::accept, accept);
  req.set(http::field::connection, "close");
  http::write(socket, req, ec);
  if (ec) return NoAgent(address, ec.message());
  return base::Status::Ok();
}

}  // namespace

base::Expected<AgentResponse> AgentClient::Get(const std::string& target,
                                               const std::string& accept) const {
  net::io_context io;
  tcp::socket socket(io);
  if (base::Status s = Send(io, socket, address_, target, accept, timeout_); !s.ok()) {
    return s.error();
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  boost::system::error_code ec;
  http::read(socket, buffer, parser, ec);
  if (ec) return NoAgent(address_, "reading the answer: " + ec.message());
  return AgentResponse{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

base::Expected<AgentResponse> AgentClient::Stream(
    const std::string& target, const std::function<void(std::string_view)>& sink) const {
  net::io_context io;
  tcp::socket socket(io);
  if (base::Status s = Send(io, socket, address_, target, "*/*", timeout_); !s.ok()) {
    return s.error();
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  http::read_header(socket, buffer, parser, ec);
  if (ec) return NoAgent(address_, "reading the answer: " + ec.message());
  AgentResponse response{static_cast<int>(parser.get().result_int()), {}};
  bool ok = response.status == 200;
  if (ok) SetTimeouts(socket, std::chrono::milliseconds(0));  // 0: wait as long as it takes
  char chunk[16 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) break;
    size_t n = sizeof chunk - parser.get().body().size;
    if (ok) {
      sink(std::string_view(chunk, n));
    } else {
      response.body.append(chunk, n);
    }
  }
  if (ec && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return base::Error{"reading from " + address_ + ": " + ec.message()};
  }
  return response;
}

std::string DescribeApiError(const AgentResponse& response) {
  auto j = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    return "Error from server (" + j.value("reason", std::string("Unknown")) +
           "): " + j.value("message", std::string());
  }
  std::string body = response.body;
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  return "Error from server (" + std::to_string(response.status) + "): " + body;
}

}  // namespace probelet::cli
