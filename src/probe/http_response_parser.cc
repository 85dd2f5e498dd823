#include "probe/http_response_parser.h"

#include <algorithm>

namespace probelet::probe {

namespace bhttp = boost::beast::http;

HttpResponseParser::HttpResponseParser(std::string& body) : body_(body) {
  header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
  body_limit(boost::none);
  eager(true);
}

void HttpResponseParser::on_field_impl(bhttp::field name, StringView, StringView value,
                                       ErrorCode&) {
  if (name == bhttp::field::location && !location_) location_.emplace(value.data(), value.size());
}

size_t HttpResponseParser::on_body_impl(StringView s, ErrorCode&) {
  Keep(s);
  return s.size();
}

size_t HttpResponseParser::on_chunk_body_impl(std::uint64_t, StringView s, ErrorCode&) {
  Keep(s);
  return s.size();
}

void HttpResponseParser::Keep(StringView s) {
  const size_t room = kMaxRespBodyLength - std::min(body_.size(), kMaxRespBodyLength);
  body_.append(s.data(), std::min(room, s.size()));
}

}  // namespace probelet::probe
