// ValidateLabels and ValidateAnnotations (validation.h): the metav1 checks of label and
// annotation maps, shared by Pod and Service validation.
#include "api/validation.h"

namespace probelet::api {

std::vector<FieldError> ValidateLabels(const std::map<std::string, std::string>& labels,
                                       const std::string& path) {
  std::vector<FieldError> errors;
  for (const auto& [k, v] : labels) {
    for (auto& msg : IsQualifiedName(k)) errors.push_back(Invalid(path, k, msg));
    for (auto& msg : IsValidLabelValue(v)) errors.push_back(Invalid(path, v, msg));
  }
  return errors;
}

std::vector<FieldError> ValidateAnnotations(const std::map<std::string, std::string>& annotations,
                                            const std::string& path) {
  std::vector<FieldError> errors;
  size_t annotation_bytes = 0;
  for (const auto& [k, v] : annotations) {
    std::string lower = k;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (auto& msg : IsQualifiedName(lower)) errors.push_back(Invalid(path, k, msg));
    annotation_bytes += k.size() + v.size();
  }
  if (annotation_bytes > 256 * 1024) {
    errors.push_back(TooLong(path, "may not be more than 262144 bytes"));
  }
  return errors;
}

}  // namespace probelet::api
