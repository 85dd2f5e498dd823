// `probelet run FILE_OR_DIR... [--state-dir DIR] [--api ADDR] [--api-allow-remote]
// [--log-format text|json]`
// (issue #5, point 5): loads and validates every manifest first (nothing starts on any error), then
// runs every pod on one event loop until SIGINT or SIGTERM, and stops them the way the kubelet
// stops a deleted pod: liveness and startup probes stop, readiness goes on while each container
// gets its grace period (preStop hook, SIGTERM, SIGKILL), then probelet exits 0. A second signal
// kills every container at once (SIGKILL) and exits 1.
//
// Everything (API server, probes, containers, signals) runs on the main thread's io_context:
// the containers' PR_SET_PDEATHSIG is tied to that thread, which lives as long as probelet.
// The agent itself is a kubelet::Agent; this file adds the flags, the API server, the signals
// and the log lines. An exception that escapes the loop stops every pod gracefully and exits 1.
//
// Log lines (stderr): one per event (Created, Started, Killing, Unhealthy, BackOff, ...), per
// probe result transition, per pod phase or Ready change, plus the runtime's own lines; text by
// default, one JSON object per line with --log-format json (cli/log_writer.h; under journald
// with syslog priorities). Under systemd ($NOTIFY_SOCKET), cli/systemd_notifier.h tells it when
// probelet is ready, how its pods are, that it is alive (the watchdog) and stopping.
#include "cli/run_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/manifest_loader.h"
#include "api/time.h"
#include "api/uid.h"
#include "base/asio_clock.h"
#include "cli/commands.h"
#include "cli/log_writer.h"
#include "cli/manifest_sync.h"
#include "cli/run_runtime.h"
#include "cli/service_pod_source.h"
#include "cli/systemd_notifier.h"
#include "kubelet/agent.h"
#include "kubelet/status_generation.h"
#include "proxy/proxier.h"
#include "server/api_server.h"
#include "server/watch_cache.h"

namespace probelet::cli {
namespace {

constexpr const char* kRunUsage =
    "usage: probelet run FILE_OR_DIR... [--state-dir DIR] [--api ADDR] [--api-allow-remote]\n"
    "                    [--keep-containers-on-exit] [--log-format text|json]\n"
    "                    [--container-runtime-endpoint unix:///PATH [--pod-network node|cni]\n"
    "                     [--exec-probes runtime|direct] [--cgroup-root PATH]]\n"
    "                    [--service-address IP] [--probe-history N]";

constexpr const char* kRunDescription =
    R"(Runs the pods of the given manifests (YAML or JSON files; a directory means its *.yaml, *.yml
and *.json files) as supervised processes on this machine (or, with
--container-runtime-endpoint, as containers of a CRI runtime such as containerd, as the
kubelet does), probes them with the kubelet's
semantics, restarts what fails its liveness or startup probe, and serves their status.
Every manifest is validated first: on any error nothing starts and the exit code is 1.)";

constexpr const char* kRunFooter =
    R"(Stopping: SIGINT or SIGTERM stops every pod gracefully (each container gets its grace period,
then SIGKILL) and exits 0; a second signal kills every container at once and exits 1.
If probelet itself is killed (even with SIGKILL), its containers die with it: each container's
main process has PR_SET_PDEATHSIG(SIGKILL), and a small guard process kills whatever they
started (their cgroup, or their process groups) as soon as probelet is gone. With a CRI
runtime the containers stay in the runtime instead, and the next `probelet run` with the same
state dir removes them before it starts its pods.
)";

std::string PodKey(const api::Pod& pod) {
  return pod.metadata.namespace_ + "/" + pod.metadata.name;
}

// The command line's paths: files (loaded once, strictly) and directories (watched, live).
struct ManifestPaths {
  std::vector<std::string> files;
  std::vector<std::string> dirs;
};

int RunAgent(const RunFlags& flags, const ManifestPaths& paths, const api::LoadResult& loaded,
             LogWriter& log);

}  // namespace

