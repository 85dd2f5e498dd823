#include "cli/command_line.h"

#include <cstdio>
#include <memory>
#include <vector>

namespace probelet::cli {
namespace {

class UsageFormatter : public CLI::Formatter {
 public:
  explicit UsageFormatter(std::string usage) : usage_(std::move(usage)) {}
  std::string make_description(const CLI::App* app) const override {
    return usage_ + "\n\n" + CLI::Formatter::make_description(app);
  }
  std::string make_usage(const CLI::App*, std::string) const override { return ""; }

 private:
  std::string usage_;
};

}  // namespace

std::optional<CommandOutput> ParseCommandLine(CLI::App& app, const Args& args) {
  std::vector<std::string> rest(args.rbegin(), args.rend() - 1);  // CLI11 wants them reversed
  try {
    app.parse(rest);
  } catch (const CLI::CallForHelp&) {
    return CommandOutput{0, app.help(), ""};
  } catch (const CLI::ParseError& e) {
    return CommandOutput{2, "", "probelet " + args[0] + ": " + e.what() + "\n\n" + app.help()};
  }
  return std::nullopt;
}

int Emit(const CommandOutput& output) {
  std::fputs(output.out.c_str(), stdout);
  std::fflush(stdout);
  std::fputs(output.err.c_str(), stderr);
  return output.code;
}

void SetUsage(CLI::App& app, std::string usage) {
  app.formatter(std::make_shared<UsageFormatter>(std::move(usage)));
}

}  // namespace probelet::cli
