#include "probe/http_errors.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "base/host_port.h"
#include "probe/probe_socket.h"

namespace probelet::probe {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Outcome UrlError(std::string_view url, std::string_view cause) {
  std::string out = "Get \"";
  out += url;
  out += "\": ";
  out += cause;
  return Outcome{Result::kFailure, std::move(out), {}};
}

Outcome BodyError(std::string error) {
  return Outcome{Result::kFailure, std::string(), std::move(error)};
}

std::string NetOpError(std::string_view op, const tcp::socket& socket, const error_code& ec) {
  error_code ignored;
  const tcp::endpoint local = socket.local_endpoint(ignored);
  const tcp::endpoint remote = socket.remote_endpoint(ignored);
  std::string out(op);
  out += " tcp ";
  out += base::JoinHostPort(local.address().to_string(), local.port());
  out += "->";
  out += base::JoinHostPort(remote.address().to_string(), remote.port());
  out += ": ";
  out += op;
  out += ": ";
  out += ec.category() == asio::error::get_system_category() ? ErrnoText(ec.value()) : ec.message();
  return out;
}

std::string MalformedStatusLine(std::string_view buffered) {
  std::string_view line = buffered.substr(0, buffered.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return "malformed HTTP response \"" + std::string(line) + "\"";
  }
  const std::string_view proto = line.substr(0, space);
  std::string_view rest = line.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const std::string_view code = rest.substr(0, rest.find(' '));
  if (code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "malformed HTTP status code \"" + std::string(code) + "\"";
  }
  const bool version_ok = proto.size() == 8 && proto.substr(0, 5) == "HTTP/" && proto[5] >= '0' &&
                          proto[5] <= '9' && proto[6] == '.' && proto[7] >= '0' && proto[7] <= '9';
  if (!version_ok) return "malformed HTTP version \"" + std::string(proto) + "\"";
  return "malformed HTTP response \"" + std::string(line) + "\"";
}

std::string TlsErrorText(const error_code& ec) {
  if (ec == ssl::error::stream_truncated || ec == asio::error::eof) return "EOF";
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_UNKNOWN_PROTOCOL:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_RECORD_LENGTH_MISMATCH:
      case SSL_R_HTTP_REQUEST:
        return "tls: first record does not look like a TLS handshake";
      case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return "remote error: tls: handshake failure";
      default:
        break;
    }
  }
  return "tls: " + ec.message();
}

std::string HeadersTooLarge(size_t limit) {
  return "net/http: server response headers exceeded " + std::to_string(limit) + " bytes; aborted";
}

}  // namespace probelet::probe
