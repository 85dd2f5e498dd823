#include "probe/http_response_parser.h"

#include <algorithm>

namespace probelet::probe {

namespace bhttp = boost::beast::http;

HttpResponseParser::HttpResponseParser(std::string& body) : body_(body) {
  header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
  body_limit(boost::none);
  eager(true);
}

void HttpResponseParser::on_field_impl(bhttp::field name, string_view, string_view value,
                                       error_code&) {
  if (name == bhttp::field::location && !location_) location_.emplace(value.data(), value.size());
}

size_t HttpResponseParser::on_body_impl(string_view s, error_code&) {
  Keep(s);
  return s.size();
}

size_t HttpResponseParser::on_chunk_body_impl(std::uint64_t, string_view s, error_code&) {
  Keep(s);
  return s.size();
}

void HttpResponseParser::Keep(string_view s) {
  const size_t room = kMaxRespBodyLength - std::min(body_.size(), kMaxRespBodyLength);
  body_.append(s.data(), std::min(room, s.size()));
}

}  // namespace probelet::probe
