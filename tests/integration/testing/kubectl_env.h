// Helpers for the tests that point a real kubectl (and the probelet CLI views) at an API
// server: an ApiServer over a PodSource on its own loop thread (in-process, 127.0.0.1:0), and
// a bounded shell-command runner that captures stdout and stderr.
//
// Header-only (small), test thread unless noted.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "base/asio_clock.h"
#include "server/api_server.h"

namespace probelet::integration {

// An ApiServer on 127.0.0.1:0 run by a thread of its own until destruction.
class ServerThread {
 public:
  explicit ServerThread(const server::PodSource& source) {
    server::ApiServerOptions options;
    options.address = "127.0.0.1:0";
    server_ = std::make_unique<server::ApiServer>(io_, clock_, source, options);
    base::Status s = server_->Start();
    if (!s.ok()) ADD_FAILURE() << s.error().message;
    address_ = server_->bound_address();
    thread_ = std::thread([this] {
      io_.run();
      done_.set_value();
    });
  }
  ~ServerThread() {
    boost::asio::post(io_, [this] {
      server_.reset();
      guard_.reset();
    });
    if (done_.get_future().wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      io_.stop();
    }
    thread_.join();
  }
  const std::string& address() const { return address_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  base::AsioClock clock_{io_};
  std::unique_ptr<server::ApiServer> server_;
  std::string address_;
  std::promise<void> done_;
  std::thread thread_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` with /bin/sh, bounded by `timeout` seconds (coreutils timeout), capturing
// stdout and stderr (stderr through a file in `scratch_dir`).
inline CommandResult RunCommand(const std::string& command, const std::string& scratch_dir,
                                int timeout_seconds = 30) {
  std::string err_path = scratch_dir + "/stderr.txt";
  std::string full =
      "timeout " + std::to_string(timeout_seconds) + " " + command + " 2>" + err_path;
  CommandResult r;
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) {
    r.err = "popen failed";
    return r;
  }
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_path);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

// The lines of `text`, without their '\n'.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Splits a kubectl table (columns padded with spaces, as `kubectl get` prints them) into rows
// of cells, using the header's column starts, so a cell may hold spaces ("2 (42s ago)").
inline std::vector<std::map<std::string, std::string>> ParseTable(const std::string& text) {
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> lines = Lines(text);
  if (lines.empty()) return rows;
  const std::string& header = lines[0];
  std::vector<std::pair<size_t, std::string>> columns;
  for (size_t i = 0; i < header.size();) {
    size_t start = i;
    // A column name may hold single spaces ("LAST SEEN"); two or more end it.
    while (i < header.size() &&
           !(header[i] == ' ' && (i + 1 >= header.size() || header[i + 1] == ' '))) {
      ++i;
    }
    columns.emplace_back(start, header.substr(start, i - start));
    while (i < header.size() && header[i] == ' ') ++i;
  }
  for (size_t l = 1; l < lines.size(); ++l) {
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < columns.size(); ++c) {
      size_t b = columns[c].first;
      size_t e = c + 1 < columns.size() ? columns[c + 1].first : std::string::npos;
      std::string cell =
          b < lines[l].size() ? lines[l].substr(b, e == std::string::npos ? e : e - b) : "";
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      row[columns[c].second] = cell;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace probelet::integration