std::string DefaultStateDir() {
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/probelet";
  }
  if (::geteuid() == 0) return "/var/lib/probelet";
  return "/tmp/probelet-" + std::to_string(::geteuid());
}

std::optional<CommandOutput> ParseRunFlags(const Args& args, RunFlags& flags) {
  CLI::App app{kRunDescription, "probelet run"};
  SetUsage(app, kRunUsage);
  app.footer(kRunFooter);
  app.add_option("FILE_OR_DIR", flags.paths, "manifests of the pods to run")->required();
  app.add_option("--state-dir", flags.state_dir,
                 "where container logs go (DIR/pods/<ns>_<pod>_<uid>/<container>/<n>.log) and\n"
                 "what a later probelet with the same DIR needs to adopt the containers that\n"
                 "outlived this one (DIR/containers, DIR/status). Default: $XDG_RUNTIME_DIR/\n"
                 "probelet when XDG_RUNTIME_DIR is set, else /var/lib/probelet as root, else\n"
                 "/tmp/probelet-<uid>.");
  app.add_flag("--keep-containers-on-exit", flags.keep_containers_on_exit,
               "on SIGTERM/SIGINT exit at once and leave every container running, for the\n"
               "next probelet with the same --state-dir to adopt (the systemd unit's mode);\n"
               "without it a signal stops every pod gracefully. A crash or SIGKILL leaves\n"
               "the containers running either way.");
  app.add_option("--api", flags.api,
                 "the read-only API (GET /pods, /events, /probes, /healthz, /metrics); port 0\n"
                 "picks a free port (logged at start); \"none\" turns it off. Only a loopback\n"
                 "address unless --api-allow-remote.")
      ->capture_default_str();
  app.add_flag("--api-allow-remote", flags.api_allow_remote,
               "serve the API on a non-loopback address too (it has no authentication)");
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "text or json: one line per lifecycle event, probe result transition and\n"
                 "pod status change, on stderr")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  auto* endpoint = app.add_option(
      "--container-runtime-endpoint", flags.container_runtime_endpoint,
      "run the pods as containers of the CRI runtime at this endpoint (the kubelet's flag),\n"
      "e.g. unix:///run/containerd/containerd.sock; checked at start (Version, Status).\n"
      "Default: the process runtime (supervised processes, images ignored).");
  std::string pod_network = "node";
  app.add_option("--pod-network", pod_network,
                 "with a CRI runtime: node (every pod uses the node's network: pod IP = node\n"
                 "IP) or cni (the runtime's CNI config gives each pod its IP; probes target it)")
      ->check(CLI::IsMember({"node", "cni"}))
      ->needs(endpoint)
      ->capture_default_str();
  std::string exec_probes = "runtime";
  app.add_option("--exec-probes", exec_probes,
                 "with a CRI runtime: runtime (CRI ExecSync, as the kubelet) or direct (probelet\n"
                 "runs the command in the container's namespaces and cgroup itself, at process\n"
                 "cost; docs/exec-probes.md says what differs)")
      ->check(CLI::IsMember({"runtime", "direct"}))
      ->needs(endpoint)
      ->capture_default_str();
  app.add_option("--cgroup-root", flags.cgroup_root,
                 "with a CRI runtime: the cgroup below which each pod's cgroup parent\n"
                 "(<root>/pod<uid>) is made")
      ->needs(endpoint)
      ->capture_default_str();
  app.add_option("--service-address", flags.service_address,
                 "the address every Service port (and NodePort node port) of the manifests\n"
                 "listens on: their clusterIP, as `kubectl get svc` shows it")
      ->capture_default_str();
  app.add_option("--probe-history", flags.probe_history,
                 "attempts each probe worker keeps for GET /probes, `probelet probes` and\n"
                 "`describe pod` (start, duration, result, output, threshold state); 0 keeps none")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--seed", flags.seed,
                 "seeds the probes' first offsets (default: the pid); the same seed as\n"
                 "`probelet simulate --seed` gives the same offsets for the same manifests");
  // As before CLI11: a flag given twice takes its last value (a wrapper can append overrides).
  for (const char* name :
       {"--state-dir", "--api", "--log-format", "--container-runtime-endpoint", "--pod-network",
        "--exec-probes", "--cgroup-root", "--service-address", "--probe-history", "--seed"}) {
    app.get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  if (auto exit = ParseCommandLine(app, args)) return exit;
  flags.json = log_format == "json";
  flags.cni_network = pod_network == "cni";
  flags.direct_exec_probes = exec_probes == "direct";
  if (flags.state_dir.empty()) flags.state_dir = DefaultStateDir();
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> EventLogFields(const api::Event& e) {
  std::string container = e.involved_object.field_path;
  if (auto open = container.find('{'); open != std::string::npos) {
    container = container.substr(open + 1, container.size() - open - 2);
  }
  std::vector<std::pair<std::string, std::string>> f{
      {"pod", e.involved_object.namespace_ + "/" + e.involved_object.name},
      {"container", container},
      {"reason", e.reason}};
  if (e.count > 1) f.emplace_back("count", std::to_string(e.count));
  return f;
}

int RunMain(const Args& args) {
  RunFlags flags;
  if (auto exit = ParseRunFlags(args, flags)) return Emit(*exit);

  // 1. Load and validate the files before anything starts; directories are live (their
  // invalid files are reported and skipped, and they are read again as they change).
  ManifestPaths paths;
  for (const auto& p : flags.paths) {
    std::error_code dir_ec;
    (std::filesystem::is_directory(p, dir_ec) ? paths.dirs : paths.files).push_back(p);
  }
  api::UidGenerator uids = api::UidGenerator::FromRandomDevice();
  // A CRI runtime runs images: `command` may be left to the image, `image` is required, and
  // only the volume kinds it can mount are accepted.
  api::ValidationOptions validation{.container_runtime = !flags.container_runtime_endpoint.empty()};
  api::LoadResult loaded = api::LoadPods(paths.files, uids, {}, validation);
  for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
  if (loaded.has_errors()) {
    std::fprintf(stderr, "probelet run: invalid manifests: nothing started\n");
    return 1;
  }
  if (loaded.pods.empty() && paths.dirs.empty()) {
    std::fprintf(stderr, "probelet run: no pods in %s\n", flags.paths[0].c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(flags.state_dir + "/pods", ec);
  if (ec) {
    std::fprintf(stderr, "probelet run: state dir %s: %s\n", flags.state_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }

  LogWriter log(flags.json);
  auto previous_logger = spdlog::default_logger();
  spdlog::set_default_logger(log.MakeLogger("probelet"));
  spdlog::set_level(spdlog::level::info);
  ::signal(SIGPIPE, SIG_IGN);
  int rc = RunAgent(flags, paths, loaded, log);
  // Every object of the agent is gone (the runtime logs while it kills what is left).
  spdlog::set_default_logger(previous_logger);
  return rc;
}

namespace {

int RunAgent(const RunFlags& flags, const ManifestPaths& paths, const api::LoadResult& loaded,
             LogWriter& log) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  auto line = [&](std::string_view level, std::string_view msg, LogFields fields = {}) {
    log.Line(clock.WallNow(), level, msg, fields);
  };

  // Block the stop signals before any child exists, so none is lost during start-up.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);

  // The runtime first: a CRI endpoint that does not answer ends here, with nothing started.
  base::Expected<RunRuntime> runtime = MakeRunRuntime(io, clock, flags);
  if (!runtime.ok()) {
    std::fprintf(stderr, "probelet run: %s\n", runtime.error().message.c_str());
    return 1;
  }

  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  // The Services before the agent, so that the agent (whose status observer feeds them) goes
  // first at destruction.
  std::vector<api::Service> services;
  for (const auto& s : loaded.services) services.push_back(s.service);
  proxy::ProxierOptions proxier_options;
  proxier_options.address = flags.service_address;
  proxier_options.node_name = host;
  proxy::Proxier proxier(io, clock, std::move(services), std::move(proxier_options));
  auto systemd = SystemdNotifier::FromEnvironment(clock);  // also fed by the status observer
  // The API's watches (kubectl get -w) follow the status manager and the event store from the
  // first pod on, so every object has its resourceVersion; before the agent, which feeds it
  // until its destruction.
  server::WatchCache watches(clock);

  kubelet::AgentOptions options;
  options.container_runtime = std::move(runtime->runtime);
  options.images = runtime->images;
  options.pods_log_dir = flags.state_dir + "/pods";
  options.node_name = host;
  options.prober_seed = flags.seed.value_or(static_cast<uint64_t>(::getpid()));
  options.probe_history = flags.probe_history;
  options.status_checkpoint_dir = flags.state_dir + "/status";
  kubelet::Agent agent(io, clock, std::move(options));

  agent.status().SetRemovedObserver([&](const api::Pod& pod) { watches.PodRemoved(pod); });
  agent.events().SetObserver([&](const api::Event& e) {
    line(e.type == "Warning" ? "warning" : "info", e.message, EventLogFields(e));
    watches.EventRecorded(e);
  });
  agent.kubelet().SetProbeObserver([&](const api::Pod& pod, std::string_view container,
                                       prober::ProbeType type, prober::CachedResult result) {
    line("info",
         std::string(prober::ToString(type)) + " probe: " + std::string(prober::ToString(result)),
         {{"pod", PodKey(pod)}, {"container", std::string(container)}});
  });
  agent.status().SetObserver(
      [&](const api::Pod& pod, const api::PodStatus& old, const api::PodStatus& now) {
        // Endpoints follow at once: the next connection to a Service sees this status.
        if (agent.stopping()) {
          proxier.SetNodeTerminating();
          systemd->Stopping();
        }
        proxier.UpdatePod(pod);
        systemd->PodStatusChanged(pod);
        watches.PodChanged(pod);
        if (old.phase != now.phase) {
          line("info", "pod phase: " + now.phase, {{"pod", PodKey(pod)}});
        }
        const api::PodCondition* before = kubelet::FindCondition(old.conditions, "Ready");
        const api::PodCondition* after = kubelet::FindCondition(now.conditions, "Ready");
        if (after != nullptr && (before == nullptr || before->status != after->status)) {
          LogFields f{{"pod", PodKey(pod)}};
          if (!after->reason.empty()) f.emplace_back("reason", after->reason);
          if (!after->message.empty()) f.emplace_back("message", after->message);
          line("info", "pod Ready=" + after->status, f);
        }
      });

  // 2. The Service ports and the API, before any container: a busy port must not leave
  // containers behind.
  if (base::Status st = proxier.Start(); !st.ok()) {
    std::fprintf(stderr, "probelet run: %s\n", st.error().message.c_str());
    return 1;
  }
  for (const auto& s : loaded.services) {
    const api::Service& svc = s.service;
    std::string ports;
    for (const auto& p : svc.spec.ports) {
      ports += (ports.empty() ? "" : ",") + std::to_string(p.port);
      if (svc.spec.type == "NodePort") ports += ":" + std::to_string(p.node_port);
    }
    line("info",
         "service " + svc.metadata.namespace_ + "/" + svc.metadata.name + ": listening on " +
             flags.service_address + " port(s) " + ports,
         {{"service", svc.metadata.namespace_ + "/" + svc.metadata.name}, {"source", s.source}});
  }
  ManifestSync manifests(io, clock, agent, proxier,
                         [&](std::string_view level, std::string msg, ManifestSync::Fields f) {
                           line(level, msg, std::move(f));
                         });
  for (const auto& dir : paths.dirs) {
    config::ManifestDirectoryOptions dir_options;
    dir_options.dir = dir;
    dir_options.node_name = host;
    dir_options.validation.container_runtime = !flags.container_runtime_endpoint.empty();
    for (const auto& p : loaded.pods) dir_options.reserved_pods.insert(PodKey(p.pod));
    for (const auto& s : loaded.services) {
      dir_options.reserved_services.insert(s.service.metadata.namespace_ + "/" +
                                           s.service.metadata.name);
    }
    manifests.AddDirectory(std::move(dir_options));
  }
  ServicePodSource source(
      agent, proxier, [&log] { return log.dropped_lines(); },
      [&manifests] { return manifests.Files(); });
  std::unique_ptr<server::ApiServer> api_server;
  if (flags.api != "none" && !flags.api.empty()) {
    server::ApiServerOptions api_options;
    api_options.address = flags.api;
    api_options.allow_remote = flags.api_allow_remote;
    api_server = std::make_unique<server::ApiServer>(io, clock, source, api_options, &watches);
    if (base::Status st = api_server->Start(); !st.ok()) {
      std::fprintf(stderr, "probelet run: --api: %s\n", st.error().message.c_str());
      return 1;
    }
    line("info", "api: serving on http://" + api_server->bound_address(),
         {{"address", api_server->bound_address()}});
  }
  line("info", "state dir: " + flags.state_dir + " (container logs in pods/)");
  line("info", "runtime: " + runtime->description);
  if (runtime->leftover_sandboxes > 0) {
    line("warning", "runtime: removed " + std::to_string(runtime->leftover_sandboxes) +
                        " stopped pod sandbox(es) left by an earlier probelet with this state dir");
  }

  if (runtime->adopted_containers > 0) {
    line("info", "runtime: adopted " + std::to_string(runtime->adopted_containers) +
                     " container(s) left by an earlier probelet with this state dir");
  }

  // 3. Run every pod, then follow the directories (SIGHUP: read them again now). Adopted
  // containers whose pod is in no manifest any more are stopped.
  manifests.Start(loaded.pods);
  if (size_t orphans = agent.kubelet().RemoveOrphanedContainers(); orphans > 0) {
    line("info", "stopping " + std::to_string(orphans) +
                     " adopted container(s) whose pod is no longer in any manifest");
  }
  std::vector<std::string> started;  // READY=1 once each has been synced
  for (const auto& p : agent.status().ListPods()) started.push_back(p.metadata.uid);
  systemd->Start(started,
                 [&](std::string_view uid) { return agent.status().GetPod(uid) != nullptr; });
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& err, int) {
      if (err) return;
      line("info", "received SIGHUP: reading the manifest directories again");
      manifests.Rescan();
      wait_hangup();
    });
  };
  wait_hangup();

  // 4. Until a signal (or an escaped exception, which Agent::Run turns into a graceful stop
  // with exit code 1): graceful stop on the first signal, kill at once on the second.
  agent.SetStoppedCallback([&] {
    line("info", "every container has stopped: exiting");
    // Nothing is left to adopt: the pods' last statuses go too.
    std::error_code ignored;
    std::filesystem::remove_all(flags.state_dir + "/status", ignored);
    proxier.Close();
    hangup.cancel();
    if (api_server) api_server->Stop();
    signals.cancel();
  });
  int signals_seen = 0;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& err, int sig) {
      if (err) return;
      ++signals_seen;
      if (signals_seen == 1 && !agent.stopping() && flags.keep_containers_on_exit) {
        line("info", std::string("received ") + ::strsignal(sig) +
                         ": exiting; every container keeps running (--keep-containers-on-exit)");
        systemd->Stopping();
        proxier.Close();
        hangup.cancel();
        if (api_server) api_server->Stop();
        agent.Detach(0);
      } else if (signals_seen == 1 && !agent.stopping()) {
        line("info", std::string("received ") + ::strsignal(sig) +
                         ": stopping every pod (a second signal kills at once)");
        // Endpoints turn terminating first: new connections are refused, open ones drain.
        proxier.SetNodeTerminating();
        systemd->Stopping();
        agent.Stop(0);
        wait_signal();
      } else {
        line("warning",
             std::string("received ") + ::strsignal(sig) + " again: killing every container now");
        agent.Abort(1);
      }
    });
  };
  wait_signal();
  return agent.Run();
  // Destruction order (reverse of construction) kills whatever still runs: the agent (its
  // kubelet, probers, then the runtime, which SIGKILLs and reaps its containers).
}

}  // namespace

}  // namespace probelet::cli
