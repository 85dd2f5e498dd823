// The CLI views: `probelet get pods|events|services|endpoints|endpointslices`,
// `probelet describe pod|service NAME`, `probelet logs POD`, `probelet probes [POD]`.
// They read a running agent through its API (--api, default 127.0.0.1:10255), ask it for what
// kubectl asks for (Tables, the pod, its events, its log) and print what kubectl prints:
//
//   probelet get pods [NAME] [-o wide|json|yaml] [-n NS] [--api ADDR]
//   probelet get events [-n NS] [--api ADDR]
//   probelet get services|endpoints|endpointslices [NAME] [-o wide|json|yaml] [-n NS]
//   probelet describe pod|service NAME [-n NS] [--api ADDR]
//   probelet logs POD [-c CONTAINER] [-f] [-p|--previous] [--tail N] [--timestamps] [-n NS]
//   probelet probes [POD] [-n NS] [-o json] [--api ADDR]
//
// Without -n, every namespace is shown (an agent is one node), with a NAMESPACE column when any
// object is outside "default". Exit 0 on success, 1 when no agent answers (with a message
// naming the address) or the agent answers an error (printed as kubectl does), 2 on bad
// arguments.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/view_client.h"
#include "cli/view_describe.h"
#include "cli/view_probes.h"
#include "cli/view_table.h"
#include "server/http_target.h"

namespace probelet::cli {
namespace {

using nlohmann::json;

constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

// GET `target` as JSON: the parsed body, or the exit code after printing the error.
struct JsonResult {
  json body;
  int exit_code = 0;
};
JsonResult GetJson(const AgentClient& client, const std::string& target,
                   const char* accept = "application/json") {
  auto r = client.Get(target, accept);
  if (!r.ok()) return {json(), Fail("probelet: " + r.error().message)};
  if (r->status != 200) return {json(), Fail(DescribeApiError(*r))};
  json body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return {json(), Fail("probelet: the agent at " + client.address() + " sent invalid JSON")};
  }
  return {std::move(body), 0};
}

// The list path for `resource` ("pods", "events", "services", ...) in `ns` ("" = all
// namespaces), with an optional field selector.
std::string ListPath(const std::string& resource, const std::string& ns,
                     const std::string& field_selector = "") {
  std::string group = resource == "endpointslices" ? "/apis/discovery.k8s.io/v1" : "/api/v1";
  std::string path =
      ns.empty() ? group + "/" + resource : group + "/namespaces/" + ns + "/" + resource;
  if (!field_selector.empty()) path += "?fieldSelector=" + server::PercentEncode(field_selector);
  return path;
}

// Finds `name` of `resource` ("pods", "services") in `ns`, or in any namespace: the object's
// JSON, or an exit code.
JsonResult FindObject(const AgentClient& client, const std::string& resource,
                      const std::string& name, const std::string& ns) {
  JsonResult list = GetJson(client, ListPath(resource, ns, "metadata.name=" + name));
  if (list.exit_code != 0) return list;
  const json& items = list.body.value("items", json::array());
  if (items.empty()) {
    return {json(),
            Fail("Error from server (NotFound): " + resource + " \"" + name + "\" not found")};
  }
  if (items.size() > 1) {
    std::string kind = resource.substr(0, resource.size() - 1);
    return {json(), Fail("probelet: " + kind + " \"" + name +
                         "\" exists in several namespaces; choose one with -n")};
  }
  return {items[0], 0};
}

JsonResult FindPod(const AgentClient& client, const std::string& name, const std::string& ns) {
  return FindObject(client, "pods", name, ns);
}

void EmitYaml(YAML::Emitter& out, const json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      out << YAML::Key << k << YAML::Value;
      EmitYaml(out, v);
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const json& v : j) EmitYaml(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();
  }
}

std::string ToYaml(const json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  EmitYaml(out, j);
  return std::string(out.c_str()) + "\n";
}

bool AnyOutsideDefault(const std::vector<std::string>& namespaces) {
  for (const auto& ns : namespaces) {
    if (ns != "default") return true;
  }
  return false;
}

int GetTable(const AgentClient& client, const std::string& resource, const std::string& name,
             const std::string& ns, bool wide) {
  std::string selector = name.empty() ? "" : "metadata.name=" + name;
  JsonResult table = GetJson(client, ListPath(resource, ns, selector), kTableAccept);
  if (table.exit_code != 0) return table.exit_code;
  if (table.body.value("rows", json::array()).empty()) {
    if (!name.empty()) {
      return Fail("Error from server (NotFound): " + resource + " \"" + name + "\" not found");
    }
    std::fprintf(stderr, "No resources found%s\n",
                 ns.empty() ? "" : (" in " + ns + " namespace.").c_str());
    return 0;
  }
  bool with_namespace = ns.empty() && AnyOutsideDefault(TableNamespaces(table.body));
  std::fputs(PrintTable(table.body, wide, with_namespace).c_str(), stdout);
  return 0;
}

