// runtime_holder MODE FIFO: holds a ProcessRuntime (MODE "cgroup" or "group") running one
// container, `sh -c 'sleep 1000 & echo $$$$ $! > FIFO; wait'`, until it is killed. The test
// kills this process with SIGKILL, as if probelet died, and checks that the container's leader
// and its background child are gone. Prints "started" once StartContainer has returned.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <string>

#include "base/asio_clock.h"
#include "runtime/process_runtime.h"

int main(int argc, char** argv) {
  using namespace probelet;
  if (argc != 3) {
    std::fprintf(stderr, "usage: runtime_holder cgroup|group FIFO\n");
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_color_st("holder"));  // stdout is for "started"
  boost::asio::io_context io;
  base::AsioClock clock(io);
  runtime::ProcessRuntimeOptions options;
  options.use_cgroups = std::string(argv[1]) == "cgroup";
  runtime::ProcessRuntime rt(io, clock, options);
  runtime::ContainerConfig config;
  config.container.name = "holder";
  config.container.command = {"/bin/sh", "-c",
                              std::string("sleep 1000 & echo $$$$ $! > ") + argv[2] + "; wait"};
  auto id = rt.CreateContainerNow(config);
  if (!id.ok()) return 3;
  if (auto st = rt.StartContainerNow(*id); !st.ok()) {
    std::fprintf(stderr, "start: %s\n", st.error().message.c_str());
    return 4;
  }
  // Started, and the runtime's guard has been told about it: the test may kill us now.
  std::printf("started\n");
  std::fflush(stdout);
  auto work = boost::asio::make_work_guard(io);
  io.run();
  return 0;
}
