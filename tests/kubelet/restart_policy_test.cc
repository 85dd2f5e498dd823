// shouldRestartOnFailure with the container-level override (§6.2.2) as a table.
#include "kubelet/restart_policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace probelet::kubelet {
namespace {

TEST(ShouldRestartOnFailureTest, Table) {
  struct Case {
    std::optional<std::string> container;  // nullopt: unset
    std::string pod;
    bool restart;
  };
  const Case kCases[] = {
      {std::nullopt, "Always", true}, {std::nullopt, "OnFailure", true},
      {std::nullopt, "Never", false}, {std::nullopt, "", true},
      {"Always", "Never", true},      {"OnFailure", "Never", true},
      {"Never", "Always", false},     {"Never", "OnFailure", false},
  };
  for (const Case& c : kCases) {
    api::Pod pod;
    pod.spec.restart_policy = c.pod;
    api::Container container;
    container.restart_policy = c.container;
    EXPECT_EQ(ShouldRestartOnFailure(pod, &container), c.restart)
        << "container=" << c.container.value_or("unset") << " pod=" << c.pod;
    // Without a container, only the pod's policy counts.
    EXPECT_EQ(ShouldRestartOnFailure(pod), c.pod != "Never") << "pod=" << c.pod;
  }
}

}  // namespace
}  // namespace probelet::kubelet
