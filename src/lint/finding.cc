#include "lint/finding.h"

namespace probelet::lint {

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kWarning ? "warning" : "info";
}

std::string Finding::ToString() const {
  return file + ":" + std::to_string(line) + ": " + namespace_ + "/" + pod + "/" + container +
         ": " + code + " " + std::string(SeverityName(severity)) + ": " + message;
}

}  // namespace probelet::lint
