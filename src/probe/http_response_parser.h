// HttpResponseParser: how the HTTP prober parses a response. Beast's basic_parser with
// callbacks that keep only what a probe needs: the status, the first Location, and the body up
// to kMaxRespBodyLength (the rest is parsed and dropped, §5.3.4.2), with the header block
// limited to kMaxResponseHeaderBytes. Eager: every body byte handed to put() is consumed,
// except a partial chunk header.
//
// Included only by the HTTP prober's .cc files (it brings in Beast's parser).
//
// Thread safety: one attempt's; not shared. Ownership: `body` is the caller's and must outlive
// the parser.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace probelet::probe {

// http.go maxRespBodyLength: the body is cut here without an error (§5.3.4.2).
inline constexpr size_t kMaxRespBodyLength = 10240;
// Go allows 10 MB of response headers; a probe has no use for more than this.
inline constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;

class HttpResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // Appends the body (up to kMaxRespBodyLength bytes in all) to `body`.
  explicit HttpResponseParser(std::string& body);
  int status() const { return status_; }  // 0 until the status line is parsed
  const std::optional<std::string>& location() const { return location_; }
  bool body_full() const { return body_.size() >= kMaxRespBodyLength; }

 private:
  using StringView = boost::beast::string_view;
  using ErrorCode = boost::system::error_code;
  void on_request_impl(boost::beast::http::verb, StringView, StringView, int, ErrorCode&) override {
  }
  void on_response_impl(int code, StringView, int, ErrorCode&) override { status_ = code; }
  void on_field_impl(boost::beast::http::field name, StringView, StringView value,
                     ErrorCode&) override;
  void on_header_impl(ErrorCode&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, ErrorCode&) override {}
  size_t on_body_impl(StringView s, ErrorCode&) override;
  void on_chunk_header_impl(std::uint64_t, StringView, ErrorCode&) override {}
  size_t on_chunk_body_impl(std::uint64_t, StringView s, ErrorCode&) override;
  void on_finish_impl(ErrorCode&) override {}

  void Keep(StringView s);

  std::string& body_;
  int status_ = 0;
  std::optional<std::string> location_;
};

}  // namespace probelet::probe