std::string NormalizeResource(const std::string& r) {
  if (r == "pods" || r == "pod" || r == "po") return "pods";
  if (r == "events" || r == "event" || r == "ev") return "events";
  if (r == "services" || r == "service" || r == "svc") return "services";
  if (r == "endpoints" || r == "ep") return "endpoints";
  if (r == "endpointslices" || r == "endpointslice") return "endpointslices";
  return "";
}

api::Time Now() {
  return std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
}

// kubectl describe service: the Service, its Endpoints (the ready addresses) and its events.
int DescribeServiceView(const AgentClient& client, const std::string& name, const std::string& ns) {
  JsonResult service = FindObject(client, "services", name, ns);
  if (service.exit_code != 0) return service.exit_code;
  const json& meta = service.body["metadata"];
  std::string svc_ns = meta.value("namespace", "");
  JsonResult endpoints = GetJson(client, ListPath("endpoints", svc_ns, "metadata.name=" + name));
  if (endpoints.exit_code != 0) return endpoints.exit_code;
  const json& items = endpoints.body.value("items", json::array());
  JsonResult events = GetJson(
      client, ListPath("events", svc_ns,
                       "involvedObject.name=" + name + ",involvedObject.namespace=" + svc_ns +
                           ",involvedObject.uid=" + meta.value("uid", "")));
  if (events.exit_code != 0) return events.exit_code;
  std::fputs(
      DescribeService(service.body, items.empty() ? json() : items[0], events.body, Now()).c_str(),
      stdout);
  return 0;
}

}  // namespace

