// JsonDecoder: the walk behind DecodePod (json_codec.h). It steps through a JSON document
// keeping the field path of where it is (`spec.containers[0].ports[1].containerPort`), so that
// every problem names its field, and collects every error and warning rather than stopping at
// the first. Its typed readers (String, Integer, Object, List...) hold the strictness rules of
// json_codec.h: null means "not set", a wrong JSON type is an error, an unknown member a warning.
//
// The v1 types are read by one method each, defined by kind: the pod, its metadata and status in
// json_decode.cc; the container, its probes, handlers and environment in
// json_decode_container.cc. Internal to the codec: include it from those files and their tests.
//
// Not thread-safe; one decoder per document, on one thread. The error and warning vectors are
// the caller's and must outlive the decoder.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/field_error.h"
#include "api/pod.h"
#include "api/service.h"
#include "api/time.h"

namespace probelet::api {

class JsonDecoder {
 public:
  using json = nlohmann::json;
  using Names = std::initializer_list<std::string_view>;

  JsonDecoder(std::vector<std::string>& errors, std::vector<std::string>& warnings)
      : errors_(errors), warnings_(warnings) {}

  // RAII path segment: restores the path when the field is done.
  class Scope {
   public:
    Scope(std::string& path, size_t len) : path_(path), len_(len) {}
    ~Scope() { path_.resize(len_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::string& path_;
    size_t len_;
  };
  [[nodiscard]] Scope Field(std::string_view name);
  [[nodiscard]] Scope Index(size_t i);
  [[nodiscard]] Scope Key(std::string_view key);

  void Error(const FieldError& e) { errors_.push_back(e.ToString()); }
  // "expected <expected>, got <the JSON type of v>" at the current path.
  void TypeError(const json& v, std::string_view expected);

  // Calls `field(key, value)` for each member of the object `j`; a member it does not know
  // (returns false) is ignored silently when listed in `silent` (server-filled bookkeeping),
  // with a warning when listed in `unsupported` (real v1 fields probelet does not implement),
  // and otherwise warned about as unknown. null means "not set".
  template <typename F>
  void Object(const json& j, Names silent, Names unsupported, F&& field) {
    if (j.is_null()) return;
    if (!j.is_object()) {
      TypeError(j, "an object");
      return;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto scope = Field(it.key());
      if (field(std::string_view(it.key()), it.value())) continue;
      if (Contains(silent, it.key())) continue;
      if (Contains(unsupported, it.key())) {
        // `resources: {}` and the like, as generators and `kubectl get -o yaml` write them,
        // ask for nothing: no warning.
        if (!AsksForNothing(it.value())) {
          warnings_.push_back("field \"" + path_ +
                              "\" is not supported by probelet and is ignored");
        }
      } else {
        warnings_.push_back("unknown field \"" + path_ + "\"");
      }
    }
  }
  template <typename F>
  void Object(const json& j, F&& field) {
    Object(j, {}, {}, std::forward<F>(field));
  }

  void String(const json& v, std::string& out);
  void String(const json& v, std::optional<std::string>& out);
  // Any JSON number that is a whole number in T's range; YAML `1.0` arrives as a float.
  template <typename T>
  void Integer(const json& v, T& out) {
    if (v.is_null()) return;
    std::optional<int64_t> value = Int64(v);
    if (!value) return;
    if (*value < std::numeric_limits<T>::min() || *value > std::numeric_limits<T>::max()) {
      return Error(Invalid(path_, *value,
                           sizeof(T) == 4 ? "out of range for a 32-bit integer" : "out of range"));
    }
    out = static_cast<T>(*value);
  }
  template <typename T>
  void Integer(const json& v, std::optional<T>& out) {
    if (v.is_null()) return;
    out.emplace();
    Integer(v, *out);
  }
  void Bool(const json& v, bool& out);
  void Bool(const json& v, std::optional<bool>& out);
  void IntOrStr(const json& v, IntOrString& out);
  void TimeValue(const json& v, Time& out);
  void TimeValue(const json& v, std::optional<Time>& out);
  void Strings(const json& v, std::vector<std::string>& out);
  void StringMap(const json& v, std::map<std::string, std::string>& out);
  template <typename T, typename F>
  void List(const json& v, std::vector<T>& out, F&& element) {
    if (v.is_null()) return;
    if (!v.is_array()) return TypeError(v, "a list");
    out.clear();
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      auto scope = Index(i);
      element(v[i], out.emplace_back());
    }
  }
  template <typename T, typename F>
  void Optional(const json& v, std::optional<T>& out, F&& decode) {
    if (v.is_null()) return;
    decode(v, out.emplace());
  }

  // --- the v1 types: json_decode.cc --------------------------------------------------------
  void PodValue(const json& j, Pod& pod);
  void Meta(const json& j, ObjectMeta& m);
  void Spec(const json& j, PodSpec& s);
  void Status(const json& j, PodStatus& s);
  void ContainerStatusValue(const json& j, ContainerStatus& c);
  void VolumeValue(const json& j, Volume& v);
  void PodSecurityContextValue(const json& j, PodSecurityContext& sc);
  void State(const json& j, ContainerState& s);

  // --- the v1 types: json_decode_container.cc ----------------------------------------------
  void ContainerValue(const json& j, Container& c);
  void EnvVarValue(const json& j, EnvVar& e);
  void SecurityContextValue(const json& j, SecurityContext& sc);
  void ResourcesValue(const json& j, ResourceRequirements& r);
  // A quantity as a string ("500m") or a JSON number (YAML `cpu: 1`), as resource.Quantity
  // unmarshals it; a malformed one is an error at the current path.
  void QuantityValue(const json& v, Quantity& out);
  void ProbeValue(const json& j, Probe& p);
  void LifecycleValue(const json& j, Lifecycle& l);
  void LifecycleHandlerValue(const json& j, LifecycleHandler& h);
  void Exec(const json& j, ExecAction& a);
  void HTTPGet(const json& j, HTTPGetAction& a);
  void TCPSocket(const json& j, TCPSocketAction& a);
  void GRPC(const json& j, GRPCAction& a);

  // --- the v1 Service: json_decode_service.cc ----------------------------------------------
  void ServiceValue(const json& j, Service& s);
  void ServiceSpecValue(const json& j, ServiceSpec& s);
  void ServicePortValue(const json& j, ServicePort& p);

 private:
  static bool Contains(Names names, std::string_view key);
  // An unsupported field set to null, {}, [], "", false or 0 asks for nothing.
  static bool AsksForNothing(const json& v);
  // The integer value of a JSON number, or nullopt after reporting why it is not one.
  std::optional<int64_t> Int64(const json& v);

  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
  std::string path_;
};

}  // namespace probelet::api
