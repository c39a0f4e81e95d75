// Test support for integration tests: run the real kechan binary (as a CLI or as a server on port
// 0), talk real HTTP to it, and make temporary data directories. Not for production code.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kechan::testing {

// Path of the kechan binary under test (compiled in by CMake, overridable by $KECHAN_BIN).
std::string KechanBinary();

// A fresh empty directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `kechan ARGS...` to completion with `stdin_text` on its standard input.
CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = {});

// A running `kechan serve` child process on 127.0.0.1:0. Not thread-safe.
class ServerProcess {
 public:
  // Starts `kechan serve --listen 127.0.0.1:0 EXTRA...` and waits for its "listening" line.
  explicit ServerProcess(std::vector<std::string> extra_args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return port_ != 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits for the process; returns its wait status.
  int Stop(int sig);
  // The server's stderr so far (structured logs), for diagnostics.
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string stderr_path_;
  std::string dir_;  // holds the child's stdout/stderr; removed by the destructor
};

struct HttpResponse {
  int status = 0;                              // 0 when the connection failed
  std::map<std::string, std::string> headers;  // lower-case names; Set-Cookie values joined by "\n"
  std::string body;
};

// Sends one HTTP/1.1 request to 127.0.0.1:port and reads the response. `headers` are extra
// request headers. Never throws; status 0 means the connection failed or was closed.
HttpResponse HttpCall(int port, const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      int timeout_ms = 30000);

// A signed-in client: keeps the session cookie and CSRF token like the web app does.
class Session {
 public:
  explicit Session(int port) : port_(port) {}
  // Signs in with POST /api/v1/session; returns the HTTP status.
  int SignIn(const std::string& username, const std::string& password);
  // Sends a request with the cookie (and X-CSRF-Token on unsafe methods).
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = {});
  const std::string& csrf() const { return csrf_; }

 private:
  int port_;
  std::string cookie_;
  std::string csrf_;
};

}  // namespace kechan::testing
