// ValidatePod: every rule, with the exact message and field path the API server gives
// (probe-semantics.md §1.3 and the pod basics of issue #3 §4).
#include "api/validation.h"

#include <gtest/gtest.h>

#include <functional>

#include "testing/api_fixtures.h"

namespace probelet::api {
namespace {

using testing::ValidPod;
using testing::ValidProbe;
using Errors = std::vector<std::string>;

Errors Validate(const Pod& pod) {
  Errors out;
  for (const auto& e : ValidatePod(pod)) out.push_back(e.ToString());
  return out;
}

Container& C0(Pod& p) { return p.spec.containers[0]; }

constexpr const char* kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr const char* kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr const char* kNamePartMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr const char* kInitOnly = "may not be set for init containers without restartPolicy=Always";

struct Case {
  std::string name;
  std::function<void(Pod&)> mutate;
  Errors want;
};

void RunCases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    Pod pod = ValidPod();
    c.mutate(pod);
    EXPECT_EQ(Validate(pod), c.want) << "case: " << c.name;
  }
}

TEST(ValidationTest, ValidPodHasNoErrors) { EXPECT_TRUE(Validate(ValidPod()).empty()); }

TEST(ValidationTest, Metadata) {
  RunCases({
      {"name required",
       [](Pod& p) { p.metadata.name = ""; },
       {"metadata.name: Required value: name or generateName is required"}},
      {"name not a subdomain",
       [](Pod& p) { p.metadata.name = "Web_1"; },
       {std::string("metadata.name: Invalid value: \"Web_1\": ") + kSubdomainMsg}},
      {"dotted name is a valid subdomain", [](Pod& p) { p.metadata.name = "web.example"; }, {}},
      {"name too long",
       [](Pod& p) { p.metadata.name = std::string(254, 'a'); },
       {"metadata.name: Invalid value: \"" + std::string(254, 'a') +
        "\": must be no more than 253 characters"}},
      {"namespace required",
       [](Pod& p) { p.metadata.namespace_ = ""; },
       {"metadata.namespace: Required value"}},
      {"namespace not a label",
       [](Pod& p) { p.metadata.namespace_ = "Team"; },
       {std::string("metadata.namespace: Invalid value: \"Team\": ") + kLabelMsg}},
      {"namespace with dots",
       [](Pod& p) { p.metadata.namespace_ = "a.b"; },
       {"metadata.namespace: Invalid value: \"a.b\": must not contain dots"}},
      {"uid unsafe as a file name",
       [](Pod& p) { p.metadata.uid = "../x"; },
       {"metadata.uid: Invalid value: \"../x\": must be at most 128 alphanumeric characters, "
        "'-', '_' or '.', starting and ending with an alphanumeric character (probelet uses it in "
        "file names)"}},
      {"label key and value",
       [](Pod& p) {
         p.metadata.labels = {{"-x", "ok"}, {"app", "a b"}};
       },
       {std::string("metadata.labels: Invalid value: \"-x\": ") + kNamePartMsg,
        "metadata.labels: Invalid value: \"a b\": a valid label must be an empty string or "
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"}},
      {"prefixed label key",
       [](Pod& p) {
         p.metadata.labels = {{"example.com/App", ""}};
       },
       {}},
      {"annotation key with two slashes",
       [](Pod& p) {
         p.metadata.annotations = {{"a/b/c", ""}};
       },
       {"metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of "
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
        "'/' (e.g. 'example.com/MyName')"}},
  });
}

TEST(ValidationTest, ContainerNamesAndCommand) {
  RunCases({
      {"no containers",
       [](Pod& p) { p.spec.containers.clear(); },
       {"spec.containers: Required value"}},
      {"name required",
       [](Pod& p) { C0(p).name = ""; },
       {"spec.containers[0].name: Required value"}},
      {"name not a label",
       [](Pod& p) { C0(p).name = "Web"; },
       {std::string("spec.containers[0].name: Invalid value: \"Web\": ") + kLabelMsg}},
      {"duplicate regular container",
       [](Pod& p) { p.spec.containers.push_back(p.spec.containers[0]); },
       {"spec.containers[1].name: Duplicate value: \"web\""}},
      {"init container named like a regular one is the duplicate",
       [](Pod& p) { p.spec.init_containers.push_back(p.spec.containers[0]); },
       {"spec.initContainers[0].name: Duplicate value: \"web\""}},
      {"duplicate init containers",
       [](Pod& p) {
         Container c = p.spec.containers[0];
         c.name = "init";
         p.spec.init_containers = {c, c};
       },
       {"spec.initContainers[1].name: Duplicate value: \"init\""}},
      {"command required (no image entrypoint)",
       [](Pod& p) { C0(p).command.clear(); },
       {"spec.containers[0].command: Required value: probelet runs the command directly and has "
        "no image entrypoint to fall back on: set command (and args)"}},
      {"init container command required",
       [](Pod& p) {
         Container c = p.spec.containers[0];
         c.name = "init";
         c.command.clear();
         p.spec.init_containers.push_back(c);
       },
       {"spec.initContainers[0].command: Required value: probelet runs the command directly and "
        "has no image entrypoint to fall back on: set command (and args)"}},
  });
}

TEST(ValidationTest, Ports) {
  RunCases({
      {"containerPort required",
       [](Pod& p) { C0(p).ports[0].container_port = 0; },
       {"spec.containers[0].ports[0].containerPort: Required value"}},
      {"containerPort too big",
       [](Pod& p) { C0(p).ports[0].container_port = 70000; },
       {"spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive"}},
      {"negative containerPort",
       [](Pod& p) { C0(p).ports[0].container_port = -1; },
       {"spec.containers[0].ports[0].containerPort: Invalid value: -1: must be between 1 and "
        "65535, inclusive"}},
      {"upper-case port name",
       [](Pod& p) { C0(p).ports[0].name = "HTTP"; },
       {"spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain only "
        "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain at least one "
        "letter (a-z)"}},
      {"port name too long, double and edge hyphens",
       [](Pod& p) { C0(p).ports[0].name = "-abcdefgh--ijklm"; },
       {"spec.containers[0].ports[0].name: Invalid value: \"-abcdefgh--ijklm\": must be no more "
        "than 15 characters",
        "spec.containers[0].ports[0].name: Invalid value: \"-abcdefgh--ijklm\": must not contain "
        "consecutive hyphens",
        "spec.containers[0].ports[0].name: Invalid value: \"-abcdefgh--ijklm\": must not begin or "
        "end with a hyphen"}},
      {"duplicate port name",
       [](Pod& p) {
         C0(p).ports.push_back({"http", 8081, "TCP"});
       },
       {"spec.containers[0].ports[1].name: Duplicate value: \"http\""}},
      {"unsupported protocol",
       [](Pod& p) { C0(p).ports[0].protocol = "ICMP"; },
       {"spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: "
        "\"SCTP\", \"TCP\", \"UDP\""}},
      {"protocol required",
       [](Pod& p) { C0(p).ports[0].protocol = ""; },
       {"spec.containers[0].ports[0].protocol: Required value"}},
  });
}

TEST(ValidationTest, EnvAndSecurityContext) {
  auto field_ref = [](std::string path) {
    return EnvVarSource{ObjectFieldSelector{"v1", std::move(path)}};
  };
  RunCases({
      {"env name required",
       [](Pod& p) {
         C0(p).env.push_back({"", "x", std::nullopt});
       },
       {"spec.containers[0].env[0].name: Required value",
        "spec.containers[0].env[0].name: Invalid value: \"\": environment variable name must be "
        "non-empty"}},
      {"env name with '='",
       [](Pod& p) {
         C0(p).env.push_back({"A=B", "", std::nullopt});
       },
       {"spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable "
        "name must consist only of printable ASCII characters other than '='"}},
      {"relaxed names are accepted (1.35)",
       [](Pod& p) {
         C0(p).env.push_back({"1-A.b:c", "", std::nullopt});
       },
       {}},
      {"supported fieldRef paths",
       [&](Pod& p) {
         for (auto path : {"metadata.name", "metadata.namespace", "metadata.uid", "status.podIP"}) {
           C0(p).env.push_back({path, "", field_ref(path)});
         }
       },
       {}},
      {"unsupported fieldRef path",
       [&](Pod& p) {
         C0(p).env.push_back({"N", "", field_ref("spec.nodeName")});
       },
       {"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "
        "\"spec.nodeName\": supported values: \"metadata.name\", \"metadata.namespace\", "
        "\"metadata.uid\", \"status.podIP\""}},
      {"valueFrom with a value",
       [&](Pod& p) {
         C0(p).env.push_back({"N", "v", field_ref("metadata.name")});
       },
       {"spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when "
        "`value` is not empty"}},
      {"valueFrom with no source",
       [](Pod& p) {
         C0(p).env.push_back({"N", "", EnvVarSource{}});
       },
       {"spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: "
        "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"}},
      {"fieldRef without fieldPath",
       [&](Pod& p) {
         C0(p).env.push_back({"N", "", field_ref("")});
       },
       {"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Required value"}},
      {"negative runAsUser and runAsGroup",
       [](Pod& p) {
         C0(p).security_context = [] {
           SecurityContext sc;
           sc.run_as_user = -1;
           sc.run_as_group = 2147483648LL;
           return sc;
         }();
       },
       {"spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and "
        "2147483647, inclusive",
        "spec.containers[0].securityContext.runAsGroup: Invalid value: 2147483648: must be "
        "between 0 and 2147483647, inclusive"}},
  });
}

TEST(ValidationTest, RestartPolicyAndGracePeriod) {
  RunCases({
      {"pod restartPolicy required",
       [](Pod& p) { p.spec.restart_policy = ""; },
       {"spec.restartPolicy: Required value"}},
      {"pod restartPolicy unsupported",
       [](Pod& p) { p.spec.restart_policy = "Sometimes"; },
       {"spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
        "\"OnFailure\", \"Never\""}},
      {"container restartPolicy (ContainerRestartRules)",
       [](Pod& p) { C0(p).restart_policy = "Never"; },
       {}},
      {"container restartPolicy unsupported",
       [](Pod& p) { C0(p).restart_policy = "always"; },
       {"spec.containers[0].restartPolicy: Unsupported value: \"always\": supported values: "
        "\"Always\", \"OnFailure\", \"Never\""}},
      {"init container restartPolicy other than Always",
       [](Pod& p) {
         Container c = p.spec.containers[0];
         c.name = "init";
         c.restart_policy = "OnFailure";
         p.spec.init_containers.push_back(c);
       },
       {"spec.initContainers[0].restartPolicy: Unsupported value: \"OnFailure\": supported "
        "values: \"Always\""}},
      {"negative pod grace period",
       [](Pod& p) { p.spec.termination_grace_period_seconds = -1; },
       {"spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to "
        "0"}},
      {"zero pod grace period is allowed",
       [](Pod& p) { p.spec.termination_grace_period_seconds = 0; },
       {}},
      {"readiness gate condition type",
       [](Pod& p) { p.spec.readiness_gates.push_back({"bad gate"}); },
       {std::string("spec.readinessGates[0].conditionType: Invalid value: \"bad gate\": ") +
        kNamePartMsg}},
  });
}

// The probe rules of §1.3, crossed with the three probe kinds where they apply to all three.
TEST(ValidationTest, ProbeRulesForEachProbeType) {
  struct Kind {
    const char* field;
    std::optional<Probe> Container::*member;
    bool liveness_like;  // liveness and startup: successThreshold must be 1
  } kinds[] = {
      {"livenessProbe", &Container::liveness_probe, true},
      {"readinessProbe", &Container::readiness_probe, false},
      {"startupProbe", &Container::startup_probe, true},
  };
  for (const auto& k : kinds) {
    std::string path = std::string("spec.containers[0].") + k.field;
    auto with = [&](std::function<void(Probe&)> f) {
      return [&k, f](Pod& p) {
        Probe probe = ValidProbe();
        f(probe);
        C0(p).*(k.member) = probe;
      };
    };
    std::vector<Case> cases = {
        {"valid", with([](Probe&) {}), {}},
        {"no handler",
         with([](Probe& p) { p.handler = {}; }),
         {path + ": Required value: must specify a handler type"}},
        {"two handlers: the second is forbidden",
         with([](Probe& p) { p.handler.exec = ExecAction{{"true"}}; }),
         {path + ".tcpSocket: Forbidden: may not specify more than 1 handler type"}},
        {"all four handlers",
         with([](Probe& p) {
           p.handler.exec = ExecAction{{"true"}};
           p.handler.http_get = HTTPGetAction{"/", IntOrString::Int(80), "", "HTTP", {}};
           p.handler.grpc = GRPCAction{9090, std::nullopt};
         }),
         {path + ".httpGet: Forbidden: may not specify more than 1 handler type",
          path + ".tcpSocket: Forbidden: may not specify more than 1 handler type",
          path + ".grpc: Forbidden: may not specify more than 1 handler type"}},
        {"negative fields",
         with([](Probe& p) {
           p.initial_delay_seconds = -1;
           p.timeout_seconds = -2;
           p.period_seconds = -3;
           p.failure_threshold = -5;
         }),
         {path + ".initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
          path + ".timeoutSeconds: Invalid value: -2: must be greater than or equal to 0",
          path + ".periodSeconds: Invalid value: -3: must be greater than or equal to 0",
          path + ".failureThreshold: Invalid value: -5: must be greater than or equal to 0"}},
        {"exec without command",
         with([](Probe& p) {
           p.handler = {};
           p.handler.exec = ExecAction{};
         }),
         {path + ".exec.command: Required value"}},
        {"httpGet path, port, scheme and header",
         with([](Probe& p) {
           p.handler = {};
           p.handler.http_get =
               HTTPGetAction{"", IntOrString::Int(0), "", "ftp", {{"X Bad", "1"}, {"Ok-1", ""}}};
         }),
         {path + ".httpGet.path: Required value",
          path + ".httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
          path + ".httpGet.scheme: Unsupported value: \"ftp\": supported values: \"HTTP\", "
                 "\"HTTPS\"",
          path + ".httpGet.httpHeaders: Invalid value: \"X Bad\": a valid HTTP header must "
                 "consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for "
                 "validation is '[-A-Za-z0-9]+')"}},
        {"httpGet named port",
         with([](Probe& p) {
           p.handler = {};
           p.handler.http_get = HTTPGetAction{"/", IntOrString::String("http"), "", "HTTPS", {}};
         }),
         {}},
        {"tcpSocket empty port name",
         with([](Probe& p) { p.handler.tcp_socket->port = IntOrString::String(""); }),
         {path + ".tcpSocket.port: Invalid value: \"\": must contain only alpha-numeric "
                 "characters (a-z, 0-9), and hyphens (-)",
          path + ".tcpSocket.port: Invalid value: \"\": must contain at least one letter (a-z)"}},
        {"tcpSocket port too big",
         with([](Probe& p) { p.handler.tcp_socket->port = IntOrString::Int(65536); }),
         {path + ".tcpSocket.port: Invalid value: 65536: must be between 1 and 65535, inclusive"}},
        {"grpc port",
         with([](Probe& p) {
           p.handler = {};
           p.handler.grpc = GRPCAction{0, std::nullopt};
         }),
         {path + ".grpc.port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
    };
    // successThreshold: must be 1 for liveness and startup (§1.3.2), free for readiness.
    cases.push_back({"successThreshold 2", with([](Probe& p) { p.success_threshold = 2; }),
                     k.liveness_like
                         ? Errors{path + ".successThreshold: Invalid value: 2: must be 1"}
                         : Errors{}});
    // terminationGracePeriodSeconds: > 0 (§1.3.1); never on readiness (§1.3.3).
    cases.push_back(
        {"probe grace period 5", with([](Probe& p) { p.termination_grace_period_seconds = 5; }),
         k.liveness_like ? Errors{}
                         : Errors{path + ".terminationGracePeriodSeconds: Invalid "
                                         "value: 5: must not be set for readinessProbes"}});
    Errors zero_grace = {path +
                         ".terminationGracePeriodSeconds: Invalid value: 0: must be greater "
                         "than 0"};
    if (!k.liveness_like) {
      zero_grace.push_back(path +
                           ".terminationGracePeriodSeconds: Invalid value: 0: must not be "
                           "set for readinessProbes");
    }
    cases.push_back({"probe grace period 0",
                     with([](Probe& p) { p.termination_grace_period_seconds = 0; }), zero_grace});
    for (auto& c : cases) c.name = std::string(k.field) + ": " + c.name;
    RunCases(cases);
  }
}

TEST(ValidationTest, InitContainersMayHaveProbesOnlyWhenRestartable) {
  auto init = [](bool restartable) {
    return [restartable](Pod& p) {
      Container c = p.spec.containers[0];
      c.name = "init";
      if (restartable) c.restart_policy = "Always";
      c.liveness_probe = c.readiness_probe = c.startup_probe = ValidProbe();
      c.lifecycle = Lifecycle{std::nullopt, LifecycleHandler{ExecAction{{"true"}}, {}, {}, {}}};
      p.spec.init_containers.push_back(c);
    };
  };
  RunCases({
      {"plain init container",
       init(false),
       {std::string("spec.initContainers[0].lifecycle: Forbidden: ") + kInitOnly,
        std::string("spec.initContainers[0].livenessProbe: Forbidden: ") + kInitOnly,
        std::string("spec.initContainers[0].readinessProbe: Forbidden: ") + kInitOnly,
        std::string("spec.initContainers[0].startupProbe: Forbidden: ") + kInitOnly}},
      {"sidecar", init(true), {}},
      {"sidecar probes are validated",
       [&](Pod& p) {
         init(true)(p);
         p.spec.init_containers[0].liveness_probe->success_threshold = 3;
       },
       {"spec.initContainers[0].livenessProbe.successThreshold: Invalid value: 3: must be 1"}},
  });
}

TEST(ValidationTest, LifecycleHooks) {
  auto pre_stop = [](LifecycleHandler h) {
    return [h](Pod& p) { C0(p).lifecycle = Lifecycle{std::nullopt, h}; };
  };
  RunCases({
      {"no handler",
       pre_stop(LifecycleHandler{}),
       {"spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"}},
      {"sleep within the grace period",
       pre_stop(LifecycleHandler{{}, {}, {}, SleepAction{30}}),
       {}},
      {"sleep zero (PodLifecycleSleepActionAllowZero)",
       pre_stop(LifecycleHandler{{}, {}, {}, SleepAction{0}}),
       {}},
      {"sleep longer than the grace period",
       pre_stop(LifecycleHandler{{}, {}, {}, SleepAction{31}}),
       {"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and "
        "less than terminationGracePeriodSeconds (30)"}},
      {"negative sleep",
       pre_stop(LifecycleHandler{{}, {}, {}, SleepAction{-1}}),
       {"spec.containers[0].lifecycle.preStop.sleep: Invalid value: -1: must be non-negative and "
        "less than terminationGracePeriodSeconds (30)"}},
      {"exec and sleep",
       pre_stop(LifecycleHandler{ExecAction{{"true"}}, {}, {}, SleepAction{1}}),
       {"spec.containers[0].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 "
        "handler type"}},
      {"postStart httpGet port",
       [](Pod& p) {
         C0(p).lifecycle = Lifecycle{
             LifecycleHandler{{}, HTTPGetAction{"/", IntOrString::Int(0), "", "HTTP", {}}, {}, {}},
             std::nullopt};
       },
       {"spec.containers[0].lifecycle.postStart.httpGet.port: Invalid value: 0: must be between 1 "
        "and 65535, inclusive"}},
  });
}

// The issue's own examples: every error is reported, not just the first.
TEST(ValidationTest, EveryErrorIsReported) {
  Pod pod = ValidPod();
  Probe live = ValidProbe();
  live.success_threshold = 2;
  C0(pod).liveness_probe = live;
  C0(pod).readiness_probe = Probe{};
  C0(pod).readiness_probe->success_threshold = 1;
  pod.spec.containers.push_back(C0(pod));
  pod.spec.containers[1].liveness_probe.reset();
  pod.spec.containers[1].readiness_probe.reset();
  EXPECT_EQ(
      Validate(pod),
      (Errors{"spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
              "spec.containers[0].readinessProbe: Required value: must specify a handler type",
              "spec.containers[1].name: Duplicate value: \"web\""}));
}

TEST(ValidationTest, WarningsForHiddenAndNonPortableEnvNames) {
  Pod pod = ValidPod();
  C0(pod).env = {{"A", "1", std::nullopt}, {"A", "2", std::nullopt}, {"1X", "", std::nullopt}};
  EXPECT_EQ(PodWarnings(pod),
            (std::vector<std::string>{
                "spec.containers[0].env[1]: hides previous definition of \"A\", which may be "
                "dropped when using apply",
                "spec.containers[0].env[2].name: \"1X\" is accepted since Kubernetes 1.32 but is "
                "not a portable variable name (a shell cannot expand it)"}));
}

TEST(ValidationTest, NameCheckHelpers) {
  EXPECT_TRUE(IsDNS1123Label("a-1").empty());
  EXPECT_EQ(IsDNS1123Label(std::string(64, 'a')),
            std::vector<std::string>{"must be no more than 63 characters"});
  EXPECT_TRUE(IsDNS1123Subdomain("a.b-c.d").empty());
  EXPECT_FALSE(IsDNS1123Subdomain("a..b").empty());
  EXPECT_TRUE(IsValidPortName("http-2").empty());
  EXPECT_TRUE(IsEnvVarName("MY_ENV.NAME").empty());
  EXPECT_EQ(IsEnvVarName(".."), (std::vector<std::string>{"must not be '..'"}));
  EXPECT_TRUE(IsHTTPHeaderName("X-Header-Name").empty());
  EXPECT_FALSE(IsHTTPHeaderName("").empty());
  EXPECT_TRUE(IsQualifiedName("example.com/MyName").empty());
  EXPECT_EQ(IsQualifiedName("/a"), std::vector<std::string>{"prefix part must be non-empty"});
  EXPECT_TRUE(IsValidLabelValue("").empty());
}

}  // namespace
}  // namespace probelet::api
