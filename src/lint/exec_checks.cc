#include "lint/exec_checks.h"

#include <cstdlib>
#include <limits>

#include "lint/codes.h"

namespace probelet::lint {
namespace {

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsShell(std::string_view name) {
  for (std::string_view s : {"sh", "bash", "dash", "ash", "ksh", "zsh", "mksh"}) {
    if (name == s) return true;
  }
  return false;
}

// The script's words outside quotes, with each operator character (; & | ( ) newline) as a
// word of its own; quoted text is kept inside its word, without the quotes. Comments dropped.
std::vector<std::string> Words(std::string_view script) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  auto end_word = [&] {
    if (in_word) words.push_back(word);
    word.clear();
    in_word = false;
  };
  for (size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    if (c == '\\' && i + 1 < script.size()) {
      word += script[++i];
      in_word = true;
    } else if (c == '\'' || c == '"') {
      size_t close = script.find(c, i + 1);
      if (close == std::string_view::npos) close = script.size();
      word += script.substr(i + 1, close - i - 1);
      in_word = true;
      i = close;
    } else if (c == '#' && !in_word) {
      while (i < script.size() && script[i] != '\n') ++i;
      end_word();
      words.push_back("\n");
    } else if (c == ' ' || c == '\t') {
      end_word();
    } else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '\n' || c == '<' ||
               c == '>') {
      end_word();
      words.push_back(std::string(1, c));
    } else {
      word += c;
      in_word = true;
    }
  }
  end_word();
  return words;
}

bool IsOperator(const std::string& w) {
  return w.size() == 1 && std::string_view(";&|()\n<>").find(w[0]) != std::string_view::npos;
}

// One sleep argument in seconds: 5, 0.5, 2m, 1h, 1d, infinity; nullopt if it is none of those.
std::optional<double> SleepArgument(const std::string& arg) {
  if (arg == "inf" || arg == "infinity") return std::numeric_limits<double>::infinity();
  if (arg.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(arg.c_str(), &end);
  if (end == arg.c_str() || value < 0) return std::nullopt;
  std::string_view suffix(end);
  if (suffix.empty() || suffix == "s") return value;
  if (suffix == "m") return value * 60;
  if (suffix == "h") return value * 3600;
  if (suffix == "d") return value * 86400;
  return std::nullopt;
}

std::optional<double> LongestSleep(const std::vector<std::string>& words) {
  std::optional<double> longest;
  for (size_t i = 0; i < words.size(); ++i) {
    if (Basename(words[i]) != "sleep") continue;
    if (i > 0 && !IsOperator(words[i - 1]) && words[i - 1] != "then" && words[i - 1] != "do" &&
        words[i - 1] != "else" && words[i - 1] != "exec") {
      continue;  // an argument named sleep, not the command
    }
    double total = 0;
    bool any = false;
    for (size_t j = i + 1; j < words.size() && !IsOperator(words[j]); ++j) {
      auto s = SleepArgument(words[j]);
      if (!s) break;
      total += *s;
      any = true;
    }
    if (any && (!longest || total > *longest)) longest = total;
  }
  return longest;
}

std::string Quote(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& arg : command) {
    if (!out.empty()) out += ' ';
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"&;|$*?<>()") == std::string::npos;
    out += plain ? arg : "'" + arg + "'";
  }
  if (out.size() > 80) out = out.substr(0, 77) + "...";
  return out;
}

std::string SleepText(double seconds) {
  if (seconds == std::numeric_limits<double>::infinity()) return "forever";
  std::string s = std::to_string(seconds);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "s";
}

}  // namespace

std::optional<std::string> ShellScript(const std::vector<std::string>& command) {
  if (command.empty()) return std::nullopt;
  size_t i = 1;
  std::string_view shell = Basename(command[0]);
  if (shell == "busybox" && command.size() > 1 && IsShell(command[1])) {
    shell = command[1];
    i = 2;
  }
  if (!IsShell(shell)) return std::nullopt;
  // Options before the script: `-c`, or grouped such as `-ec`, `-xc`.
  for (; i < command.size() && command[i].size() > 1 && command[i][0] == '-'; ++i) {
    const std::string& opt = command[i];
    if (opt[1] != '-' && opt.find('c') != std::string::npos) {
      return i + 1 < command.size() ? std::optional(command[i + 1]) : std::nullopt;
    }
  }
  return std::nullopt;
}

bool BackgroundsProcess(std::string_view script) {
  std::vector<std::string> words = Words(script);
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] != "&") continue;
    bool prev_op = i > 0 && (words[i - 1] == "&" || words[i - 1] == ">" || words[i - 1] == "<" ||
                             words[i - 1] == "|");
    bool next_op = i + 1 < words.size() && (words[i + 1] == "&" || words[i + 1] == ">");
    if (prev_op || next_op) {
      if (i + 1 < words.size() && words[i + 1] == "&") ++i;  // `&&`: skip its second half
      continue;
    }
    bool waited = false;
    for (size_t j = i + 1; j < words.size(); ++j) waited = waited || words[j] == "wait";
    if (!waited) return true;
  }
  return false;
}

std::optional<double> LongestSleepSeconds(std::string_view script) {
  return LongestSleep(Words(script));
}

std::vector<Finding> CheckExecProbes(const ContainerContext& c) {
  std::vector<Finding> out;
  for (ProbeKind kind : {ProbeKind::kLiveness, ProbeKind::kReadiness, ProbeKind::kStartup}) {
    const api::Probe* p = ProbeOf(c.container, kind);
    if (!p || !p->handler.exec) continue;
    const auto& command = p->handler.exec->command;
    std::optional<std::string> script = ShellScript(command);
    std::string name = std::string(ProbeKindName(kind)) + " probe `" + Quote(command) + "`";
    std::string timeout = "its timeoutSeconds of " + Seconds(p->timeout_seconds);
    if (script && BackgroundsProcess(*script)) {
      out.push_back(MakeFinding(
          c, kExecBackground, ProbePath(c, kind),
          name +
              " backgrounds a process (`&`), which keeps the probe's output open: every "
              "attempt runs until " +
              timeout + " and fails, so " + AlwaysFailingConsequence(kind, *p)));
    }
    std::optional<double> sleep;
    if (script) {
      sleep = LongestSleepSeconds(*script);
    } else if (!command.empty() && Basename(command[0]) == "sleep") {
      std::vector<std::string> words(command.begin(), command.end());
      words[0] = "sleep";
      sleep = LongestSleep(words);
    }
    if (sleep && *sleep >= p->timeout_seconds) {
      out.push_back(MakeFinding(c, kExecSleepOverTimeout, ProbePath(c, kind),
                                name + " sleeps " + SleepText(*sleep) + ", at least " + timeout +
                                    ": every attempt times out and fails, so " +
                                    AlwaysFailingConsequence(kind, *p)));
    }
  }
  return out;
}

}  // namespace probelet::lint
