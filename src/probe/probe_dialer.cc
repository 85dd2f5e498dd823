#include "probe/probe_dialer.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace probelet::probe {

// SO_LINGER on HTTP and TCP probe sockets (§5.1.4, §9.1). Linux keeps a socket in TIME_WAIT
// for 60 s whatever the linger time; only a zero linger (RST on close) avoids it. A non-zero
// linger also makes close() block up to the linger time, even on a non-blocking socket, which
// on a single event loop would stall every other probe. Hence kReset by default; the measured
// TIME_WAIT and CPU figures of each mode are in bench/probe_load/README.md.
void ApplyCloseMode(int fd, CloseMode mode) {
  if (mode == CloseMode::kPlain) return;
  linger l{};
  l.l_onoff = 1;
  l.l_linger = mode == CloseMode::kLinger1s ? 1 : 0;
  (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

size_t DefaultMaxInFlight() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 16384;
  const size_t soft = static_cast<size_t>(rl.rlim_cur);
  return soft > 2048 ? (soft - 1024) / 2 : std::max<size_t>(soft / 4, 1);
}

std::string ErrnoText(int err) {
  char buf[128];
  // GNU strerror_r returns a pointer to the text (maybe not `buf`).
  std::string text = ::strerror_r(err, buf, sizeof buf);
  // Go's table is glibc's wording with a lower-case first letter.
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

std::string JoinHostPort(std::string_view host, int port) {
  std::string out;
  out.reserve(host.size() + 8);
  if (host.find(':') != std::string_view::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

bool ParseCloseMode(std::string_view name, CloseMode& mode) {
  if (name == "reset") {
    mode = CloseMode::kReset;
  } else if (name == "linger1s") {
    mode = CloseMode::kLinger1s;
  } else if (name == "plain") {
    mode = CloseMode::kPlain;
  } else {
    return false;
  }
  return true;
}

}  // namespace probelet::probe
