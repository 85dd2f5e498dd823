// Shared fixtures for the api tests: the testdata directory and a minimal valid Pod.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "api/pod.h"

namespace probelet::api::testing {

inline std::string TestdataPath(const std::string& name) {
  return std::string(PROBELET_SOURCE_DIR) + "/tests/api/testdata/" + name;
}

inline std::string ReadTestdata(const std::string& name) {
  std::ifstream in(TestdataPath(name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A defaulted Pod that passes validation: one container "web" with a command and a port.
inline Pod ValidPod() {
  Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "0b6f1a1e-8f7c-4d2a-9c1e-2f3a4b5c6d7e";
  pod.spec.restart_policy = "Always";
  pod.spec.termination_grace_period_seconds = 30;
  Container c;
  c.name = "web";
  c.command = {"/bin/server"};
  c.ports.push_back({"http", 8080, "TCP"});
  pod.spec.containers.push_back(c);
  return pod;
}

// A defaulted probe with the given handler set.
inline Probe ValidProbe() {
  Probe p;
  p.handler.tcp_socket = TCPSocketAction{IntOrString::Int(8080), ""};
  p.timeout_seconds = 1;
  p.period_seconds = 10;
  p.success_threshold = 1;
  p.failure_threshold = 3;
  return p;
}

}  // namespace probelet::api::testing
