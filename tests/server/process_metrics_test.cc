#include "server/process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace probelet::server {
namespace {

// The value of `name` in the exposition text, or -1 when absent.
double Value(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// The open fds as the directory lists them (the count's other source), less the stream's own.
int ListedFds() {
  DIR* dir = opendir("/proc/self/fd");
  int n = 0;
  while (dirent* e = readdir(dir)) n += e->d_name[0] != '.';
  closedir(dir);
  return n - 1;
}

TEST(ProcessMetricsTest, OpenFdsCountsEveryOpenDescriptor) {
  std::string before;
  WriteProcessMetrics(before);
  ASSERT_EQ(Value(before, "process_open_fds"), ListedFds());
  std::vector<base::UniqueFd> fds;
  for (int i = 0; i < 100; ++i) fds.emplace_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::string after;
  WriteProcessMetrics(after);
  EXPECT_EQ(Value(after, "process_open_fds"), Value(before, "process_open_fds") + 100);
  EXPECT_EQ(Value(after, "process_open_fds"), ListedFds());
}

}  // namespace
}  // namespace probelet::server
