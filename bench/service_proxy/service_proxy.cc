// service_proxy: probelet's L4 proxy alone, for bench/service_proxy/run.sh. One ServicePortProxy
// on --listen with a RandomPicker over the --backend addresses, on one Asio loop (one thread,
// as in probelet), until SIGINT/SIGTERM; then prints its counters.
//
//   service_proxy --listen 127.0.0.1:18000 --backend 127.0.0.1:18001 --backend ... [--splice]
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/asio_clock.h"
#include "proxy/random_picker.h"
#include "proxy/service_port_proxy.h"

namespace {

bool SplitHostPort(const std::string& s, std::string* host, uint16_t* port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  *host = s.substr(0, colon);
  *port = static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace probelet;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;
  std::vector<proxy::Backend> backends;
  proxy::ServicePortProxyOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      if (!SplitHostPort(argv[++i], &listen_host, &listen_port)) return 2;
    } else if (arg == "--backend" && i + 1 < argc) {
      proxy::Backend b;
      if (!SplitHostPort(argv[++i], &b.ip, &b.port)) return 2;
      backends.push_back(b);
    } else if (arg == "--splice") {
      options.copy_mode = proxy::CopyMode::kSplice;
    } else {
      std::fprintf(stderr, "usage: service_proxy --listen H:P --backend H:P... [--splice]\n");
      return 2;
    }
  }
  // The bench holds thousands of sockets: take the whole hard limit.
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);

  boost::asio::io_context io(1);
  base::AsioClock clock(io);
  proxy::RandomPicker picker;
  picker.SetBackends(backends);
  auto p = proxy::ServicePortProxy::Listen(io, clock, picker, listen_host, listen_port, options);
  if (!p.ok()) {
    std::fprintf(stderr, "service_proxy: %s\n", p.error().message.c_str());
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  std::printf("listening on %s:%u (%s)\n", listen_host.c_str(), (*p)->port(),
              options.copy_mode == proxy::CopyMode::kSplice ? "splice" : "read/write");
  std::fflush(stdout);
  io.run();
  const auto& c = (*p)->counters();
  std::printf("accepted %lu refused %lu failed %lu active %lu bytes_up %lu bytes_down %lu\n",
              static_cast<unsigned long>(c.accepted), static_cast<unsigned long>(c.refused),
              static_cast<unsigned long>(c.failed), static_cast<unsigned long>(c.active),
              static_cast<unsigned long>(c.bytes_client_to_backend),
              static_cast<unsigned long>(c.bytes_backend_to_client));
  return 0;
}
