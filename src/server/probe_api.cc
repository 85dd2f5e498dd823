#include "server/probe_api.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api/probe_describe.h"
#include "api/time.h"
#include "base/go_duration.h"
#include "server/kube_api.h"

namespace probelet::server {
namespace {

using nlohmann::json;

constexpr const char* kApiVersion = "probelet.dev/v1";

std::optional<prober::ProbeType> ParseType(std::string_view s) {
  if (s == "liveness") return prober::ProbeType::kLiveness;
  if (s == "readiness") return prober::ProbeType::kReadiness;
  if (s == "startup") return prober::ProbeType::kStartup;
  return std::nullopt;
}

std::string TypeName(prober::ProbeType t) {
  switch (t) {
    case prober::ProbeType::kLiveness:
      return "liveness";
    case prober::ProbeType::kReadiness:
      return "readiness";
    case prober::ProbeType::kStartup:
      break;
  }
  return "startup";
}

// "Success", "Failure", "Unknown" (results.Result.String() says "UNKNOWN"; the API spells the
// three alike).
std::string CachedName(prober::CachedResult r) {
  switch (r) {
    case prober::CachedResult::kSuccess:
      return "Success";
    case prober::CachedResult::kFailure:
      return "Failure";
    case prober::CachedResult::kUnknown:
      break;
  }
  return "Unknown";
}

json AttemptJson(const prober::ProbeAttempt& a) {
  json j = json::object();
  j["start"] = api::FormatRFC3339Micro(a.start);
  j["durationSeconds"] = std::chrono::duration<double>(a.duration).count();
  j["duration"] = base::FormatGoDuration(a.duration);
  j["result"] = std::string(probe::ToString(a.result));
  j["output"] = a.output ? *a.output : "";
  j["containerID"] = a.container_id ? *a.container_id : "";
  j["consecutiveSuccesses"] = a.consecutive_successes();
  j["consecutiveFailures"] = a.consecutive_failures();
  j["threshold"] = prober::ThresholdState(a.run_result, a.run, a.threshold);
  j["cachedResult"] = CachedName(a.cached);
  j["changed"] = a.changed;
  j["discarded"] = a.discarded;
  return j;
}

json WorkerJson(const prober::ProbeWorkerStatus& w) {
  json j = json::object();
  j["pod"] = {{"namespace", w.pod_namespace}, {"name", w.pod_name}, {"uid", w.pod_uid}};
  j["container"] = w.container;
  j["type"] = TypeName(w.type);
  j["probe"] = api::DescribeProbe(w.spec);
  j["containerID"] = w.container_id;
  j["result"] = w.result ? json(CachedName(*w.result)) : json();
  j["consecutiveSuccesses"] = w.run_result == prober::CachedResult::kSuccess ? w.run : 0;
  j["consecutiveFailures"] = w.run_result == prober::CachedResult::kFailure ? w.run : 0;
  j["threshold"] = prober::ThresholdState(w.run_result, w.run, w.threshold());
  j["onHold"] = w.on_hold;
  j["historyLength"] = w.history_capacity;
  j["attemptsTotal"] = w.attempts_total;
  j["lastAttempt"] = w.attempts.empty() ? json() : AttemptJson(w.attempts.back());
  return j;
}

json AttemptsJson(const std::vector<prober::ProbeAttempt>& attempts) {
  json list = json::array();
  for (const auto& a : attempts) list.push_back(AttemptJson(a));
  return list;
}

HttpResponse Json(json body) {
  HttpResponse r;
  r.body = body.dump();
  return r;
}

HttpResponse List(const HttpTarget& target, const PodSource& source) {
  prober::ProbeWorkerQuery q;
  if (const std::string* v = target.Query("namespace")) q.pod_namespace = *v;
  if (const std::string* v = target.Query("pod")) q.pod_name = *v;
  if (const std::string* v = target.Query("container")) q.container = *v;
  if (const std::string* v = target.Query("type")) {
    q.type = ParseType(*v);
    if (!q.type) return BadRequest("type must be liveness, readiness or startup");
  }
  size_t attempts = 0;  // extra attempts asked for (the last one always comes as lastAttempt)
  if (const std::string* v = target.Query("attempts")) {
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), attempts);
    if (ec != std::errc() || end != v->data() + v->size()) {
      return BadRequest("attempts must be a non-negative integer");
    }
  }
  q.attempts = std::max<size_t>(attempts, 1);
  // A page is sized by the attempts it carries: 13 workers with 12 attempts each, about 1 ms
  // (4,000 such workers took 300 ms at once), up to 64 workers with their last attempt only.
  q.limit = std::max<size_t>(8, 192 / (std::min<size_t>(attempts, 1000) + 2));
  // Produced a page of workers per piece (HttpResponse::produce): the whole list of 4,000
  // workers with 12 attempts each held the loop, and every probe on it, for 300 ms. Each item
  // is dumped as soon as it is built, never a DOM of the whole list (which left RSS at 291 MB
  // after one such request at 2,000 pods, 90 MB this way). The bytes are those of the whole
  // document dumped at once: its keys come out sorted, so "apiVersion", "items", "kind".
  HttpResponse r;
  r.body = R"({"apiVersion":")";
  r.body += kApiVersion;
  r.body += R"(","items":[)";
  r.produce = [&source, q = std::move(q), attempts, first = true](std::string& body) mutable {
    std::vector<prober::ProbeWorkerStatus> page = source.ListProbeWorkers(q);
    for (const auto& w : page) {
      json item = WorkerJson(w);
      if (attempts > 0) item["attempts"] = AttemptsJson(w.attempts);
      if (!std::exchange(first, false)) body += ',';
      body += item.dump();
    }
    if (page.size() < q.limit) {
      body += R"(],"kind":"ProbeWorkerList"})";
      return true;
    }
    q.after = std::move(page.back());
    return false;
  };
  return r;
}

HttpResponse One(const HttpTarget& target, const PodSource& source) {
  const auto& seg = target.segments;  // probes NS POD CONTAINER TYPE
  prober::ProbeWorkerQuery q;
  q.pod_namespace = seg[1];
  q.pod_name = seg[2];
  q.container = seg[3];
  q.type = ParseType(seg[4]);
  if (!q.type) return BadRequest("probe type must be liveness, readiness or startup");
  q.attempts = SIZE_MAX;
  if (const std::string* v = target.Query("since")) {
    auto since = api::ParseRFC3339(*v);
    if (!since) return BadRequest("since must be an RFC 3339 time, e.g. 2026-11-28T08:15:50Z");
    q.since = *since;
  }
  auto workers = source.ListProbeWorkers(q);
  std::string name = seg[1] + "/" + seg[2] + "/" + seg[3] + "/" + seg[4];
  if (workers.empty()) {
    return StatusResponse(404, "NotFound", "probe worker \"" + name + "\" not found", "probes",
                          name);
  }
  json j = {{"kind", "ProbeWorker"}, {"apiVersion", kApiVersion}};
  j.update(WorkerJson(workers.front()));
  j["attempts"] = AttemptsJson(workers.front().attempts);
  return Json(std::move(j));
}

}  // namespace

std::optional<HttpResponse> ServeProbes(const HttpTarget& target, const PodSource& source) {
  const auto& seg = target.segments;
  if (seg.empty() || seg[0] != "probes") return std::nullopt;
  if (seg.size() == 1) return List(target, source);
  if (seg.size() == 5) return One(target, source);
  return StatusResponse(404, "NotFound", "want /probes or /probes/NAMESPACE/POD/CONTAINER/TYPE",
                        "probes");
}

}  // namespace probelet::server