int GetMain(const Args& args) {
  CLI::App app{
      "Show the pods, events, services, endpoints or endpointslices of a running agent, as\n"
      "`kubectl get` does.",
      "probelet get"};
  std::string resource, name, output, ns, address = kDefaultApiAddress;
  app.add_option("resource", resource, "pods | events | services | endpoints | endpointslices")
      ->required();
  app.add_option("name", name, "one object");
  app.add_option("-o,--output", output, "wide | json | yaml")
      ->check(CLI::IsMember({"wide", "json", "yaml"}));
  app.add_option("-n,--namespace", ns, "only this namespace (default: all)");
  app.add_option("--api", address, "the agent's API address")->capture_default_str();
  if (auto exit = ParseCommandLine(app, args)) return Emit(*exit);
  std::string kind = NormalizeResource(resource);
  if (kind.empty()) {
    std::fprintf(stderr,
                 "probelet get: unknown resource \"%s\" (pods, events, services, endpoints or "
                 "endpointslices)\n",
                 resource.c_str());
    return 2;
  }
  AgentClient client(address);
  if (output == "json" || output == "yaml") {
    JsonResult got;
    if (!name.empty() && kind != "events") {
      got = FindObject(client, kind, name, ns);
    } else {
      got = GetJson(client, ListPath(kind, ns, name.empty() ? "" : "metadata.name=" + name));
    }
    if (got.exit_code != 0) return got.exit_code;
    std::string text = output == "json" ? got.body.dump(4) + "\n" : ToYaml(got.body);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  return GetTable(client, kind, name, ns, output == "wide");
}

int DescribeMain(const Args& args) {
  CLI::App app{"Describe a pod or a service of a running agent, as `kubectl describe` does.",
               "probelet describe"};
  std::string resource, name, ns, address = kDefaultApiAddress;
  app.add_option("resource", resource, "pod | service")->required();
  app.add_option("name", name, "the pod or service")->required();
  app.add_option("-n,--namespace", ns, "its namespace (default: any)");
  app.add_option("--api", address, "the agent's API address")->capture_default_str();
  if (auto exit = ParseCommandLine(app, args)) return Emit(*exit);
  std::string kind = NormalizeResource(resource);
  if (kind != "pods" && kind != "services") {
    std::fprintf(stderr, "probelet describe: unknown resource \"%s\" (pod or service)\n",
                 resource.c_str());
    return 2;
  }
  AgentClient client(address);
  if (kind == "services") return DescribeServiceView(client, name, ns);
  JsonResult pod = FindPod(client, name, ns);
  if (pod.exit_code != 0) return pod.exit_code;
  const json& meta = pod.body["metadata"];
  std::string pod_ns = meta.value("namespace", "");
  // The field selector kubectl sends for describe.
  JsonResult events = GetJson(
      client, ListPath("events", pod_ns,
                       "involvedObject.name=" + name + ",involvedObject.namespace=" + pod_ns +
                           ",involvedObject.uid=" + meta.value("uid", "")));
  if (events.exit_code != 0) return events.exit_code;
  // The probes' last attempts (issue 14). An agent without /probes (or any error) just leaves
  // them out: describe stays what kubectl prints.
  json probes;
  auto r = client.Get("/probes?attempts=5&namespace=" + server::PercentEncode(pod_ns) +
                      "&pod=" + server::PercentEncode(name));
  if (r.ok() && r->status == 200) {
    json list = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (list.is_object()) probes = list.value("items", json());
  }
  std::fputs(DescribePod(pod.body, events.body, Now(), probes).c_str(), stdout);
  return 0;
}

int ProbesMain(const Args& args) {
  CLI::App app{
      "List the probe workers of a running agent: each probe's cached result, its\n"
      "threshold state and its last attempt (the agent's GET /probes).",
      "probelet probes"};
  std::string pod_name, ns, output, address = kDefaultApiAddress;
  app.add_option("pod", pod_name, "only this pod's probes");
  app.add_option("-n,--namespace", ns, "only this namespace (default: all)");
  app.add_option("-o,--output", output, "json: the agent's ProbeWorkerList as it is")
      ->check(CLI::IsMember({"json"}));
  app.add_option("--api", address, "the agent's API address")->capture_default_str();
  if (auto exit = ParseCommandLine(app, args)) return Emit(*exit);
  AgentClient client(address);
  std::string target =
      "/probes?namespace=" + server::PercentEncode(ns) + "&pod=" + server::PercentEncode(pod_name);
  JsonResult list = GetJson(client, target);
  if (list.exit_code != 0) return list.exit_code;
  if (output == "json") {
    std::fputs((list.body.dump(4) + "\n").c_str(), stdout);
    return 0;
  }
  const json& items = list.body.value("items", json::array());
  if (items.empty()) {
    std::fprintf(stderr, "No probes found%s\n",
                 pod_name.empty() ? "" : (" for pod " + pod_name + ".").c_str());
    return pod_name.empty() ? 0 : 1;
  }
  std::vector<std::string> namespaces;
  for (const json& w : items) namespaces.push_back(w["pod"].value("namespace", ""));
  std::fputs(ProbesTable(items, Now(), ns.empty() && AnyOutsideDefault(namespaces)).c_str(),
             stdout);
  return 0;
}

int LogsMain(const Args& args) {
  CLI::App app{"Print a container's log from a running agent, as `kubectl logs` does.",
               "probelet logs"};
  std::string pod_name, container, ns, address = kDefaultApiAddress;
  bool follow = false, previous = false, timestamps = false;
  std::optional<int64_t> tail;
  app.add_option("pod", pod_name, "the pod")->required();
  app.add_option("-c,--container", container, "the container (default: the first)");
  app.add_flag("-f,--follow", follow, "keep printing new lines");
  app.add_flag("-p,--previous", previous, "the previous instance of the container");
  app.add_option("--tail", tail, "only the last N lines");
  app.add_flag("--timestamps", timestamps, "the time of each line first");
  app.add_option("-n,--namespace", ns, "the pod's namespace (default: any)");
  app.add_option("--api", address, "the agent's API address")->capture_default_str();
  if (auto exit = ParseCommandLine(app, args)) return Emit(*exit);
  AgentClient client(address);
  JsonResult pod = FindPod(client, pod_name, ns);
  if (pod.exit_code != 0) return pod.exit_code;
  std::string pod_ns = pod.body["metadata"].value("namespace", "");
  if (container.empty()) {
    // kubectl: the default-container annotation, else the first container, said on stderr
    // when there was a choice.
    const json& spec = pod.body["spec"];
    std::vector<std::string> names;
    std::string all;
    for (const json& c : spec.value("containers", json::array())) {
      names.push_back(c.value("name", ""));
      all += (all.empty() ? "" : ", ") + names.back();
    }
    for (const json& c : spec.value("initContainers", json::array())) {
      all += (all.empty() ? "" : ", ") + c.value("name", "") + " (init)";
    }
    const json& annotations = pod.body["metadata"].value("annotations", json::object());
    container = annotations.value("kubectl.kubernetes.io/default-container", "");
    if (container.empty() && !names.empty()) container = names.front();
    if (names.size() + spec.value("initContainers", json::array()).size() > 1) {
      std::fprintf(stderr, "Defaulted container \"%s\" out of: %s\n", container.c_str(),
                   all.c_str());
    }
  }
  std::string target = "/api/v1/namespaces/" + pod_ns + "/pods/" + pod_name +
                       "/log?container=" + server::PercentEncode(container);
  if (follow) target += "&follow=true";
  if (previous) target += "&previous=true";
  if (timestamps) target += "&timestamps=true";
  if (tail) target += "&tailLines=" + std::to_string(*tail);
  auto r = client.Stream(target, [](std::string_view data) {
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fflush(stdout);
  });
  if (!r.ok()) return Fail("probelet: " + r.error().message);
  if (r->status != 200) return Fail(DescribeApiError(*r));
  return 0;
}

}  // namespace probelet::cli
