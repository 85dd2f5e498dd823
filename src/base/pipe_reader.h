// PipeReader: reads the parent's end of a child's stdout or stderr pipe on the event loop, as
// fast as the child writes, handing each chunk to a callback: the child never blocks on a full
// pipe because of us. Used for container logs and captured command output.
//
// Thread safety: the io_context's thread. Owns the fd (made non-blocking). Callbacks run on the
// loop, never from inside the constructor; none runs after the reader is destroyed or Close()d.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace probelet::base {

class PipeReader {
 public:
  using DataFn = std::function<void(std::string_view chunk)>;
  using EofFn = std::function<void()>;  // end of file, or a read error (treated alike)

  PipeReader(boost::asio::io_context& io, int fd, DataFn on_data, EofFn on_eof);
  ~PipeReader();
  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;

  // Stops reading and closes the fd (a writer still holding the pipe then gets EPIPE).
  void Close();
  bool eof() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace probelet::base
