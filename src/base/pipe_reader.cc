#include "base/pipe_reader.h"

#include <fcntl.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace probelet::base {

struct PipeReader::State {
  State(boost::asio::io_context& io, int fd) : sd(io, fd) {}
  boost::asio::posix::stream_descriptor sd;
  std::array<char, 16 * 1024> buf;
  DataFn on_data;
  EofFn on_eof;
  bool eof = false;
  bool closed = false;

  static void ReadMore(const std::shared_ptr<State>& self) {
    self->sd.async_read_some(boost::asio::buffer(self->buf),
                             [self](const boost::system::error_code& ec, size_t n) {
                               if (self->closed) return;
                               if (n > 0) self->on_data(std::string_view(self->buf.data(), n));
                               if (self->closed) return;  // on_data may have closed us
                               if (ec) {
                                 self->eof = true;
                                 self->closed = true;
                                 boost::system::error_code ignored;
                                 self->sd.close(ignored);
                                 auto eof_fn = std::move(self->on_eof);
                                 self->on_data = nullptr;
                                 if (eof_fn) eof_fn();
                                 return;
                               }
                               ReadMore(self);
                             });
  }
};

PipeReader::PipeReader(boost::asio::io_context& io, int fd, DataFn on_data, EofFn on_eof)
    : state_(std::make_shared<State>(io, fd)) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  state_->on_data = std::move(on_data);
  state_->on_eof = std::move(on_eof);
  State::ReadMore(state_);
}

PipeReader::~PipeReader() { Close(); }

void PipeReader::Close() {
  if (state_->closed) return;
  state_->closed = true;
  state_->on_data = nullptr;
  state_->on_eof = nullptr;
  boost::system::error_code ignored;
  state_->sd.close(ignored);
}

bool PipeReader::eof() const { return state_->eof; }

}  // namespace probelet::base
