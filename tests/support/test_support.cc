#include "tests/support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace kechan::testing {
namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string KechanBinary() {
  if (const char* env = std::getenv("KECHAN_BIN"); env != nullptr && *env != '\0') {
    return env;
  }
  return KECHAN_BIN_PATH;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "kechan-test.XXXXXX").string();
  char* p = mkdtemp(tmpl.data());
  path_ = p != nullptr ? p : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& in_path,
            const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

}  // namespace

CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text) {
  TempDir io;
  std::string in = io.path() + "/in", out = io.path() + "/out", err = io.path() + "/err";
  std::ofstream(in) << stdin_text;
  std::vector<std::string> full = {KechanBinary()};
  full.insert(full.end(), args.begin(), args.end());
  CliResult r;
  pid_t pid = Spawn(full, in, out, err);
  if (pid < 0) {
    r.err = "spawn failed";
    return r;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args) {
  std::string tmpl = (fs::temp_directory_path() / "kechan-server.XXXXXX").string();
  char* dir = mkdtemp(tmpl.data());
  if (dir == nullptr) {
    return;
  }
  dir_ = dir;
  std::string out = dir_ + "/out";
  stderr_path_ = dir_ + "/err";
  std::vector<std::string> args = {KechanBinary(), "serve", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args, "/dev/null", out, stderr_path_);
  if (pid_ < 0) {
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFile(out);
    auto pos = text.find("listening on http://");
    if (pos != std::string::npos && text.find('\n', pos) != std::string::npos) {
      auto colon = text.find(':', pos + 20);
      port_ = std::atoi(text.c_str() + colon + 1);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    Stop(SIGKILL);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

int ServerProcess::Stop(int sig) {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string ServerProcess::Stderr() const { return ReadFile(stderr_path_); }

HttpResponse HttpCall(int port, const std::string& method, const std::string& target,
                      const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      int timeout_ms) {
  HttpResponse out;
  try {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(port)));
    bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      req.set(k, v);
      has_type = has_type || k == "Content-Type" || k == "content-type";
    }
    if (!body.empty()) {
      if (!has_type) {
        req.set(bhttp::field::content_type, "application/json");
      }
      req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    bhttp::read(stream, buffer, parser);
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      auto& slot = out.headers[name];
      slot += slot.empty() ? std::string(f.value()) : "\n" + std::string(f.value());
    }
    out.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception&) {
    out.status = 0;
  }
  return out;
}

int Session::SignIn(const std::string& username, const std::string& password) {
  boost::json::object o{{"username", username}, {"password", password}};
  auto r = HttpCall(port_, "POST", "/api/v1/session", boost::json::serialize(o));
  if (r.status == 200) {
    std::string set_cookie = r.headers["set-cookie"];
    auto semi = set_cookie.find(';');
    cookie_ = set_cookie.substr(0, semi);
    auto v = boost::json::parse(r.body);
    csrf_ = std::string(v.at("csrf_token").as_string());
  }
  return r.status;
}

HttpResponse Session::Call(const std::string& method, const std::string& target,
                           const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Cookie", cookie_}};
  if (method != "GET" && method != "HEAD") {
    headers.emplace_back("X-CSRF-Token", csrf_);
  }
  return HttpCall(port_, method, target, body, headers);
}

}  // namespace kechan::testing
